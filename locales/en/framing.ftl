# The framing errors (src/framing): what went wrong with a frame, and by how much.
# The English text is also the errors' Display, which goes on the wire in the
# servers' `error: …` replies and into --json: keep it word for word.

framing-closed = connection closed
framing-truncated = connection closed { $got } bytes into a { $expected }-byte { $what }
framing-negative-length = header claims a negative length ({ $len }): not a valid frame
framing-too-large = header claims { $len } bytes, over the { $max }-byte frame limit
framing-unrepresentable = a { $len }-byte message does not fit a { $header }: the most it can describe is { $limit }

# The parts of a frame a close can fall inside (FrameError::Truncated's `what`).
framing-part-header = header
framing-part-body = body
framing-part-frame = frame
framing-part-reply = reply
framing-part-command = command
framing-part-header-length = header length
framing-part-length-text = length text
framing-part-json-header = JSON header

# The 4-byte headers FrameError::Unrepresentable names.
framing-header-signed = 4-byte signed header ('i')
framing-header-unsigned = 4-byte unsigned header ('I')

# LengthPrefix::byte_order_hint
framing-order-hint = read { $other } the same 4 bytes say { $n }: do both sides use the same byte order?
framing-order-big = big-endian
framing-order-little = little-endian

# HeaderError (src/framing/json_header.rs)
framing-json-length = header length: { $error }
framing-json-not-utf8 = JSON header is not UTF-8 (invalid byte at offset { $offset })
framing-json-invalid = JSON header is not valid JSON: { $error }
framing-json-not-object = JSON header is { $kind }, not an object
framing-json-missing = JSON header has no "{ $key }" key
framing-json-wrong-type = JSON header key "{ $key }" must be { $expected }, got { $got }
framing-json-negative = JSON header key "{ $key }" is negative ({ $value })
framing-json-body-too-large = JSON header announces a { $len }-byte body, over the { $max }-byte limit
framing-json-header-too-large = JSON header of { $len } bytes is over the { $max }-byte header limit
framing-json-short-recv = unpack requires a buffer of 4 bytes: one recv(4) returned { $got }

# What a JSON value is, in HeaderError's words (NotObject's kind, WrongType's expected).
framing-json-null = null
framing-json-a-boolean = a boolean
framing-json-a-number = a number
framing-json-a-string = a string
framing-json-an-array = an array
framing-json-an-object = an object
framing-json-a-non-negative-integer = a non-negative integer
framing-json-true-or-false = true or false
