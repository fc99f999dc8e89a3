//! Serving many clients: a sequential server against a thread per connection, and the cap (lab 07).
