# `sticky check`: the checker's table, verdicts, failures, hints and setup
# errors (src/tools/check/*.rs). `--json` never uses these: a grader's
# report is always English (docs/json-report.md).

sticky-cmd-check-about = Hold your own client or server to a lab's protocol, the stream cut on replayable seeds.
sticky-cmd-check-examples =
    Examples:
      # your client against our lab 04 server (the lesson's format, the default)
      sticky check lab04 --client 'python3 my_client.py {"{"}host{"}"} {"{"}port{"}"}'
      # your server, started on a free port, driven by our client
      sticky check lab03 --server 'python3 my_server.py {"{"}port{"}"}'
      # a server you already started
      sticky check 4 --addr 127.0.0.1:8083
      # replay one failure exactly (the failure prints this line)
      sticky check lab04 --client 'python3 my_client.py {"{"}host{"}"} {"{"}port{"}"}' --seed 7 --case header-split
      # for graders: one JSON report, exit 0 pass / 1 fail / 2 could not run
      sticky check lab04 --client 'python3 sub/client.py {"{"}host{"}"} {"{"}port{"}"}' --json
    
    Labs 03, 04, 05, 06 (UDP) and 07 have client and server cases; lab 01 checks clients, as a
    demonstration that its protocol cannot be right. docs/check.md has the contract.

## The table and the verdict
check-col-case = case
check-col-result = result
check-col-seeds = seeds
check-col-what = what it does to the stream
check-skip = skip
check-skipped = { $what } (skipped: { $why })
check-fail-seed = (seed { $seed })
check-command = command:  { $command }
check-first-wrong-byte = {" "}(first wrong byte: { $at })
check-expected = expected: { $expected }{ $at }
check-got = got:      { $got }
check-got-nothing = (nothing: it stopped after { $bytes } bytes)
check-pieces-given = the pieces your program was given ({ $n } in all):
check-pieces-before = … { $n } pieces before
check-pieces-after = … { $n } pieces after
check-piece = piece
check-sent = sent
check-datagram = datagram
check-hint-label = hint:
check-replay = replay:   { $command }
check-verdict-pass = { $passed } of { $n } cases passed, every seed ({ $seconds } s)
check-verdict-fail = { $failed } of { $n } cases failed ({ $seconds } s)
check-json-failed = cannot write the report: { $error }

## The banner
check-banner = sticky check { $lab }: { $against }
check-banner-format = wire format: { $format }; { $seeds }
check-banner-one-seed = 1 seed per case from seed { $first }
check-banner-seeds = { $seeds } seeds per case from seed { $first }
check-banner-client = your client `{ $program }` against our reference server
check-banner-server = your server `{ $program }` driven by our reference client
check-banner-addr = the server at { $addr } driven by our reference client
check-banner-datagrams = the lesson's datagrams, one message each (UDP keeps boundaries: --compat changes nothing)
check-banner-default = { $format } — the default, what the lesson's programs speak
check-banner-little = ; header byte order little-endian (struct.pack('<i'))
check-banner-big = ; header byte order big-endian (struct.pack('!I'))

## Setup errors (exit 2)
check-nothing-arrived = nothing arrived for { $seconds } s ({ $error })
check-no-cases = sticky check has no cases for { $lab } yet: labs 03, 04, 05, 06 and 07 can be checked (lab 01 as a demonstration); docs/check.md lists them
check-not-a-lab = '{ $given }' is not a lab: give lab03, 3 or lab03-length-ack ({ $labs })
check-lab01-no-ours = lab 01 has only the lesson's format: there is no frame to check (drop --compat ours)
check-lab01-clients-only = lab 01 checks clients only: its server has no frame, so no client could tell its replies apart
check-no-such-case = no case is called '{ $name }' for this lab and role; cases: { $cases }

## The cases of labs 03 and 04 (and 05 and 07 where they share them)
check-client-utf8-cut-what = Chinese text in pieces of 1-2 B: every character is cut
check-client-utf8-cut-hint = a piece ended inside a character: join all the bytes first and decode once (or write bytes, not text decoded piece by piece)
check-client-short-reply-what = a short reply, in pieces of 1-4 B
check-client-over-1024-what = `help`, a reply over 1024 B, in pieces up to 700 B
check-client-over-1024-hint = the reply is longer than one recv(1024): read the length first, then loop until every byte of the reply is in
check-client-one-mib-what = a 1 MiB reply (`bytes 1048576`) in pieces up to 64 KiB
check-client-one-mib-hint = a 1 MiB reply never comes in one recv(): loop, appending, until you have the announced length
check-client-empty-reply-what = `sleep 0` prints nothing: a length of 0, then the next command
check-client-empty-reply-hint = a length of 0 is a whole reply: print nothing and read the next header (recv(0) returns b'' at once; do not treat it as the server closing)
check-client-every-byte-what = every byte its own piece, header included
check-client-header-split-what = the header cut 1|3 (lab 03: the length text after its first byte)
check-client-header-split-hint = one recv(4) returned 1 byte: loop until you have all 4 header bytes before unpacking
check-client-glued-what = header and the whole reply in one piece, as loopback usually delivers it
check-client-glued-hint = the header and the start of the reply came in one recv(): keep what you read past the header, it is the reply's first bytes
check-client-slow-dribble-what = pieces of 1-8 B, 25 ms apart
check-client-slow-dribble-hint = a pause is not the end of a reply: keep reading until the announced length is in (a short socket timeout gives up too early)
check-client-closed-mid-reply-what = the server announces 1000+ B, sends 300 and closes
check-client-closed-mid-reply-hint = recv() returned b'' before the reply was complete: the server is gone — say so on stderr and exit non-zero, do not loop on b'' forever
check-server-short-reply-what = `echo hello N`, a short reply
check-server-short-reply-hint = reply with the header and every byte of the command's output (sendall, not send)
check-server-over-1024-what = `seq 400`, a reply over 1024 B
check-server-over-1024-hint = send the whole output with sendall(); a length that counts characters instead of bytes is wrong too
check-server-big-reply-what = `seq 150000`, a 938,895 B reply
check-server-big-reply-hint = send() may write only part of a big reply: use sendall(), and read the command's whole output before sending the length
check-server-empty-reply-what = `sleep 0` prints nothing: a reply of length 0, then another command
check-server-empty-reply-hint = a command with no output still needs a reply: a length of 0 and no body (lab 03: the client's ok and its next command then come in one recv(): read exactly 2 bytes for the ok)
check-server-utf8-what = a command and reply in Chinese (multi-byte UTF-8)
check-server-utf8-hint = the length is len(bytes), not len(text): encode first, then count
check-server-request-split-what = each request in pieces of 1-3 B, 2 ms apart
check-server-request-split-hint = one recv() returned part of the request's header or command: loop until the whole header, then the whole command, is in
check-server-every-byte-what = every byte of each request its own piece
check-server-every-byte-hint = one recv(4) returned 1 byte: loop until you have all 4 header bytes
check-server-requests-glued-what = two requests in one write, then both replies
check-server-requests-glued-hint = one recv() held two requests: read exactly one request's bytes and keep the rest for the next
check-server-ok-split-what = the client's `ok` sent as `o` | `k` (lab 03)
check-server-ok-split-hint = recv(1024) returned only 'o': read exactly 2 bytes for the ok (loop), then send the data
check-server-client-leaves-what = a client asks for `seq 150000`, reads 1000 B and resets; the next client must be served
check-server-client-leaves-hint = a client that leaves mid-reply raises an error in send: catch it, close that connection and go back to accept()
check-server-several-clients-what = four clients at once, three commands each
check-server-several-clients-hint = serve forever: after one client closes, accept() the next (a thread per client serves them at once)
check-hint-loop = one recv(n) returned fewer than n bytes: loop until you have all n (or use recv(n, socket.MSG_WAITALL))

## Lab 05's own cases
check-lab05-client-json-cut-what = the 4 length bytes whole, then the JSON header cut after 7 bytes
check-lab05-client-json-cut-hint = one recv(header_len) returned part of the JSON: json.loads fails on half a header. Loop until all header_len bytes are in
check-lab05-client-put-get-what = `put upload-N.bin` from your folder, then `get served-N.bin` in pieces up to 1500 B; md5 checked
check-lab05-client-put-get-hint = send {"{"}"opt": "upload", "filename", "filesize", "md5"{"}"} then every byte (sendall); for get, read the header exactly, then exactly filesize bytes, check the md5, then store the file
check-lab05-client-missing-file-what = `get missing-N.bin`: our server answers {"{"}"ok": false, "error": …{"}"}; then a command
check-lab05-client-missing-file-hint = a header with "ok": false is a refusal with no body: print `error: ` and its "error", store nothing, and go on
check-lab05-client-dotdot-name-what = `get ../served-N.bin`: our server refuses the name; then a command
check-lab05-client-dotdot-name-hint = a header with "ok": false is a refusal with no body: print `error: ` and its "error", store nothing, and go on
check-lab05-server-header-md5-what = `echo …`: when the reply's header has "md5", it must be the body's
check-lab05-server-header-md5-hint = compute hashlib.md5(body).hexdigest() of the bytes you send (or leave "md5" out): a header that lies is worse than none
check-lab05-server-put-get-what = upload a file in pieces up to 1500 B (md5 in the header), then download it: same bytes, right md5
check-lab05-server-put-get-hint = read the upload's header exactly, then exactly filesize bytes (loop), check the md5, store it; answer a download with filesize and md5, then the bytes (sendall)
check-lab05-server-missing-file-what = download a file that is not there: {"{"}"ok": false, …{"}"}, then a command on the same connection
check-lab05-server-missing-file-hint = answer a download of a missing file with a header {"{"}"ok": false, "error": …, "total_size": 0{"}"} and keep serving
check-lab05-server-dotdot-name-what = upload and download `../NAME`: both refused, nothing written outside the folder
check-lab05-server-dotdot-name-hint = a file name is only a name: refuse '..', '/', '\\' and empty names (os.path.basename is not enough for a download); read the refused upload's body anyway

## Lab 06 (UDP)
check-lab06-client-boundaries-what = four short datagrams, each answered by its own datagram
check-lab06-client-boundaries-hint = send each stdin line as one datagram and print each reply's bytes, then a newline
check-lab06-client-reply-over-buffer-what = a reply of 1500-4000 B: more than the lesson's recvfrom(1024)
check-lab06-client-empty-datagram-what = an empty line is an empty datagram; its reply is empty too
check-lab06-client-empty-datagram-hint = a 0-byte datagram is a real message: send b'' for an empty line, and print an empty reply as an empty line (recvfrom() returning b'' does not mean closed)
check-lab06-client-near-limit-what = datagrams of this system's largest size and one byte less (65507 B on Linux)
check-lab06-client-near-limit-hint = the largest datagram is 65507 bytes over IPv4: receive with a buffer of 65535 (socketserver's max_packet_size, 8192, is too small)
check-lab06-client-utf8-what = Chinese and accented text: bytes.upper() changes ASCII letters only
check-lab06-client-utf8-hint = print the reply's bytes as they came (sys.stdout.buffer.write), not a repr or text decoded and re-encoded
check-lab06-client-reply-lost-what = our server drops the reply to the last datagram, as a network may
check-lab06-client-reply-lost-hint = UDP may lose a datagram and nobody tells you: set a timeout (sock.settimeout(5)), and when it expires say so on stderr and exit non-zero
check-lab06-server-boundaries-what = two datagrams back to back: two replies, each whole
check-lab06-server-boundaries-hint = answer each datagram with one datagram: sendto(data.upper(), addr) per recvfrom()
check-lab06-server-over-1024-what = a datagram of 1500-4000 B
check-lab06-server-empty-datagram-what = an empty datagram (answered by an empty one), then another
check-lab06-server-empty-datagram-hint = a 0-byte datagram is a real message: answer it (b''.upper() is b''), do not treat it as a client leaving
check-lab06-server-near-limit-what = datagrams of this system's largest size and one byte less (65507 B on Linux)
check-lab06-server-near-limit-hint = the largest datagram is 65507 bytes over IPv4: read with recvfrom(65535) (socketserver's UDP servers read max_packet_size = 8192 bytes)
check-lab06-server-utf8-what = `粘包 straße café`: bytes.upper() changes ASCII letters only
check-lab06-server-utf8-hint = upper-case the bytes (data.upper()), not decoded text: str.upper() turns ß into SS and é into É
check-lab06-server-several-clients-what = four clients at once, three datagrams each: each gets its own replies
check-lab06-server-several-clients-hint = answer each datagram to the address it came from (recvfrom's addr), never to the last client seen
check-lab06-hint-buffer = recvfrom(1024) kept the first 1024 bytes of a longer datagram and the kernel threw the rest away (man 7 udp): use a buffer of 65535, bigger than any datagram (or notice the cut with recvmsg's MSG_TRUNC flag and say so on stderr)

## Lab 07 (the echo)
check-lab07-client-short-reply-what = three short echoes, in pieces of 1-4 B
check-lab07-client-over-1024-what = a message of 1500-2286 B, its echo in pieces up to 700 B
check-lab07-client-big-reply-what = a 256 KiB message, its echo in pieces up to 64 KiB
check-lab07-client-big-reply-hint = a long echo never comes in one recv(): loop, appending, until you have it all
check-lab07-client-every-byte-what = every byte its own piece
check-lab07-client-header-split-what = the 4-byte header cut 1|3 (--compat ours)
check-lab07-client-header-split-hint = one recv(4) returned 1 byte: loop until you have all 4 header bytes before unpacking
check-lab07-client-glued-what = a 600-B echo in one piece, as loopback usually delivers it
check-lab07-client-glued-hint = print the reply's bytes exactly, then a newline
check-lab07-client-slow-dribble-what = pieces of 1-8 B, 25 ms apart
check-lab07-client-slow-dribble-hint = a pause is not the end of a reply: keep reading until you have len(msg) bytes (a short socket timeout gives up too early)
check-lab07-client-closed-mid-reply-what = a 1000-B message; the server sends 300 B of its echo and closes
check-lab07-client-closed-mid-reply-hint = recv() returned b'' before the reply was complete: the server is gone — say so on stderr and exit non-zero, do not loop on b'' forever
check-lab07-server-short-reply-what = three short messages, echoed upper-case
check-lab07-server-short-reply-hint = answer every byte: sendall(data.upper()), not send()
check-lab07-server-over-1024-what = a message of 1500-2286 B (more than one recv(1024))
check-lab07-server-over-1024-hint = recv(1024) returns part of a long message: upper-case what came, sendall() it, and recv() again (our format: read the whole frame)
check-lab07-server-utf8-what = `straße café 粘包`: bytes.upper() changes ASCII letters only
check-lab07-server-utf8-hint = upper-case the bytes (data.upper()), not decoded text: str.upper() turns ß into SS and é into É, so the echo has other bytes and another length
check-lab07-server-request-split-what = each message in pieces of 1-3 B, 2 ms apart
check-lab07-server-request-split-hint = one recv() returned part of a message: answer what came and keep reading (our format: loop until the whole header, then the whole message, is in)
check-lab07-server-every-byte-what = every byte of each message its own piece
check-lab07-server-every-byte-hint = one recv() returned 1 byte: answer it and keep reading (our format: loop until you have all 4 header bytes)
check-lab07-server-requests-glued-what = two messages in one write, then both echoes
check-lab07-server-requests-glued-hint = one recv() held two messages: answer all of it (our format: read exactly one frame and keep the rest for the next)
check-lab07-server-second-client-idle-what = a client is served and stays connected, idle; a second client must be served meanwhile
check-lab07-server-second-client-idle-hint = a server that handles one connection until it closes makes everyone else wait: give each client its own thread (socketserver.ThreadingTCPServer, or threading.Thread per accept())
check-lab07-server-several-clients-what = four clients at once, three messages each
check-lab07-server-several-clients-hint = each client must get its own echoes: one thread (or one socket) per client, never a shared buffer
check-lab07-server-client-leaves-what = a client sends 512 KiB, reads 1000 B of the echo and resets; the next client must be served
check-lab07-server-client-leaves-hint = a client that leaves mid-reply raises an error in send: catch it, close that connection, and keep serving the others
check-lab07-hint-one-recv = one recv(1024) is not one reply: the reply to a message is exactly as long as the message (upper() keeps the length), so loop until you have len(msg) bytes

## Checking a client (client.rs)
check-cl-needs-port = --client needs {"{"}port{"}"} (and usually {"{"}host{"}"}) in the command line, e.g. --client 'python3 my_client.py {"{"}host{"}"} {"{"}port{"}"}'; got `{ $template }`
check-thread-panicked = a case's thread panicked
check-cl-skip-echo-no-header = the lesson's echo has no header (--compat ours has)
check-cl-skip-digits-no-end = the lesson's length digits have no end mark: cut, no client can read them
check-cannot-listen = cannot listen on 127.0.0.1: { $error }
check-cl-never-connected = your client never connected to 127.0.0.1:{ $port } ({ $why }); command: `{ $command }`{ $stderr }
check-cl-no-scratch = cannot make a scratch folder: { $error }
check-cl-scratch-write = cannot write { $name } in the scratch folder: { $error }
check-exited-first = it exited with { $status } first
check-nothing-within = nothing within { $seconds } s
check-cl-closed-instead = your client closed the connection instead of sending `{ $command }`
check-cl-waiting-command = waiting for the command `{ $command }`: { $error }
check-cl-sent-instead = your client sent "{ $sent }" where the command `{ $command }` (the next stdin line) was expected
check-cl-hint-framed-request = in our format (--compat ours) every request carries the lab's frame around the command
check-cl-hint-bare-request = in the lesson's format (the default) send each stdin line as bare bytes, no header, no newline; a program written for our format needs --compat ours
check-cl-sending-reply = sending the reply to `{ $command }`: { $error }
check-cl-mid-reply-hangs = our server closed mid-reply, and your client was still running { $seconds } s later: it hangs instead of reporting the lost server
check-cl-mid-reply-exit0 = our server closed mid-reply, and your client exited 0 as if the reply were complete
check-cl-silent-exit = your client exited with { $status } but printed nothing on stderr: say what happened
check-cl-printed-nothing = your client printed nothing for the reply to `{ $command }` ({ $bytes } B)
check-cl-printed-part = your client printed only the first { $at } of the { $bytes } bytes of the reply to `{ $command }`
check-cl-output-differs = your client's output differs from the { $bytes }-byte reply to `{ $command }` at byte { $at }
check-cl-and-exited = { $message }; it exited with { $status }{ $stderr }
check-cl-and-still-running = { $message }; it was still running { $seconds } s after our server was done (stuck in recv()?)
check-cl-and-stuck = { $message }; your client was still running { $seconds } s later (it is stuck, probably waiting in recv() for bytes that will never come)
check-cl-printed-more = after the last reply your client printed { $bytes } more bytes: "{ $preview }"
check-cl-hint-print-only = print each reply's bytes and nothing else (a prompt `>>> ` is allowed)
check-cl-lost-still-waiting = the reply to your last message was lost (our server dropped it, as a network may), and your client was still waiting { $seconds } s later
check-cl-lost-exit0 = the reply to your last message was lost, and your client exited 0 as if every reply had come
check-cl-lost-silent = the reply to your last message was lost; your client exited with { $status } but printed nothing on stderr: say what happened
check-cl-never-exits = every reply was right, but your client was still running { $seconds } s after its stdin ended
check-cl-hint-exit-at-eof = exit when stdin ends (input() raises EOFError; `for line in sys.stdin` just stops)
check-cl-exit-nonzero = every reply was right, but your client exited with { $status }{ $stderr }
check-cl-hint-exit0 = exit 0 when stdin ends
check-cl-forked = your client exited but left a process it started still running
check-cl-hint-no-fork = do not fork or start background processes; they were killed
check-stderr-ends = ; its stderr ends: { $stderr }

## Checking a server (server.rs)
check-sv-needs-port = --server needs {"{"}port{"}"} in the command line, e.g. --server 'python3 my_server.py {"{"}port{"}"}'; got `{ $template }`
check-sv-no-free-port = cannot find a free port: { $error }
check-sv-exited-before-accept = your server exited with { $status } before accepting a connection{ $busy }{ $stderr }; command: `{ $command }`
check-sv-port-busy = {" "}(its port is busy)
check-sv-nothing-listens = nothing listens at { $addr } after { $seconds } s; command: `{ $command }`
check-sv-skip-no-frame = the lesson's requests have no frame to cut (--compat ours has)
check-sv-skip-bare-glued = the lesson's bare commands have no end: two in one segment cannot be told apart (--compat ours frames them)
check-sv-skip-no-ok = this lab has no ok
check-sv-connect-exited = cannot connect to your server: it exited with { $status }{ $stderr } (a server must go back to accept() after each client)
check-cannot-connect = cannot connect to { $addr }: { $error }
check-sending = sending `{ $command }`: { $error }
check-reading-reply = reading the reply to `{ $command }`: { $error }
check-sv-not-started = no server was started
check-sv-requests-cut = { $what } (requests cut: pieces of 1-{ $max } B, about ten for one over { $long } B)
check-sv-reply-differs = your server's { $got }-byte reply to `{ $command }` differs from the { $want } bytes it prints, at byte { $at }
check-sv-had-exited = { $message }; your server had exited ({ $status }){ $stderr }
check-sv-hint-go-on = a server must go on serving: after a client leaves, accept() the next one. { $hint }
check-sv-sending-two = sending two requests: { $error }
check-sv-reading-glued = reading the reply to `{ $command }` (sent glued to the other request): { $error }
check-sv-after-left = after a client left mid-reply: { $error }
check-sv-next-after-left = the next client, after one left mid-reply: { $error }
check-sv-client-cannot-connect = client { $k } of { $n }: cannot connect: { $error }
check-sv-client-at-once = client { $k } of { $n } (all connected at once): { $error }
check-sv-second = the second client: { $error }
check-sv-second-while-idle = the second client, while the first was connected and idle: { $error } (your server serves one client at a time?)

## Labs 01, 03 and 07's wires
check-lab01-no-frame = lab 01's replies have no frame: there is no whole reply to read
check-lab01-hint = lab 01's replies carry no length, so no client can know where one ends: that is the lesson. Labs 03 and 04 add the frame that makes this case passable
check-lab03-closed-before-length = the server closed instead of sending the length
check-lab03-empty-length = the length text was empty
check-lab03-not-ok = your client answered "{ $answer }" to the length, not "ok"
check-lab03-sending-ok-glued = sending `ok` glued to `{ $command }`: { $error }
check-lab03-reading-after-ok = reading the reply to `{ $first }` after `ok` + `{ $second }` in one write: { $error } (a server that reads the ok with one recv(1024) takes the command with it)
check-lab03-reading-glued-to-ok = reading the reply to `{ $command }` (sent glued to the ok): { $error }
check-lab07-no-frame = the lesson's echo has no frame: read_reply_to knows its length

## Lab 05's exchanges
check-lab05-bare-put-get = your client sent `{ $line }` as a bare command; put and get are framed requests: 4 bytes of length, then {"{"}"opt": "upload" or "download", "filename": …{"}"}
check-lab05-waiting-header = waiting for the request header of `{ $line }`: { $error }
check-lab05-not-file-request = your client's header for `{ $line }` is not an upload or download request ({ $error }): { $header }
check-lab05-sending-refusal = sending the refusal { $refusal }: { $error }
check-lab05-not-upload = your client sent a request other than {"{"}"opt": "upload"{"}"} for `{ $line }`
check-lab05-upload-name = your client's upload header names { $filename }; `{ $line }` uploads { $name } (send the file's name, not its path)
check-lab05-upload-size = your client's upload header says filesize { $filesize }; { $name } has { $bytes } bytes
check-lab05-upload-bytes = the bytes of { $name } your client sent differ from the file at byte { $at }
check-lab05-upload-md5 = your client's upload header says md5 { $md5 }; the file's md5 is { $want }
check-lab05-not-download = your client sent a request other than {"{"}"opt": "download"{"}"} for `{ $line }`
check-lab05-download-name = your client's download header asks for { $filename }; `{ $line }` asks for { $name }
check-lab05-sending-file = sending { $name } for `{ $line }`: { $error }
check-lab05-file-not-command = your client sent an upload or download where a command was expected
check-lab05-request-header = your client's request header: { $error }
check-lab05-server-refused = your server refused: { $error }
check-lab05-get-not-stored = after `get { $name }` printed its line, your client's folder has no { $name } ({ $error })
check-lab05-stored-differs = the { $name } your client stored ({ $got } B) differs from the { $want } B sent, at byte { $at }
check-lab05-reply-not-output = your server's reply to `{ $command }` is not what it prints
check-lab05-reply-md5 = the header of your server's reply to `{ $command }` says md5 { $md5 }; the { $bytes } body bytes hash to "{ $real }"
check-lab05-uploading = uploading { $name }: { $error }
check-lab05-upload-answer = reading the answer to the upload of { $name }: { $error }
check-lab05-refused-upload = your server refused the upload of { $name }: { $header }
check-lab05-asking-download = asking to download { $name }: { $error }
check-lab05-downloading = downloading { $name } just uploaded: { $error }
check-lab05-download-answer = your server answered the download of { $name }, just uploaded, with { $header }
check-lab05-download-differs = the { $got } B your server sent for { $name } differ from the { $want } B uploaded, at byte { $at }
check-lab05-download-md5 = the download header of { $name } says md5 { $md5 }; the file's md5 is "{ $want }"
check-lab05-none = (none)
check-lab05-refusal-answer = reading the answer to a download of { $name }{ $why }: { $error }
check-lab05-not-refused = your server answered a download of { $name }{ $why } with { $header } and { $bytes } body bytes, not "ok": false
check-lab05-not-there = , which is not there
check-lab05-after-missing = after refusing a missing file, your server did not answer `{ $command }`: { $got }
check-lab05-dotdot-answer = reading the answer to an upload of { $name }: { $error }
check-lab05-dotdot-not-refused = your server answered an upload of { $name } with { $header }, not "ok": false
check-lab05-after-dotdot = after an upload of { $name }, your server answered `{ $command }` with { $header } and "{ $body }"
check-lab05-after-dotdot-reading = after an upload of { $name }, reading the reply to `{ $command }`: { $error }
check-lab05-stored-outside = your server stored an upload named { $name } outside its folder, at { $path } (removed)

## Lab 06's exchanges (UDP)
check-cannot-start = cannot start `{ $command }`: { $error }
check-lab06-empty-datagram = (an empty datagram)
check-lab06-no-socket-local = cannot open a UDP socket on 127.0.0.1: { $error }
check-lab06-never-sent = your client never sent a datagram to 127.0.0.1:{ $port } ({ $why }); command: `{ $command }`{ $stderr }
check-lab06-sent-nothing = your client sent nothing for { $seconds } s where the datagram { $datagram } (the next stdin line) was expected
check-lab06-sent-other = your client sent { $sent } ({ $bytes } B) where the datagram { $datagram } ({ $want } B, the next stdin line without its newline) was expected
check-lab06-sending-reply = sending the reply to { $datagram }: { $error }
check-lab06-hint-one-datagram = send each stdin line as one datagram: its bytes without the newline (an empty line is an empty datagram)
check-lab06-no-free-port = cannot find a free UDP port: { $error }
check-lab06-no-socket = cannot open a UDP socket: { $error }
check-lab06-exited-before-answer = your server exited with { $status } before answering a datagram{ $stderr }; command: `{ $command }`
check-lab06-nothing-answered = nothing answered a datagram at { $addr } within { $seconds } s (an upper-case echo answers `probe` with `PROBE`); command: `{ $command }`
check-lab06-restarted = your server had exited ({ $status }){ $stderr } after the case before; it was started again
check-lab06-no-reply = no reply to { $after } within { $seconds } s
check-lab06-waiting-reply = waiting for the reply to { $after }: { $error }
check-lab06-reply-differs = your server's { $got }-byte reply to { $datagram } differs from its { $want } bytes upper-cased, at byte { $at }
check-lab06-sending = sending { $datagram }: { $error }
check-lab06-client-of-four = client { $client } of 4 (all at once): { $error }
check-lab06-back-to-back = { $n } datagrams sent back to back
check-lab06-replies-came = { $error }: { $came } of { $n } replies came
check-lab06-not-one-of-them = your server answered two datagrams sent back to back with { $got } ({ $bytes } B), which is not one of them upper-cased

## labs/sticky.rs: `sticky check`'s own flags
check-byte-order-lab04 = --byte-order is lab 04's flag: its 4-byte header is the only binary one
check-give-a-role = give --client CMD, --server CMD or --addr HOST:PORT
