//! UDP beside TCP: datagram boundaries, truncation, empty messages, size limits and loss (lab 06).
