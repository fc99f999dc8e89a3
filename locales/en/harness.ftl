# The shared harness: demo headings, verdicts, --step pauses, shared flags.
# Placeholders are { $name }; each lab's strings live in their own file.

harness-stage-heading = Stage { $n }:
harness-step-pause = [Enter] stage { $n }: { $title } — q to stop…
harness-not-seen = { $observed } — expected: { $expected }
harness-verdict-label = VERDICT:
harness-verdict-all = all { $n } stages showed the lesson's behaviour
harness-verdict-stopped = stopped by the user after { $n } stage(s); run again without q to see them all
harness-verdict-none = no stage ran
harness-verdict-failed-stage = stage { $n } ({ $title }): { $observed }
harness-verdict-not-reproduced = not reproduced — { $stages }
harness-separator = {"; "}
harness-setup-title = setup
harness-setup-expected = the demo's servers and sockets start
harness-setup-failed = the demo could not start: { $error }
harness-stage-failed = the stage could not run: { $error }
harness-unchecked-expected = a result
harness-unchecked-observed = the stage ended without a check
harness-note-label = note:
harness-capture-needs-root = capturing packets needs root or CAP_NET_RAW (try sudo)
harness-capture-off = no capture written to { $path }: { $why }; the demo runs without it
harness-capture-not-run-failed = not run: this demo could not capture packets
harness-capture-not-run-no-pcap = not run: no --pcap FILE (run as root to capture)
harness-timeline-written = timeline written to { $path }
harness-cannot-write = could not write { $path }: { $error }
harness-packets-captured = { $n } packets captured to { $path }{ $dropped } (open it in Wireshark, or: tshark -r { $path })
harness-packets-dropped = , { $n } more did not fit in memory
harness-capture-lost = capture lost { $n } of { $m } packets: the kernel dropped them while the capture fell behind (a busy machine), so the file may have holes and the cross-check is not run
harness-json-failed = could not write the JSON report: { $error }

flags-error-label = error:
flags-not-an-address = '{ $value }' is not an address: { $error }
flags-no-address = '{ $value }' resolved to no address
flags-not-seconds = '{ $value }' is not a number of seconds
flags-seconds-range = '{ $value }' seconds is out of range: give a number above 0 and at most 86400 (a day)
flags-count-too-few = '{ $value }' is too few: give at least 1
flags-not-whole = '{ $value }' is not a whole number
flags-not-a-size = '{ $value }' is not a size: give bytes, or a number with K, M or G
flags-size-too-small = '{ $value }' is too small: give at least 1 byte
flags-size-too-large = '{ $value }' is too large
flags-compat-ours = our framed format (requests framed too)
flags-compat-lesson = the lesson's own format (--compat lesson)
flags-cannot-listen = cannot listen on { $addr }: { $error }
flags-cannot-connect = cannot connect to { $addr }: { $error }
flags-listening = { $lab } server listening on { $addr }

# The command server and client of labs 03 and 04 (harness/command.rs).
harness-cannot-read-addr = cannot read the listening address: { $error }
harness-socket-error = socket: { $error }
harness-reply-error = { $cmd }: { $error }
harness-closed-without-reply = { $cmd }: { $error }: the server closed the connection without a reply — its log says why (often a different --compat or --byte-order, or another lab's server)
harness-empty-reply = (empty reply)
harness-own-reply-too-large = the reply to '{ $cmd }' is { $len } bytes, over this server's own --max-frame { $max }: the client was sent an error reply instead
harness-no-reply = no reply within { $wait } ({ $got } bytes of it so far; raise --reply-timeout for a slow command)
harness-no-seed-cues = no seed cues this stage

# The wrong pairings recognised from the bytes (harness/wrong_format.rs).
# A server's reply to its peer stays in English: the lessons' clients
# decode replies as GBK, and UTF-8 Chinese would stop them.
harness-wrong-what-header = header
harness-wrong-what-length = length
harness-wrong-expected-header = a 4-byte header
harness-wrong-expected-length = a length
harness-wrong-expected-bare = a bare command
harness-wrong-text-server = the { $what } bytes look like text '{ $text }' — is the client speaking the lesson's format? start the server with --compat lesson
harness-wrong-text-client = the reply starts with text '{ $text }' where { $expected } should be — is this lab's server at that address? (lab 01's server sends bare output, lab 03's its length as digits)
harness-wrong-binary-server = the request starts with a 4-byte binary header ({ $hex } = { $len } bytes to follow) where { $expected } should be — is it lab 04's client, or one framed with --compat ours? start the client with --compat lesson, or the server without it, or use this lab's client
harness-wrong-binary-client = the reply starts with a 4-byte binary header ({ $hex } = { $len } bytes to follow) where { $expected } should be — is that lab 04's server?
harness-wrong-newline-server = the request looks like our framed format (length text '{ $digits }\n', then the command) — is the client speaking our format? start the client with --compat lesson, or the server without it
harness-wrong-newline-client = the reply's length '{ $digits }\n' ends with a newline, as our format's does — is the server running without --compat lesson? start the client without it too
harness-wrong-no-newline = the length '{ $digits }' came with no newline after its digits — is the server speaking the lesson's format? start the client with --compat lesson
harness-wrong-byte-order = the header { $hex } says { $read } bytes here, but { $swapped } read { $order }-endian — is the other side using --byte-order { $order }?
harness-wrong-json = the reply is a JSON header ({ $json }), as lab 05's server sends — is that address lab 05's server? this client speaks lab 04's 4-byte header + output
