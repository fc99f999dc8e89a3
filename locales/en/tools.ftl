# The tools of the `sticky` binary: labs (the preflight), proxy, bench, load, completions,
# and check's --help (its body is in its own file).

sticky-about = sticky-lab tools: the chaos proxy and friends
sticky-examples =
    Examples:
      sticky proxy --listen 127.0.0.1:9600 --to 127.0.0.1:9527 --seed 7
      sticky bench --sizes 16,1048576
      sticky load --clients 64 --messages 10000
      sticky labs
      sticky check lab04 --client 'python3 my_client.py {"{"}host{"}"} {"{"}port{"}"}'

sticky-cmd-labs-about = Instructor preflight: run every lab's demo and show which lessons reproduce here.
sticky-cmd-labs-examples =
    Examples:
      sticky labs
      sticky labs --timeout 30 --only lab01-naive-recv,lab07-concurrency
      sticky labs --json > preflight.json
      sticky labs --lang zh                # the table and every demo in Chinese
labs-running = running { $lab } demo…
labs-col-lab = lab
labs-col-lesson = lesson
labs-col-result = result
labs-col-time = time
labs-col-verdict = verdict / why not
labs-seconds = { $seconds } s
labs-summary = { $ok } of { $n } lessons reproduce on this machine
labs-status-reproduced = reproduced
labs-status-failed = failed (exit { $code })
labs-status-not-found = not found
labs-status-cannot-start = cannot start
labs-status-timed-out = timed out ({ $seconds } s)
labs-no-binary = no binary at { $path } (build it: cargo build --release)
labs-no-verdict = no verdict before the time limit
labs-unknown-only = --only { $name }: no lab has that name; the labs are { $labs }
labs-no-dir = cannot tell where the lab binaries are: pass --dir

# The machine check before the demos: default ports and Python.
machine-port = { $proto } port { $port } ({ $lab })
machine-port-free = free
machine-port-taken = taken ({ $error }): `{ $lab } server` will not start without --addr; who holds it: { $who }
machine-python = python
machine-python-found = Python { $version } ({ $name })
machine-python-missing = no python3, python or py runs Python 3 here: the lessons' own programs (python/lesson/) need one (python.org, or apt install python3)
machine-col-check = this machine
machine-col-ready = ready
machine-col-found = found
machine-yes = yes
machine-no = NO
machine-all-ready = every default port is free and Python 3 runs
machine-not-ready = { $n } machine check(s) not ready (the demos below do not need them)
machine-either = { $a } or { $b }

# sticky proxy: --help, the startup lines, the pieces each direction was cut into.
sticky-cmd-proxy-about = Re-chunk a TCP stream between two real sockets, reproducibly by seed.
sticky-cmd-proxy-examples =
    Examples:
      # terminal 1: the lab server
      lab01-naive-recv server --addr 127.0.0.1:9527
      # terminal 2: the proxy, cutting replies into pieces of at most 300 bytes
      sticky proxy --listen 127.0.0.1:9600 --to 127.0.0.1:9527 --seed 7 --max-chunk 300
      # terminal 3: the client talks to the proxy instead of the server
      lab01-naive-recv client --addr 127.0.0.1:9600 --bufsize 204800000

      # any free port: the real one is printed as 'sticky proxy listening on ADDR'
      sticky proxy --listen 127.0.0.1:0 --to 127.0.0.1:9527 --seed 3

      # add 100 ms of round-trip time, cutting nothing
      sticky proxy --listen 127.0.0.1:9600 --to 127.0.0.1:8001 --rtt-ms 100 --max-chunk 1048576 --delay-ms 0

      # UDP: drop, duplicate and reorder datagrams (lab 06), decisions logged on stderr
      sticky proxy --udp --listen 127.0.0.1:9601 --to 127.0.0.1:8888 --seed 7 --drop 0.1 --dup 0.1 --reorder 0.1
      # capture both hops for Wireshark (as root): client ↔ proxy and proxy ↔ server
      sudo sticky proxy --listen 127.0.0.1:9600 --to 127.0.0.1:9527 --pcap proxy.pcap
sticky-proxy-exposed = warning: the proxy listens on { $addr }, which other machines may reach
sticky-proxy-cannot-start = proxy on { $addr }: { $error }
sticky-proxy-listening = sticky proxy listening on { $addr }
sticky-proxy-started = sticky proxy: { $addr } → { $to }, seed { $seed }, pieces of 1..={ $max } B, { $delay } ms apart, +{ $rtt } ms RTT (Ctrl-C to stop)
sticky-proxy-capturing = sticky proxy: capturing both hops to { $path } (rewritten as each connection closes)
sticky-proxy-captured = { $n } packets captured to { $path }
sticky-proxy-no-capture = note: no capture written to { $path }: { $why }; the proxy runs without it
sticky-proxy-pieces = {"["}conn { $conn }] { $way }: { $total } B in { $n } pieces: { $list }
sticky-proxy-way-to-server = client → server
sticky-proxy-way-to-client = server → client
sticky-proxy-more-pieces = … ({ $n } more)
sticky-udp-proxy-bad-chances = --drop, --dup and --reorder must each be in 0..=1 and add up to at most 1 (got { $got })
sticky-udp-proxy-listening = sticky proxy --udp listening on { $addr } → { $to }, seed { $seed }, drop { $drop } dup { $dup } reorder { $reorder } (Ctrl-C to stop)
sticky-udp-proxy-cannot-start = UDP proxy on { $addr }: { $error }

# sticky completions and sticky check's --help (check's own output is in check's file).
sticky-cmd-completions-about = Print a tab-completion script for your shell (bash, zsh, fish, powershell).
sticky-cmd-completions-examples =
    Examples:
      # bash: completes in new shells
      sticky completions bash > ~/.local/share/bash-completion/completions/sticky
      # zsh: any directory on $fpath, file named _sticky
      sticky completions zsh > ~/.zfunc/_sticky
      # fish
      sticky completions fish > ~/.config/fish/completions/sticky.fish
      # PowerShell: add this line to $PROFILE
      sticky completions powershell | Out-String | Invoke-Expression
# sticky bench
sticky-cmd-bench-about = Framing speed over loopback: raw pump, 4-byte header, JSON header, length+ack.
sticky-cmd-bench-examples =
    Examples:
      sticky bench
      sticky bench --seconds 2 --svg bench.svg --json > bench.json
      # the handshake pays one round trip per message:
      sticky bench --rtt-ms 10 --sizes 16,1024 --protos raw,header,length-ack
    The peers: `cargo bench --bench framing_peers` (tokio-util's LengthDelimitedCodec).
bench-intro = sticky bench: one loopback connection per cell, { $seconds } s each, { $repeat } alternating runs (median and best); the raw pump first swept over { $shapes } write/read shapes{ $rtt }
bench-intro-rtt = , +{ $rtt } ms RTT through a latency-only proxy
bench-failed = bench: { $error }
bench-col-size = size
bench-col-framing = framing
bench-col-median = median msg/s
bench-col-median-ratio = × raw (median)
bench-col-best = best msg/s
bench-col-best-ratio = × raw (best)
bench-col-mbps = MB/s (best)
bench-shape = { $proto } (w { $write } / r { $read })
bench-met = met
bench-not-met = NOT met
bench-target = target: 4-byte header at 1 MiB ≥ 0.9× raw pump — median { $median }×, best { $best }× ({ $met })
bench-ceiling-held = ceiling: no framing's median beat the raw pump's by more than 10 %
bench-ceiling-broken = ceiling: NOT a ceiling here — { $breaks } (median over the raw pump's median)
bench-ceiling-break = { $proto } at { $size }: { $ratio }×
bench-anchor = anchor: iperf3 on loopback moved { $mbps } MB/s over { $seconds } s; the raw pump's best cell here { $raw } MB/s ({ $ratio }× iperf3) — { $version }
bench-anchor-skipped = anchor: iperf3 SKIPPED — { $why }
bench-peer-python = peer: the lesson's Python struct header at 16 B: { $rate } msg/s{ $versus }
bench-peer-python-versus = ; the 4-byte header here is { $x }× that (target ≥ 20×: { $met })
bench-peer-python-skipped = peer: the lesson's Python code skipped — { $why }
bench-peer-tokio = peer: tokio-util's LengthDelimitedCodec — run `cargo bench --bench framing_peers`
bench-chart-title = sticky bench — messages/s relative to the raw pump{ $rtt }
bench-chart-title-rtt = {" "}(+{ $rtt } ms RTT)
bench-chart-written = chart written to { $path }
bench-chart-bar = { $ratio }× raw · median { $rate } msg/s
bench-chart-tip = { $proto } at { $size }: { $rate } msg/s, { $mbps } MB/s
bench-chart-one = 1.0 × raw pump
bench-json-failed = JSON: { $error }
bench-error-thread = a benchmark thread panicked
bench-error-socket = socket: { $error }
bench-error-framing = framing: { $error }
bench-error-header = JSON header: { $error }
bench-error-wrong = { $proto } at { $size } B: { $what }
bench-wrong-count = { $sent } messages sent, { $received } received
bench-wrong-ack = expected "ok", got { $got }
bench-wrong-body = a { $n }-byte body
bench-wrong-partial = { $bytes } bytes is not a whole number of messages
bench-wrong-frame = a { $n }-byte frame
bench-wrong-length = not a length: { $got }
bench-wrong-announced = announced { $n } bytes
bench-iperf3-missing = iperf3 is not installed (apt-get install iperf3)
bench-iperf3-no-json = iperf3 printed no JSON ({ $error })
bench-iperf3-no-figure = iperf3's JSON has no end.sum_received.bits_per_second
bench-python-cannot-start = python3 could not be started: { $error }
bench-python-failed = python3 failed: { $error }
bench-python-unreadable = unreadable python output: { $error }

# sticky load
sticky-cmd-load-about = Many framed clients at once against an echo server, every reply checked.
sticky-cmd-load-examples =
    Examples:
      # against a framed echo server started here, in this process:
      sticky load --clients 64 --messages 10000
      # against a running server (lab07-concurrency server speaks the 4-byte header):
      lab07-concurrency server --addr 127.0.0.1:8889 &
      sticky load --addr 127.0.0.1:8889 --clients 64 --messages 10000 --proto header --server-pid $!
      # lab 04's and lab 05's command servers (`echo` requests, every reply checked):
      lab04-struct-header server --addr 127.0.0.1:8083 --max-conns 128 &
      sticky load --addr 127.0.0.1:8083 --proto lab04 --server-pid $!
      lab05-json-header server --addr 127.0.0.1:8085 --dir /tmp/share --max-conns 128 &
      sticky load --addr 127.0.0.1:8085 --proto lab05 --server-pid $!
      # and cut the replies too, through a ChaosProxy:
      sticky load --addr 127.0.0.1:8085 --proto lab05 --proxy-seed 3 --clients 8 --messages 500
load-needs-addr = --proto { $proto } needs --addr: start the lab's server first (see --help)
load-cannot-start-echo = cannot start the echo server: { $error }
load-cannot-start-proxy = cannot start the chaos proxy: { $error }
load-intro = sticky load: { $clients } clients × { $messages } messages (1..={ $max } B, --proto { $proto }) to { $addr }{ $via }, chaos pieces { $chaos }
load-intro-via = {" "}via a ChaosProxy on { $addr } (pieces 1..=64 B both ways)
load-chaos-off = off
load-client = client { $n }: { $summary }{ $error }
load-memory = ; server RSS { $before } MiB before, { $after } MiB after, peak { $peak } MiB
load-total = { $summary }, { $merged } merged in { $seconds } s ({ $rate } replies/s){ $memory }
load-error-closed = connection closed before every reply arrived
load-error-panicked = client thread panicked
