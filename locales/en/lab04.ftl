# Lab 04 — a fixed 4-byte length header: the binary labs/lab04_struct_header.rs
# and src/lessons/lab04_struct_header*.

lab04-about = Lab 04: a 4-byte length header, struct.pack('i', n) (seed 001 scheme 2, seed 002 §1.2)
lab04-examples =
    Examples:
      lab04-struct-header demo                      # the whole story, checked
      lab04-struct-header server                    # terminal 1 (127.0.0.1:8083)
      lab04-struct-header client --cmd help         # terminal 2
lab04-struct-header-cmd-demo-about = Show the header working, the single-recv bug under chaos, byte order, and the limits
lab04-struct-header-cmd-demo-examples =
    Examples:
      lab04-struct-header demo
      lab04-struct-header demo --seed 3
      lab04-struct-header demo --color never --svg docs/labs/img/lab04-struct-header.svg
      lab04-struct-header demo --json > report.json
      lab04-struct-header demo --lang zh            # the same demo in Chinese
lab04-struct-header-cmd-server-about = Run the command server (built-in commands unless --exec shell)
lab04-struct-header-cmd-server-examples =
    Examples:
      lab04-struct-header server                       # 127.0.0.1:8083, framed requests, 'i' header
      lab04-struct-header server --compat lesson       # the bytes seeds 001/002's Python clients speak
      lab04-struct-header server --byte-order big      # network order, struct.pack('!I')
      lab04-struct-header server --max-frame 1048576 --idle-timeout 5
      lab04-struct-header server --memory-budget 1G      # room for 8 frames of the default 64 MiB

    Memory: a request frame over 320 KiB reserves twice its length from --memory-budget before its
    body is read, and each command twice --max-output while it runs; what finds no room within 90%
    of --request-deadline is refused with one error line naming the sizes. The budget holds against
    clients that never read (tested); each connection adds at most 2 MiB over it (docs/labs/lab04-struct-header.md).
lab04-struct-header-cmd-client-about = Send commands and print the replies (>>> prompt, --cmd, or piped stdin)
lab04-struct-header-cmd-client-examples =
    Examples:
      lab04-struct-header client
      lab04-struct-header client --cmd help --cmd 'bytes 100000'
      lab04-struct-header client --byte-order big      # against a network-order server
      lab04-struct-header client --compat lesson --addr 127.0.0.1:8083   # against seed 002's Python server

lab04-title = a 4-byte length header, struct.pack('i', n)
lab04-yes = yes
lab04-no = no
lab04-announced = { $n } B announced
lab04-accepted = accepted
lab04-accepted-bytes = accepted { $n } B
lab04-struct-error-short = struct.error: unpack requires a buffer of 4 bytes (recv(4) returned { $n })
lab04-output-of = the output of '{ $cmd }' (up to --max-output, held twice)

lab04-s1-title = on loopback, header + data works
lab04-s1-expected = every reply arrives whole
lab04-s1-server-little = The server sends struct.pack('i', len(data)) + data in one write: this machine is little-endian, so the header is struct format '{ $format }'.
lab04-s1-server-big = The server sends struct.pack('i', len(data)) + data in one write: this machine is big-endian, so the header is struct format '{ $format }'.
lab04-s1-col-command = command
lab04-s1-col-header = header bytes
lab04-s1-col-length = length
lab04-s1-col-received = received
lab04-s1-col-intact = intact
lab04-s1-observed = { $n } of 3 replies intact

lab04-s2-title = under chaos: one recv(4), one recv(n) — against the read-exact loops
lab04-s2-expected = one recv(n) comes up short and the next header is read from the leftover body; the loops get every byte
lab04-s2-through = Through ChaosProxy, a real TCP hop cutting the reply into pieces of 1..=1500 bytes, 1 ms apart (seed { $seed }: the first from --seed { $from } that leaves the command whole). Seed 001's client:
lab04-s2-first = '{ $cmd }': recv(4) = { $header } → { $want } B announced; recv({ $want }) returned { $got } B
lab04-s2-next = 'ls' next: recv(4) = { $header } ("{ $text }", left over from the last reply) → { $claim }
lab04-s2-loops = read-exact loops, same seed, same cuts: '{ $cmd }' { $bytes } B in { $reads } reads, then 'ls' { $next } B — both intact: { $intact }
lab04-s2-panel = Stage 2: seed 001's client through ChaosProxy (seed { $seed })
lab04-lane-server-header-data = server: header | data
lab04-lane-lesson-recvs = lesson: recv(4), recv(n)
lab04-lane-fix = fix: read exactly
lab04-s2-observed = recv({ $want }) got { $got } B; the next recv(4) read "{ $text }" ({ $claim }); the loops delivered both replies intact

lab04-s3-title = byte order: a little-endian header read as big-endian
lab04-s3-expected = the swapped header claims an absurd length and is refused with a clear error
lab04-s3-packs = The server packs '{ $format }'; a client that unpacks '!I' (network order) reads the same 4 bytes:
lab04-s3-header = header { $header } → little-endian { $little } B, big-endian { $big } B ({ $gib } GiB)
lab04-s3-refuses = the big-endian client refuses it: { $msg }
lab04-s3-hint = and says why it may be: { $hint }
lab04-s3-observed = { $little } B became { $big } B; refused: { $msg }

lab04-s4-title = the 'i' limit: 2^31 − 1 is the largest length
lab04-s4-expected = 2^31 − 1 packs, 2^31 is refused like Python's struct.error, '!I' reaches 2^32 − 1
lab04-s4-encoding-only = Encoding only — nothing of that size is allocated:
lab04-s4-col-length = length
lab04-s4-col-format = format
lab04-s4-col-header = header
lab04-s4-col-result = result
lab04-s4-packed = packed
lab04-s4-refused = refused: does not fit
lab04-s4-ours-says = ours says:   { $error }
lab04-s4-python-says = Python says: struct.error: 'i' format requires -2147483648 <= number <= 2147483647
lab04-s4-observed = 2^31 refused: { $error }

lab04-s5-title = a frame limit: no header makes either side allocate gigabytes
lab04-s5-expected = the server refuses the 2 GiB header at once and keeps serving; the client refuses over its limit
lab04-s5-sends = A client sends only the header { $header } (2^31 − 1 = 2 GiB announced) to a server with the default { $mib } MiB limit:
lab04-s5-server = server: { $line }  (closed that connection after { $ms } ms, before reading or allocating a body)
lab04-s5-next = the next client's 'ls' is served: { $bytes } B
lab04-s5-client = and the client side: with --max-frame 65536, a 100000-byte reply is refused: { $msg }
lab04-s5-observed = server: { $line }; client: { $msg }

lab04-s6-title = seed 002's body loop asks recv(1024) whatever is left
lab04-s6-expected = with the next reply already queued, the loop reads past the body into the next header; min(1024, left) stops at the boundary
lab04-s6-loop =
    Seed 002 §1.2's client reads the body with `while recv_size < total_size: recv_data = client.recv(1024)`.
    A server answering two pipelined commands sends both replies back to back ('{ $first }', then '{ $second }'); both are queued when the client reads:
lab04-s6-lesson = lesson: total_size = { $total }; { $recvs } recv(1024) → recv_size = { $took }: { $over } B of the next reply taken, its header included
lab04-s6-next = the next recv(4) reads { $header } ("{ $text }") → { $claim }
lab04-s6-fix = fix:    recv(min(1024, total_size − recv_size)) → { $bytes } B, then '{ $second }' { $claim } — both intact: { $intact }
lab04-s6-observed = the loop read { $took } B for a { $total }-byte body ({ $over } B too many); the next header read "{ $text }"; min(1024, left) read both replies intact

lab04-s7-title = recv() returning b'' is the end: the server dies mid-body
lab04-s7-expected = the lesson's loop spins on empty recv()s (thousands in 100 ms); the fix stops at the first and names the missing bytes
lab04-s7-dies =
    A server announces { $total } B, sends { $sent } and dies (closes). recv() then returns b'' at once, every time: recv(2) says "the return value will be 0 when the peer has performed an orderly shutdown".
    The lesson's loop adds len(b'') = 0 and asks again. Given { $ms } ms:
lab04-s7-lesson = lesson: { $recvs } recv() calls, { $empty } of them returned b''; recv_size stuck at { $got } of { $total }{ $still }
lab04-s7-still-looping = { " " }— still looping when the demo stopped it
lab04-s7-fix = fix:    stops at the first b'': { $fixed }
lab04-s7-observed = { $empty } empty recv()s in { $ms } ms, the loop never ended; the fix: { $fixed }

lab04-s8-title = MSG_WAITALL: a read-exact in one recv() call — still checked
lab04-s8-expected = recv(n, MSG_WAITALL) returns the whole reply where one recv(n) came up short (where a socket layer does not wait, its short count is caught), and returns short when the server closes mid-body
lab04-s8-waitall =
    recv(n, MSG_WAITALL) asks the kernel to return only when n bytes are in: a read-exact in one call, on Linux, macOS and Windows (since Vista).
    Through the chaos proxy of stage 2 (seed { $seed }), '{ $cmd }':
lab04-s8-one = one recv({ $want }):              { $got } B
lab04-s8-waitall-got = one recv({ $want }, MSG_WAITALL): { $got } B, intact: { $intact }
lab04-s8-not-waited = Here MSG_WAITALL did not wait: { $got } of { $want } B came back with no close. This socket layer returns what has arrived (seen under Wine); the count check caught it.
lab04-s8-short = It can still return short — on a signal, an error, a timeout, or EOF (recv(2)). A server that announces { $total } B, sends { $sent } and closes:
lab04-s8-on-close = one recv({ $total }, MSG_WAITALL): { $got } B — so the count must still be checked, as a loop would
lab04-s8-observed = one recv(n) { $one } of { $want } B; with MSG_WAITALL { $all } B; on a close mid-body MSG_WAITALL returned { $got } of { $total } B

# sticky labs' "lesson" column
lab04-struct-header-lesson = 4-byte struct header
