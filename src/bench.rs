//! Framing speed: a raw pump against each framing, on real loopback TCP (sticky bench).
