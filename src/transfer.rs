//! File transfer over the JSON header: streamed in constant memory, verified by md5, renamed into place only when whole (lab 05).
