//! The naive protocol of lab 01: raw command bytes up, raw output down, one recv(1024) each way.
