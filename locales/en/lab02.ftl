# Lab 02 — Nagle's algorithm and the 40 ms stall: the binary labs/lab02_nagle.rs
# and src/lessons/lab02_nagle*. One file per lab, so translators never meet.

lab02-about = Lab 02: Nagle's algorithm merges small writes and stalls write-write-read; the kernel's counters prove it
lab02-examples =
    Examples:
      lab02-nagle demo                                   # the whole story over loopback
      lab02-nagle server                                 # terminal 1 (127.0.0.1:9502)
      lab02-nagle client --nodelay off --writes 100      # terminal 2: count the segments
      lab02-nagle client --pattern stall --rounds 20     # the 40 ms stall
      sudo scripts/two-hosts.sh up                       # a real 1500-byte link (see the lab sheet)
lab02-nagle-cmd-demo-about = Both sides in one process over loopback: coalescing, the stall, the slow reader.
lab02-nagle-cmd-demo-examples =
    Examples:
      lab02-nagle demo
      lab02-nagle demo --color never --svg nagle.svg     # also writes nagle-stall.svg
      lab02-nagle demo --json > report.json              # the story goes to stderr
      lab02-nagle demo --writes 200 --size 5 --rounds 10
      lab02-nagle demo --lang zh                         # the same demo in Chinese

    Watch the segments yourself while the demo runs (another terminal, as root):
      tcpdump -i lo -n 'tcp and greater 60'
lab02-nagle-cmd-server-about = Receive bursts (and answer stall rounds), printing what each recv() got.
lab02-nagle-cmd-server-examples =
    Examples:
      # terminal 1
      lab02-nagle server
      # terminal 2: Nagle on (the default), then off
      lab02-nagle client --nodelay off --writes 100 --size 10
      lab02-nagle client --nodelay on  --writes 100 --size 10

      # a slow reader merges everything, whatever the sender did
      lab02-nagle server --read-delay-ms 200

      # across a real 1500-byte link (as root): see scripts/two-hosts.sh
      ip netns exec sticky-a lab02-nagle server --addr 10.77.2.1:9502
lab02-nagle-cmd-client-about = Send small writes (or write-write-read rounds) and print the kernel's counters.
lab02-nagle-cmd-client-examples =
    Examples:
      lab02-nagle client --nodelay off --writes 100 --size 10
      lab02-nagle client --nodelay on  --writes 100 --size 10 --gap-us 200
      lab02-nagle client --pattern stall --nodelay off --rounds 20
      lab02-nagle client --pattern stall --nodelay off --message-writes one
      lab02-nagle client --json --writes 20 --size 10000    # machine-readable

lab02-title = Nagle's algorithm: merged small writes and the 40 ms stall
lab02-error-demo-counts = --writes, --size and --rounds must be at least 1

## The senders and runs, as tables, panels and pictures name them.
lab02-sender-nagle = Nagle on (default)
lab02-sender-nodelay = TCP_NODELAY
lab02-sender-spaced = TCP_NODELAY, writes 200 µs apart
lab02-sender-quick = Nagle on, silent receiver
lab02-sender-nodelay-nagle-off = TCP_NODELAY (Nagle off)
lab02-nagle-on = Nagle on
lab02-run-split = Nagle on, 2 writes
lab02-run-nodelay = TCP_NODELAY, 2 writes
lab02-run-one = Nagle on, 1 write
lab02-writes-split = header and body in 2 writes
lab02-writes-one = whole message in 1 write
lab02-sender-and-writes = { $sender }, { $writes }

## Table headers and rows.
lab02-col-sender = sender
lab02-col-writes = writes
lab02-col-bytes = bytes
lab02-col-write-loop = write loop
lab02-col-data-segments = data segments (kernel)
lab02-col-recv-calls = recv calls
lab02-col-recv-sizes = recv sizes
lab02-col-segments-sent = segments sent
lab02-col-segments-received = segments received
lab02-col-segments-per-write = segments per write
lab02-col-silent-late = silent receiver, reads after { $ms } ms
lab02-col-value = value
lab02-row-median = median round trip
lab02-row-worst = worst round trip
lab02-row-all-n = all { $n } messages
lab02-row-all = all messages
lab02-row-messages = messages
lab02-row-segments-sent = data segments sent
lab02-row-ato = receiver's ACK timer (tcpi_ato)
lab02-row-gap = gap between writes
lab02-row-data-segs-out = data segments sent (tcpi_data_segs_out)
lab02-row-mss = sender's MSS (tcpi_snd_mss)
lab02-row-data-segs-in = data segments received (tcpi_data_segs_in)
lab02-row-server-recv-calls = server recv() calls
lab02-client-note = note: { $note }; the server's recv() calls are the evidence instead
lab02-write-calls = { $n } write() call(s): { $sizes }

## Pictures.
lab02-lane-client-write = client write()
lab02-lane-server-recv = server recv()
lab02-panel-burst = { $name }: { $writes } write()s of { $size } B → { $segments } data segments → { $calls } recv() calls
lab02-panel-slow = Slow reader: TCP_NODELAY, { $segments } segments sent, { $calls } recv() call(s)
lab02-timeline-title = { $lab } — { $n } write-write-read round trips on one time axis
lab02-timeline-subtitle = each box is one message: header + body sent, 2-byte reply received
lab02-timeline-lane = { $name }: median { $median }

## Stage 1: coalescing.
lab02-s1-title = Coalescing: many small writes, Nagle on vs TCP_NODELAY
lab02-s1-expected = Nagle on sends fewer segments than writes, and fewer than TCP_NODELAY
lab02-s1-expected-no-tcp-info = with Nagle on the receiver needs fewer recv() calls
lab02-s1-intro =
    { $writes } writes of { $size } bytes: the sender calls write() in a tight loop. Linux's
    TCP_INFO counts the data segments the kernel really sent (tcpi_data_segs_out); the
    receiver counts its recv() calls.
lab02-autocorking-on = 1 (autocorking on)
lab02-autocorking-off = 0 (autocorking off)
lab02-autocorking-unreadable = not readable on this system
lab02-median-of-3 = (each row is the median of 3 trials; the data segments column comes from the kernel)
lab02-s1-observed = Nagle on: { $on } segments for { $writes } writes; TCP_NODELAY: { $off } segments (kernel TCP_INFO)
lab02-s1-observed-no-tcp-info = no TCP_INFO here — receiver's evidence: Nagle on needed { $on } recv() calls, TCP_NODELAY { $off }
lab02-s1-why =
    Nagle: a small segment may not leave while an earlier one is still unacknowledged, so the
    writes made meanwhile queue up and leave together when the ACK comes back (or, at the
    latest, with the FIN when the sender closes). So the count depends on how soon ACKs come
    back: our receiver has just answered the hello, so it delays its ACKs and everything
    after the first write waits. A receiver that has not replied yet (last row) ACKs at once,
    but only 16 times (Linux's quick-ACK budget, stage 4), and each of its reads may send an
    ACK of its own: about 17 segments when its reads come late, up to one segment per write
    when they keep up, so that row moves from run to run.
    TCP_NODELAY may still merge some on Linux: autocorking holds a small write while the
    previous packet is still in the device queue and sends them as one (how many it merges
    depends on timing, so that number moves from run to run). Spaced writes (third row) find
    the queue empty, so each leaves alone. The receiver, reading while segments keep
    arriving, may also take two or more in one recv(): see stage 3.
lab02-s1-wire-intro = On the wire (the capture, each sender's median trial, the hello left out):
lab02-s1-wire = { $mark } { $name }: the capture holds { $n } data segments{ $sizes }; TCP_INFO counted { $counted }
lab02-s1-wire-sizes = (sizes { $sizes } B)

## Stage 2: the stall.
lab02-s2-title = The stall: write(header), write(body), wait for the reply
lab02-s2-expected = Nagle-on median round trip at least 10× the TCP_NODELAY and one-write medians
lab02-s2-intro =
    { $rounds } messages, each a 4-byte header (struct.pack('i', 16)) and a 16-byte body, each
    waiting for a 2-byte reply. Three ways to send them:
lab02-s2-sends = lesson_send (the lesson's code): { $lesson }; send_whole (the fix): { $fix }.
lab02-s2-why =
    Why 40 ms: the receiver delays its ACK (Linux: at least 40 ms, the tcpi_ato above) hoping
    to piggyback it on a reply. It cannot reply before the body arrives — and Nagle will not
    send the small body while the header is unacknowledged. Each waits for the other until
    the delayed-ACK timer fires. TCP_NODELAY sends the body anyway; one write per message
    leaves no small piece behind an unacknowledged one in this request/reply exchange, so it
    is fast with Nagle still on. The fix is both: build the whole message and write it once
    (fewer packets, no stall here), and set TCP_NODELAY where latency matters — a one-way
    stream of small messages can still wait for an ACK (the sheet shows when).
lab02-s2-kernel =
    The kernel's own count (/proc/net/netstat, what `nstat` shows): each firing of the
    delayed-ACK timer adds 1 to TcpExtDelayedACKs. The counters are machine-wide, so
    other programs' delayed ACKs add in: read them as "at least".
lab02-dack-unreadable = { $name }: the kernel's counters cannot be read here
lab02-dack-line = { $name }: TcpExtDelayedACKs +{ $n } ({ $extra }); { $stalls } of { $rounds } round trips took ≥ { $ms } ms
lab02-s2-wire-agrees = ✓ each run's data segments in the capture = TCP_INFO's count
lab02-s2-wire-differs = ✗ the capture's data segments differ from TCP_INFO's count (packets missed?)
lab02-s2-wire =
    On the wire (the capture): { $counted }. With Nagle on and 2 writes, { $slow } of { $n } data
    segments waited ≥ { $ms } ms for their ACK, median { $median }. Longest ACK wait with TCP_NODELAY:
    { $nodelay }; with one write: { $one }.
lab02-s2-wire-none = On the wire: { $why }
lab02-s2-svg-written = stall timeline written to { $path }
lab02-s2-svg-failed = could not write { $path }: { $error }
lab02-s2-observed = median { $split } with Nagle on and 2 writes vs { $nodelay } (TCP_NODELAY) and { $one } (one write): { $ratio }×

## Stage 3: a slow reader.
lab02-s3-title = Receiver-side merging is a different thing: a slow reader
lab02-s3-expected = fewer recv() calls than segments sent, even with TCP_NODELAY
lab02-s3-intro = Same { $writes } writes with TCP_NODELAY on, but the receiver sleeps 200 ms before its first recv().
lab02-s3-why =
    The segments arrived separately and waited in the receiver's socket buffer; one
    recv() took everything there was. No sender option prevents this: only framing does.
lab02-s3-observed = { $sent } segments sent, { $received } received, then { $calls } recv() call(s) took all { $bytes } bytes
lab02-s3-observed-no-tcp-info = { $calls } recv() call(s) for { $writes } writes (no TCP_INFO here)

## Stage 4: the quick-ACK budget.
lab02-s4-title = The quick-ACK budget: a silent receiver, 4× the writes, not 4× the segments
lab02-s4-expected = fewer segments than writes, and 4× the writes give fewer than 2× the segments
lab02-s4-expected-elsewhere = every byte of both bursts delivered
lab02-s4-intro =
    Nagle on, { $writes } and then { $writes4 } writes of { $size } bytes to a receiver that has sent nothing
    (no `go`) and reads only after { $ms } ms, so its program's reads send no ACKs meanwhile.
lab02-s4-why =
    (each row is the median of 3 trials; the data segments column comes from the kernel)
    A connection's first data puts the receiver in quick-ACK mode, but Linux grants at most
    { $max } quick ACKs (TCP_MAX_QUICKACKS; tcp_incr_quickack in net/ipv4/tcp_input.c; each ACK sent
    spends one, tcp_dec_quickack_mode). One went to the hello; each of the others releases
    the one segment Nagle holds back; after that the receiver delays its ACKs (40 ms or more)
    and the rest of the writes leave together with the FIN. So the count is about 1 + { $others } + 1,
    whatever the number of writes: a budget, not one segment per write. (Nothing here sets
    the TCP_QUICKACK socket option, which tcp(7) says is not permanent either.)
lab02-s4-observed = { $a } writes: { $sa } segments; { $b } writes: { $sb } segments (kernel TCP_INFO)
lab02-s4-observed-elsewhere = { $sa } and { $sb } segments (where counted), every byte delivered; the 16-ACK budget is Linux's, not checked here

## Stage 5: the verdict.
lab02-s5-title = Verdict
lab02-s5-expected = both the coalescing and the stall observed
lab02-evidence-kernel = kernel counters (TCP_INFO tcpi_data_segs_out) for the segments
lab02-evidence-recv = the receiver's recv() calls (this platform has no TCP_INFO counters)
lab02-s5-evidence = Evidence: { $source }, and wall-clock round trips for the stall.
lab02-s5-observed = coalescing { $coalescing }, stall { $stall }
lab02-seen = seen
lab02-not-seen = NOT seen

## The server and client commands.
lab02-error-bufsize = --bufsize must be at least 1
lab02-error-listen = cannot listen on { $addr }: { $error }
lab02-error-server-stopped = server stopped: { $error }
lab02-error-writes-size = --writes and --size must be at least 1
lab02-error-burst-too-big = --writes × --size is over 1 GiB; pick a smaller burst
lab02-error-burst-failed = burst to { $addr } failed: { $error }
lab02-error-rounds = --rounds must be at least 1
lab02-error-stall-failed = stall rounds with { $addr } failed: { $error }
lab02-log-burst = burst: { $bytes } bytes in { $calls } recv() calls (kernel: { $segments } data segments in); sizes: { $sizes }
lab02-log-stall = stall: answered { $rounds } messages; delayed-ACK timer (tcpi_ato) { $ato }

## Errors of a lab 02 conversation.
lab02-error-bad-hello = unknown hello { $got }: expected "burst\n" or "stall\n"
lab02-error-unexpected = expected { $expected } from the server, got { $got }
lab02-error-bad-summary = the server's summary is not valid: { $error }
lab02-error-short-tcp-info = TCP_INFO returned { $got } bytes, too few to hold tcpi_data_segs_out (needs { $need })
lab02-error-hello-unacked = the hello was never acknowledged
lab02-error-server-never-finished = the server never finished
lab02-error-no-tcp-info = TCP_INFO (Linux) and TCP_CONNECTION_INFO (macOS) are not available on this platform

# sticky labs' "lesson" column
lab02-nagle-lesson = Nagle glues small sends
