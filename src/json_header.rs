//! The JSON header of seed 002 §1.3: 4-byte header length, a JSON object, then the body (lab 05).
