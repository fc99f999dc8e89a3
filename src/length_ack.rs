//! Scheme 1 of seed 001: the length as ASCII digits, an ok handshake, then the data (lab 03).
