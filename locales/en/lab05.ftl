# Lab 05 — the JSON header: the binary labs/lab05_json_header.rs,
# src/lessons/lab05_json_header.rs and src/lessons/lab05_transfer/*.rs.
# What goes ON THE WIRE (a reply header's "error") is built from the English
# keys whatever the language (TransferError's Display); only what a person
# reads follows --lang.

lab05-about = Lab 05: the JSON header — 4-byte length + JSON header + body, for commands and files
lab05-examples =
    Examples:
      lab05-json-header demo                      # the whole story, checked
      lab05-json-header server                    # terminal 1 (127.0.0.1:9090)
      lab05-json-header client                    # terminal 2: help, put a.txt, get a.txt
lab05-json-header-cmd-demo-about = Show the header on the wire, the lesson's one recv(header_len) failing under chaos, the fix, and file transfer
lab05-json-header-cmd-demo-examples =
    Examples:
      lab05-json-header demo
      lab05-json-header demo --seed 3 --max-chunk 8 --svg lab05.svg
      lab05-json-header demo --json > report.json
      lab05-json-header demo --lang zh            # the same demo in Chinese
lab05-json-header-cmd-server-about = Run commands and store/serve files in one folder (JSON-header replies)
lab05-json-header-cmd-server-examples =
    Examples:
      lab05-json-header server                           # 127.0.0.1:9090, files in ./sticky-files
      lab05-json-header server --dir /tmp/share --overwrite
      lab05-json-header server --compat lesson           # seed 002 §1.3 / seed 000 clients
      lab05-json-header server --compat lesson --push notes.txt   # seed 004's server
      lab05-json-header server --exec shell              # the real shell (loopback only)

    Memory: each connection reserves one --max-header from --memory-budget while connected, each
    command twice --max-output while it runs; uploads and downloads stream through 64 KiB pieces and
    reserve nothing. What finds no room within 90% of --request-deadline gets an error reply.
lab05-json-header-cmd-client-about = Send commands (and `put FILE` / `get NAME`) at a `>>> ` prompt
lab05-json-header-cmd-client-examples =
    Examples:
      lab05-json-header client                        # >>> help, seq 5000, put a.txt, get a.txt
      lab05-json-header client --cmd help --cmd 'seq 5000'
      lab05-json-header client --put big.iso          # upload, md5 verified by the server
      lab05-json-header client --get big.iso --dir downloads
      lab05-json-header client --compat lesson --addr 127.0.0.1:8083 --cmd 'echo hi'   # seed 002's server
      lab05-json-header client --compat lesson --get x --addr 127.0.0.1:9527          # seed 004's push

lab05-title = 4-byte header length + JSON header + body
lab05-setup-server-failed = cannot start the server: { $error }
lab05-setup-proxy-failed = cannot start the chaos proxy: { $error }
lab05-lane-parts = message parts

lab05-s1-title = The message on the wire: header length, JSON header, body
lab05-s1-expected = total_size equals the body's length, the md5 matches, the body is the help text (> 1024 bytes)
lab05-s1-say =
    The client asks for `help` (longer than 1024 bytes). The server answers with three parts:
    4 bytes = struct.pack('i', len(json)), the JSON header, then total_size bytes of output.
lab05-s1-json-in-full = JSON header in full: { $json }
lab05-s1-md5-matches = matches
lab05-s1-md5-differs = DOES NOT match
lab05-s1-observed = header { $json_len } B says total_size={ $total } stdout_size={ $stdout } exit_code={ $exit }; body { $body } B, md5 { $md5 }
lab05-col-part = part
lab05-col-bytes = bytes
lab05-col-on-the-wire = on the wire
lab05-part-header-length = header length
lab05-part-json-header = JSON header
lab05-part-body = body
lab05-little-endian = little-endian
lab05-big-endian = big-endian

lab05-s2-title = The lesson's client under chaos: ONE recv(header_len)
lab05-s2-expected = the single recv(header_len) returns part of the JSON and json.loads fails
lab05-s2-say =
    Same request, now through a ChaosProxy (a real TCP hop on { $addr }) that re-cuts the stream into
    pieces of 1..={ $max_chunk } bytes, 1 ms apart (seed { $seed }). The lesson's client does x=recv(4), then
    json_bytes=recv(header_len), then json.loads — one recv each.
lab05-s2-lesson-client = the lesson's client: { $what }
lab05-s2-panel = lesson client through ChaosProxy (seed { $seed }, max chunk { $max_chunk }): one recv(4), one recv(header_len)
lab05-lane-lesson-recv = lesson recv() calls
lab05-lesson-cut-json = recv(4) gave { $got4 } B ({ $len4 }), recv({ $n }) gave only { $got_json } B: { $text } → { $error }
lab05-lesson-cut-len = recv(4) gave only { $got4 } B ({ $len4 }) → { $error }
lab05-lesson-whole = recv(4) and recv({ $n }) happened to return whole parts
lab05-verdict-json = one recv({ $n }) returned { $got_json } B and json.loads failed, as the lesson's client does
lab05-verdict-len = one recv(4) returned { $got4 } B: struct.unpack('i') fails, as the lesson's client does

lab05-s3-title = The fix: read exactly — long outputs arrive intact through the same chaos
lab05-s3-expected = every reply complete, md5 verified, equal to the command's output
lab05-s3-say = recv_exact loops until all 4, then all header_len, then all total_size bytes are in.
lab05-s3-reads = reads for `help`: { $sizes }
lab05-s3-panel = read-exact client through the same ChaosProxy (`help`)
lab05-lane-exact-reads = client reads (recv_exact)
lab05-s3-observed = { $n } replies intact through the chaos proxy, md5 verified
lab05-col-command = command
lab05-col-reads = reads
lab05-col-intact = intact
lab05-md5-ok = ok
lab05-md5-mismatch = MISMATCH
lab05-yes = yes
lab05-no = NO
lab05-cell-error = error: { $error }

lab05-s4-title = Upload and download through a ChaosProxy, md5 verified
lab05-s4-expected = both md5s equal the original's and no temporary file is left
lab05-s4-say =
    A { $size }-byte file goes up (seed 000's { $up } + our md5) and
    comes back down (seed 004's { $down } + md5), through pieces of up to 64 KiB.
    Both sides stream through one 64 KiB buffer into a temporary file in a private folder, check the
    md5, then hard-link it under its name (a link fails if the name is taken; --overwrite renames).
lab05-s4-observed = upload and download of { $size } B: md5 { $md5 } on both ends, { $left } temporary files left
lab05-col-direction = direction
lab05-col-file = file
lab05-col-verified = verified
lab05-col-time = time
lab05-upload = upload
lab05-download = download
lab05-server-agrees = server agrees
lab05-md5-checked = md5 checked
lab05-ms = { $ms } ms

lab05-s5-title = An upload whose md5 disagrees, a short one and a path-traversal one are refused
lab05-s5-expected = each refused with its reason, no file under the final name, no temporary file left, the server still serving
lab05-s5-say =
    Nothing may appear under the final name unless every byte came and the md5 agrees.
    The md5 rides in the same header as the body, so it catches accidents (a cut, a bad disk, a
    bug), not tampering: whoever can change the body can recompute the md5 (and MD5 is broken).
    Against tampering you need a key the attacker lacks: a MAC, or TLS.
lab05-s5-still = after the refusals, the same connection ran `echo still serving` → { $got }
lab05-s5-observed = 3 refused (md5 mismatch, path traversal, cut short), final names absent, { $temps } temporary files, server still serving: { $still }
lab05-attack-md5 = md5 of other content
lab05-attack-traversal = filename ../escape.txt
lab05-attack-short = 1000 of { $n } bytes, then close
lab05-no-error-seen = (no error seen)
lab05-col-attack = attack
lab05-col-server-said = server said
lab05-col-final-name = final name
lab05-col-temp-files = temp files
lab05-present = PRESENT
lab05-absent = absent
lab05-no-reply = (no reply: { $error })

lab05-s6-title = send() may send only part: the lesson's conn.send(big) against sendall
lab05-s6-expected = one send() to a slow reader returns fewer bytes than asked and the rest is never sent; sendall sends every byte
lab05-s6-say =
    Seed 002's server sends each reply with conn.send(stdout_res) and never looks at what send() returns.
    send(2) may take fewer bytes than asked; Python's docs: "Returns the number of bytes sent. Applications
    are responsible for checking that all data has been sent". A server with conn.settimeout(t) has a
    non-blocking socket underneath: CPython waits until it is writable, then makes ONE send(), which takes
    what fits in the buffers now. Here a { $mib } MiB body goes to a reader that takes 8 KiB per ms through
    16 KiB buffers. The fix's socket is blocking with a { $timeout } s write timeout: each send() may wait for room,
    and sendall calls send() again for whatever is left.
lab05-col-server = server
lab05-col-asked = asked
lab05-col-send-calls = send() calls
lab05-col-sent = sent
lab05-col-received = received
lab05-col-lost = lost
lab05-s6-send-failed = a send failed: { $error }
lab05-s6-promised = the client was promised { $size } B by total_size; after the lesson's send it waits for { $lost } B that will never come
lab05-s6-observed = send({ $size }) returned { $sent } ({ $lost } B never sent); sendall: all { $size } B arrived ({ $calls } send() call(s))
lab05-reader-panicked = the reader panicked
lab05-true = true
lab05-false = false

lab05-client-cannot-connect = cannot connect to { $addr }: { $error }
lab05-client-uploaded-verified = uploaded { $name } ({ $bytes } bytes, md5 { $md5 } verified by the server)
lab05-client-uploaded-differs = uploaded { $name } ({ $bytes } bytes) but the server's md5 differs from { $md5 }
lab05-client-uploaded-lesson = uploaded { $name } ({ $bytes } bytes, md5 { $md5 }; the lesson's server does not answer)
lab05-client-cannot-create-dir = cannot create the download folder { $dir }
lab05-client-created-dir = created the download folder { $dir }
lab05-client-downloaded-verified = downloaded { $path } ({ $bytes } bytes, md5 { $md5 } verified)
lab05-client-downloaded-unverified = downloaded { $path } ({ $bytes } bytes, md5 { $md5 }, not verified: the server sent no md5)
lab05-client-md5-ok = md5 ok
lab05-client-md5-mismatch = md5 MISMATCH
lab05-client-timed-out = timed out
lab05-client-truncated = truncated
lab05-client-cannot-read = cannot read { $path }
lab05-client-lost-after = after { $n } of { $size } bytes of { $name } were sent; it was not stored
lab05-client-lost-before = before the server confirmed { $name }
lab05-client-no-reason = no reason given

lab05-server-refused = [{ $peer }] refused: { $error }
lab05-server-stored-verified = [{ $peer }] stored { $name } ({ $bytes } bytes, md5 { $md5 } verified)
lab05-server-stored-unverified = [{ $peer }] stored { $name } ({ $bytes } bytes, md5 { $md5 }, sender gave none)
lab05-server-changed = [{ $peer }] { $name } changed while being sent
lab05-server-sent = [{ $peer }] sent { $name } ({ $size } bytes, md5 { $md5 })
lab05-server-pushed = [{ $peer }] pushed { $name } ({ $size } bytes, md5 { $md5 })
lab05-server-cannot-use-dir = cannot use folder { $dir }: { $error }
lab05-server-push-not-file = --push { $path }: not a file
lab05-server-overwriting = overwriting allowed
lab05-server-no-overwrite = no overwrite
lab05-server-folder = files are stored in and served from { $dir } ({ $overwrite }; wire format: { $compat })
lab05-server-swept = swept { $files } unfinished upload(s) ({ $bytes } bytes) left by a server that did not finish
lab05-server-cannot-sweep = cannot sweep unfinished uploads in { $dir }: { $error }
lab05-budget-header = a connection's request header (up to --max-header { $max } bytes)
lab05-budget-output = the output of '{ $cmd }' (up to --max-output, held twice)

# TransferError: the English text is what goes on the wire.
lab05-error-bad-name = refused file name { $name }: { $why }
lab05-error-exists = { $name } already exists (refusing to overwrite; use --overwrite)
lab05-error-not-found = no file { $name } to send
lab05-error-truncated = file body cut short: { $got } of { $expected } bytes arrived; nothing stored
lab05-error-md5-mismatch = md5 mismatch: header says { $expected }, the { $bytes } bytes received hash to { $got }; nothing stored
lab05-error-too-large = filesize { $len } is over the { $max }-byte file limit
lab05-error-unknown-opt = unknown request "opt": { $opt } (expected cmd, upload or download)
lab05-error-refused = the server refused: { $reason }
lab05-error-idle = no request within the idle timeout: connection closed
lab05-error-changed = { $path } changed while being sent ({ $expected } bytes announced, { $got } read)
lab05-error-storage = cannot store { $name }: { $error }; nothing stored
lab05-error-symlink = { $name } is a symbolic link: only plain files in the folder are served
lab05-error-lost = the connection was lost { $during } ({ $error }); was the other side stopped?
lab05-error-file = { $what }: { $error }
lab05-error-cannot-read = cannot read { $name }
lab05-name-empty = empty
lab05-name-nul = contains a NUL byte
lab05-name-too-long = longer than 255 bytes
lab05-name-reserved = reserved for transfers in progress
lab05-name-absolute = absolute path
lab05-name-traversal = path traversal (..)
lab05-name-separator = contains a path separator
lab05-name-control = contains a control character
lab05-usage-put = put needs a file: `put FILE` uploads FILE into the server's folder (nothing was sent)
lab05-usage-get = get needs a name: `get NAME` downloads NAME from the server's folder into --dir (nothing was sent)

lab05-temp-cannot-create = cannot create a temporary file
lab05-temp-replaced = the temporary file was replaced before it was put in place
lab05-unfinished-upload = upload
lab05-unfinished-download = download
lab05-cannot-watch-interrupt = cannot watch for Ctrl-C ({ $error }): an interrupted transfer may leave a temporary file
lab05-interrupted-none = interrupted: no transfer was in progress
lab05-interrupted-one = interrupted: the unfinished { $what } of { $name } was removed; nothing stored under its name
lab05-interrupted-many = interrupted: { $n } unfinished { $what }s removed ({ $names }); nothing stored under their names

# sticky labs' "lesson" column
lab05-json-header-lesson = JSON header, file transfer
