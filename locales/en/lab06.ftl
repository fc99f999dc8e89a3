# Lab 06 — UDP beside TCP: the binary labs/lab06_udp_vs_tcp.rs and
# src/lessons/lab06_udp_vs_tcp*. One file per lab, so translators never meet.

lab06-about = Lab 06: UDP beside TCP — boundaries, truncation, empty messages, size limits, loss
lab06-examples =
    Examples:
      lab06-udp-vs-tcp demo                           # every claim, checked
      lab06-udp-vs-tcp server                         # terminal 1 (127.0.0.1:8888)
      lab06-udp-vs-tcp client --cmd hello             # terminal 2: HELLO comes back
lab06-udp-vs-tcp-cmd-demo-about = The same sends over TCP and UDP, side by side, each claim checked.
lab06-udp-vs-tcp-cmd-demo-examples =
    Examples:
      lab06-udp-vs-tcp demo
      lab06-udp-vs-tcp demo --step                  # pause between stages (in class)
      lab06-udp-vs-tcp demo --seed 11 --svg udp.svg # other chaos decisions, and a picture
      lab06-udp-vs-tcp demo --json > report.json    # the story on stderr, the report on stdout
      lab06-udp-vs-tcp demo --loss-rcvbuf 65536     # a bigger receive buffer loses fewer
      lab06-udp-vs-tcp demo --lang zh               # the same demo in Chinese
lab06-udp-vs-tcp-cmd-server-about = The lessons' ThreadingUDPServer: recvfrom(1024), sendto(data.upper()).
lab06-udp-vs-tcp-cmd-server-examples =
    Examples:
      lab06-udp-vs-tcp server                         # 127.0.0.1:8888, like seed 002 §3.2
      lab06-udp-vs-tcp server --addr 127.0.0.1:0      # any free port (printed on stderr)
      python3 python/lesson/lab06_udp_client.py 8888 hello world   # the lesson's own client
lab06-udp-vs-tcp-cmd-client-about = Send each line as one datagram and print the upper-cased reply.
lab06-udp-vs-tcp-cmd-client-examples =
    Examples:
      lab06-udp-vs-tcp client                         # >>>: prompt, q to quit
      lab06-udp-vs-tcp client --cmd hello --cmd world
      lab06-udp-vs-tcp client --bufsize 2 --cmd hello # the reply is cut to 'HE'; the rest is gone
      echo hi | lab06-udp-vs-tcp client --addr 127.0.0.1:8888

lab06-title = UDP beside TCP: boundaries, truncation, empty messages, size limits, loss
# Joins a list of quoted messages: 'hello' and 'world'.
lab06-and = and
# An empty list of sequence numbers.
lab06-none = none
lab06-unknown = (unknown)

lab06-s1-title = Boundaries — two quick sends, one busy receiver
lab06-s1-expected = TCP: one read 'helloworld'; UDP: two datagrams 'hello', 'world'
lab06-s1-setup =
    The sender sends "hello" then "world" at once; the receiver is busy for 100 ms,
    then reads with a 1024-byte buffer (TCP: recv(1024), UDP: recvfrom(1024)).
lab06-s1-why =
    TCP is a byte stream: both sends sat in one receive buffer and came out as one read.
    UDP keeps each sendto() a separate datagram: one recvfrom() returns exactly one.
lab06-s1-panel = 1. boundaries: hello + world
lab06-s1-col-read = read
lab06-s1-lane-sends = send() ×2
lab06-s1-observed = TCP got { $tcp_n } read(s): { $tcp }; UDP got { $udp_n } datagram(s): { $udp }

lab06-s2-title = Truncation — recvfrom(2), as in seed 002
lab06-s2-expected = UDP: 'he' and 'wo', each from a 5-byte datagram, rest discarded; TCP: 2-byte reads, nothing lost; recvfrom(65535): 'hello', 'world'
lab06-s2-setup = The same "hello" and "world", read through a 2-byte buffer on each protocol.
lab06-s2-why =
    UDP: each recvfrom() takes one whole datagram off the queue; what does not fit is
    thrown away (Linux reports the true length with MSG_TRUNC). Seed 002's comments
    `# b"hello"` are wrong: recvfrom(2) returns b'he'. TCP keeps the rest for the next recv().
lab06-s2-fix = The fix (recvfrom_whole): recvfrom({ $n }), as long as any datagram can be: { $kept }, nothing cut.
lab06-s2-panel = 2. truncation: recv(2) on 'helloworld'
lab06-s2-wire =
    On the wire (the capture): { $n } datagram(s) of { $lengths } reached the receiver; recvfrom(2)
    returned { $returned }. { $conclusion }
lab06-s2-wire-agrees = ✓ The cut-off bytes were on the wire: the receiving kernel discarded them.
lab06-s2-wire-missed = ✗ The capture does not hold every datagram whole (a busy machine?): no conclusion.
lab06-s2-wire-none = On the wire: { $why }
lab06-s2-cut = { $kept } — datagram was { $wire } B (MSG_TRUNC), { $lost } lost for good
lab06-s2-gone = (nothing left: the rest is gone)
lab06-s2-lane-sent = sent
lab06-s2-lane-kept = UDP recvfrom(2) kept
lab06-s2-observed = UDP kept { $kept } of datagrams of { $wire } B, { $left } datagram(s) left queued; TCP read { $tcp_bytes } B in { $tcp_reads } reads; recvfrom({ $n }) kept { $whole }

lab06-s3-title = Empty messages — 0 bytes is a message on UDP, and 'closed' on TCP
lab06-s3-expected = UDP delivers a 0-byte datagram; TCP sends nothing, recv()==0 means closed, `continue` spins
lab06-s3-why =
    On TCP an empty recv() can only mean end of stream, so the lessons' servers say
    `if not cmd: break`. Seed 003's server says `continue` instead: once the client has
    gone, recv() returns b'' at once, forever, and the loop burns a CPU core.
    On UDP there is no connection to close: an empty datagram is just a message.
lab06-s3-row-send = send 0 bytes
lab06-s3-tcp-send = send(b'') returned { $n }: nothing goes on the wire
lab06-s3-udp-send = sendto(b'') sends a datagram with no payload
lab06-s3-row-gets = receiver gets
lab06-s3-tcp-arrived = something arrived (unexpected)
lab06-s3-tcp-nothing = nothing (recv still waiting after 100 ms)
lab06-s3-udp-gets = a { $n }-byte message from { $from }
lab06-s3-row-zero = recv() returns 0 means
lab06-s3-tcp-zero = the peer closed (got { $n } B after close)
lab06-s3-udp-zero = someone sent an empty datagram
lab06-s3-row-continue = `if not cmd: continue` after close
lab06-s3-spins = { $n } empty recv() calls in { $ms } ms: spins
lab06-s3-row-break = `if not cmd: break` after close
lab06-s3-ends = { $n } recv() call, loop ends
lab06-s3-observed = UDP delivered { $len } B (wire { $wire }); TCP send returned { $sent }, arrived: { $arrived }, after close recv → { $after } B; `continue` loop made { $spins } empty recvs in { $ms } ms, `break` loop { $breaks }

lab06-s4-title = Size limit — how big can one datagram be?
lab06-s4-expected = this system's largest IPv4 datagram (65507 B on Linux and Windows, 9216 B by default on macOS) arrives whole, one byte more fails with EMSGSIZE, TCP takes 1 MiB in one call
lab06-s4-why =
    An IPv4 packet's total length is a 16-bit field: 65535 − 20 (IP header) − 8 (UDP
    header) = 65507. Loopback's MTU here is { $mtu } bytes, so that datagram travels as one packet;
    on Ethernet (MTU 1500) IP cuts it into 45 fragments, and losing any one fragment loses
    the whole datagram. Seed 002's "UDP reliably carries 512 bytes" comes from RFC 791:
    every IPv4 host must accept a 576-byte datagram, "a data block of 512 octets plus 64
    header octets" — whole or in fragments to reassemble. It is no promise of delivery, nor
    of travelling unfragmented (a link's MTU may be as small as 68): stage 5 drops 64-byte ones.
    This system's limit, found by bisection on real sendto() calls:
    { $limit }.
    Each system's own limit, and where it comes from:
lab06-s4-col-send = send
lab06-s4-in-one-call = { $n } B in one call (127.0.0.1)
lab06-s4-stream = ok (a stream has no message size)
lab06-s4-udp-received = ok: one { $n } B datagram received
lab06-s4-over-sent = sent { $n } B (unexpected)
lab06-s4-row-v4 = largest payload, IPv4 (measured)
lab06-s4-row-v6 = largest payload, IPv6 ::1 (measured)
lab06-s4-no-limit = no limit
lab06-s4-v6 = { $n } B (65535 − 8; IPv6's 40-byte header is not counted)
lab06-s4-v6-skipped = skipped: { $why }
lab06-s4-sendall = { $n } B in one sendall()
lab06-s4-tcp-received = ok: { $n } B received
lab06-s4-impossible = impossible: EMSGSIZE
lab06-s4-col-system = system
lab06-s4-col-default = default limit
lab06-s4-col-measured = measured here
lab06-s4-col-why = why
lab06-s4-documented = { $os }'s documented default
lab06-s4-changed = not { $os }'s documented default of { $default } B: its limit has been changed here
lab06-s4-undocumented = no documented default for this system
lab06-s4-at-ceiling = { $n } B = 65535 − 20 − 8, IPv4's ceiling ({ $documented })
lab06-s4-below-ceiling = { $n } B, { $below } B below IPv4's ceiling of { $ceiling } ({ $documented })
lab06-s4-accepted = accepted
lab06-s4-v6-skipped-short = skipped ({ $why })
lab06-s4-observed = IPv4 limit { $limit } B ({ $limit } delivered as { $received } B); { $over } → { $error }; IPv6 on ::1: { $v6 }; TCP { $tcp_received } of { $tcp_sent } B
lab06-os-linux-why = IPv4's 16-bit total length (RFC 791) − 20 B IP − 8 B UDP header (RFC 768); one byte more: EMSGSIZE
lab06-os-macos-why = sysctl net.inet.udp.maxdgram is each UDP socket's send buffer, and a larger datagram gets EMSGSIZE (xnu udp_usrreq.c); SO_SNDBUF raises it
lab06-os-windows-why = IPv4's ceiling; one byte more: WSAEMSGSIZE (10040); getsockopt(SO_MAX_MSG_SIZE) reports the limit
lab06-v6-unavailable = ::1 is unavailable here ({ $error })

lab06-s5-title = Loss — a blast of numbered datagrams at a small, busy receiver
lab06-s5-expected = UDP loses some datagrams (received + lost = sent, by sequence number); TCP loses none and the sender waits
lab06-s5-setup =
    { $count } datagrams of { $payload } B, numbered 0..{ $last }, sent as fast as possible to a receiver with
    SO_RCVBUF={ $rcvbuf } that is busy until the sender is done; then it reads everything queued.
    The same records go over TCP to a reader that sleeps { $pause } ms. Run { $runs } times.
lab06-s5-no-run = no loss run was made
lab06-s5-one-run = one run only: --loss-runs 3 checks whether the count repeats
lab06-s5-same = all { $runs } runs lost exactly the same sequence numbers: reproducible for this buffer size
lab06-s5-differ = the runs differ (lost { $counts }): the kernel's timing on a shared machine decides how many fit; the pattern (a head received, the tail lost) is what repeats
lab06-s5-rcvbuf =
    The kernel reports SO_RCVBUF={ $rcvbuf } (Linux doubles the request for bookkeeping); each queued
    datagram is charged its whole buffer, not just its 64 bytes, so few fit. Every sendto()
    succeeded; the receiver's kernel dropped the rest without telling the sender.
lab06-s5-counted =
    But it counts them: Udp RcvbufErrors (/proc/net/snmp, what `nstat` and `netstat -su`
    show) rose by { $n } during the { $runs } run(s), which lost { $lost } in all (machine-wide: other
    programs' drops add in, so read it as "at least").
lab06-s5-uncounted = The kernel's drop counter (Linux: Udp RcvbufErrors) cannot be read here.
lab06-s5-tcp-waited =
    TCP lost nothing: when the buffers filled, flow control made the sender wait for the reader
    (its sendall() took { $ms } ms while the reader slept { $pause } ms).
lab06-s5-tcp-fitted =
    TCP lost nothing. All { $bytes } B fitted in these TCP buffers, so the sender never had to wait
    ({ $ms } ms); with less room, flow control would have blocked it instead of dropping.
lab06-s5-panel = 3. loss (stage 5), UDP run 1 vs TCP (x axis: sequence numbers, one unit = one datagram)
lab06-s5-col-run = run
lab06-s5-col-udp-sent = UDP sent
lab06-s5-col-udp-received = UDP received (seq #)
lab06-s5-col-udp-lost = UDP lost (seq #)
lab06-s5-col-tcp-received = TCP received
lab06-s5-col-tcp-lost = TCP lost
lab06-s5-col-tcp-waited = TCP sender waited
lab06-s5-in-order = { $n } in order
lab06-s5-identical = identical runs
lab06-s5-runs-differ = runs differ
lab06-s5-observed = UDP lost { $lost } of { $count } per run ({ $repeat }); TCP lost { $tcp_lost }, its sender waited { $waited } ms for a { $pause } ms pause
lab06-lane-sent-seq = sent (seq #)
lab06-lane-udp-received = UDP received
lab06-lane-udp-lost = UDP lost
lab06-lane-tcp-received = TCP received
lab06-unit-seq = datagrams, by sequence number

lab06-s6-title = Reordering and duplication — through `sticky proxy --udp`
lab06-s6-expected = sequence numbers show exactly the proxy's drops and duplicates, and its reorders
lab06-s6-setup =
    Loopback never reorders or duplicates, so { $n } numbered datagrams go through a real UDP
    hop, the UDP chaos proxy (seed { $seed }: drop { $drop }%, duplicate { $duplicate }%, reorder { $reorder }%).
lab06-s6-arrival = arrival order: { $order }
lab06-s6-held =
    held but never overtaken: { $seqs } (nothing after it got through before the proxy let it go,
    so it arrived late but still in order: a sequence number cannot see lateness alone).
lab06-s6-why =
    TCP would hide all three: it numbers every byte, resends what is lost, drops copies and
    puts bytes back in order. On UDP the application must number its messages to notice.
lab06-s6-panel = 4. chaos proxy (stage 6), seed { $seed } (x axis: sequence numbers, one unit = one datagram)
lab06-s6-col-effect = effect
lab06-s6-col-decided = proxy decided (seq #)
lab06-s6-col-shown = receiver's seq # show
lab06-s6-dropped = dropped
lab06-s6-duplicated = duplicated
lab06-s6-reordered = reordered
lab06-s6-seq = seq { $seqs }
lab06-s6-missing = missing: { $seqs }
lab06-s6-twice = twice: { $seqs }
lab06-s6-late = after a higher #: { $seqs }
lab06-s6-observed = missing { $lost } (proxy dropped { $dropped }), twice { $twice } (proxy duplicated { $duplicated }), late { $late } (proxy held { $held })

lab06-error-too-big = a { $len }-byte datagram is too big for UDP here (EMSGSIZE: "{ $error }"); { $family } carries at most { $limit } bytes, and the operating system may allow less (macOS: 9216 by default)
lab06-error-no-reply = no reply from { $to } within { $waited } (UDP cannot say whether the request, the reply or the server is missing)
lab06-error-sender-panicked = TCP sender panicked
lab06-error-rate = '{ $value }' is not a rate: give replies per second, at least 1
lab06-error-bind = cannot bind UDP { $addr }: { $error }
lab06-error-socket = cannot open a UDP socket: { $error }
lab06-error-server = UDP server on { $addr }: { $error }
lab06-note-reachable = note: listening on { $addr }, which other machines may reach
lab06-client-truncated = note: reply truncated: { $wire } B on the wire, { $kept } B fit in --bufsize { $bufsize }, { $discarded } B discarded

lab06-echo-datagram = { $len } B from { $from }: { $preview }
lab06-echo-empty = (an empty datagram: a real 0-byte message)
lab06-echo-truncated = (TRUNCATED: { $wire } B on the wire, { $kept } B kept, { $discarded } B discarded by the kernel)
lab06-echo-not-utf8 = (not UTF-8: answered byte for byte)
lab06-echo-held = ({ $n } more lines not shown in the last second)
lab06-echo-recv-error = recvfrom: { $error } (ignored, still serving)
lab06-echo-from-itself = { $datagram } (from this server's own address: not answered)
lab06-echo-over-rate = { $datagram } (over { $peer }'s reply rate: not answered)
lab06-echo-no-thread = cannot start a reply thread: { $error }

# sticky labs' "lesson" column
lab06-udp-vs-tcp-lesson = UDP keeps boundaries, loses data
