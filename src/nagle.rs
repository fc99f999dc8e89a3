//! Nagle's algorithm and delayed ACK, measured with the kernel's TCP_INFO counters (lab 02).
