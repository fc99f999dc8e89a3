# Lab 01 — the naive recv(1024) bug: the binary labs/lab01_naive_recv.rs and
# src/lessons/lab01_naive_recv*. One file per lab, so translators never meet.

lab01-naive-recv-lesson = recv(1024) splits and merges replies
lab01-about = Lab 01: the naive recv(1024) bug — replies cut, commands glued, text garbled
lab01-examples =
    Examples:
      lab01-naive-recv demo                       # the whole story, checked
      lab01-naive-recv demo --seed 3 --svg t.svg  # other proxy cuts, and a timeline picture
      lab01-naive-recv server                     # terminal 1 (127.0.0.1:9527)
      lab01-naive-recv client                     # terminal 2: type help, then ls
lab01-naive-recv-cmd-demo-about = Show the bug stage by stage over real sockets; exit 0 only if all of it was seen.
lab01-naive-recv-cmd-demo-examples =
    Examples:
      lab01-naive-recv demo
      lab01-naive-recv demo --step               # pause before each stage (for a class)
      lab01-naive-recv demo --seed 42            # the proxy cuts elsewhere, reproducibly
      lab01-naive-recv demo --json > report.json # machine-readable, story on stderr
      lab01-naive-recv demo --svg timeline.svg   # writes against reads, as a picture
      lab01-naive-recv demo --lang zh            # the same demo in Chinese
lab01-naive-recv-cmd-server-about = The lesson's server: one recv(1024) is a command, its raw output goes back.
lab01-naive-recv-cmd-server-examples =
    Examples:
      lab01-naive-recv server                         # 127.0.0.1:9527, built-in commands
      lab01-naive-recv server --addr 127.0.0.1:0      # any free port (printed on stderr)
      lab01-naive-recv server --encoding gbk          # answer like a Chinese Windows server
      lab01-naive-recv server --exec shell            # the real shell, loopback only
      lab01-naive-recv server --timeout 2 --max-output 65536
lab01-naive-recv-cmd-client-about = The lesson's client: one send per command, ONE recv(--bufsize) per reply.
lab01-naive-recv-cmd-client-examples =
    Examples:
      lab01-naive-recv client                            # >>> prompt; try help, then ls
      lab01-naive-recv client --cmd help --cmd ls        # the desync, scripted
      lab01-naive-recv client --cmd help --show-chunks   # see each recv's size
      lab01-naive-recv client --bufsize 204800000        # seed 000's bigger buffer
      lab01-naive-recv client --encoding gbk             # decode like the lessons' clients
      echo zh | lab01-naive-recv client --addr 127.0.0.1:9600

lab01-title = the naive recv(1024) bug (seed 002 §1.1)
lab01-setup-failed = cannot start the demo server: { $error }
lab01-setup =
    A server on { $addr } (this process, real loopback sockets) runs built-in commands
    and sends their output raw. The client takes ONE recv(1024) per command.

lab01-lane-server-send = server send()
lab01-lane-server-recv = server recv(1024)
lab01-lane-client-send = client send()
lab01-lane-client-recv = client recv(1024)
lab01-lane-client-recv-n = client recv({ $n })
lab01-lane-client-recv-big = client recv(204800000)
lab01-lane-client-recv-big-short = client recv(big)
lab01-lane-proxy-pieces = proxy pieces
lab01-ledger = ledger: { $ledger }
lab01-intact = intact
lab01-wrong = WRONG
lab01-exact = exact
lab01-garbled = garbled
lab01-clean = clean

lab01-s1-title = a short command works
lab01-s1-expected = one recv(1024) returns exactly the reply
lab01-s1-client = client: send(b'ls'); data = recv(1024)
lab01-s1-panel = 1. ls: one send, one recv
lab01-s1-observed = server sent { $sent } B, one recv got { $got } B — { $ledger }

lab01-s2-title = a long reply is cut, and the next reply begins with its rest
lab01-s2-expected = help cut at 1024; ls's reply starts with help's tail; read until close, help is whole
lab01-s2-client-help = client: send(b'help'); recv(1024)  — the server sent { $n } B
lab01-s2-client-ls = client: send(b'ls');   recv(1024)
lab01-s2-printed =
    What the lesson's client prints for `ls` starts with help's tail:
      { $text }
lab01-s2-panel = 2. help (longer than 1024) then ls: the desync
lab01-s2-wire =
    On the wire (the capture): the two replies ({ $total } B) reached the client in { $n } segment(s):
    { $segments }; its recv(1024) calls returned { $reads }. { $conclusion }
lab01-s2-wire-agrees = ✓ The cut at 1024 is recv()'s, not the network's.
lab01-s2-wire-missed = ✗ The capture missed some of them (a busy machine?): no conclusion.
lab01-s2-wire-none = On the wire: { $why }
lab01-s2-until-close =
    The read that cannot desync (recv_until_close): a new connection, send(b'help'),
    shutdown(SHUT_WR), then recv(1024) until the server closes: { $reads } reads, { $bytes } B, { $whole }.
    The real fix keeps the connection and sends each reply's length first (lab 04).
lab01-s2-whole-help = all of help
lab01-s2-not-help = NOT help
lab01-s2-observed = help ({ $help } B) cut at { $cut }; the `ls` recv got { $second } B, the first { $tail } of them help's tail; read until close: { $whole } B { $verdict }

lab01-s3-title = two quick commands arrive glued: ls + dir → lsdir
lab01-s3-expected = the server's one recv(1024) returns b'lsdir'
lab01-s3-client = client: send(b'ls'); send(b'dir')   — two calls, TCP_NODELAY on
lab01-s3-busy = The server is busy (it has not called recv yet), so both land in its receive buffer.
lab01-s3-ran = The server ran { $request } and answered { $answer }
lab01-s3-why =
    No network merged them: the receiver's buffer held both, and one recv(1024)
    returned everything it held (seed 004: the receiver did not take the data in time).
lab01-s3-panel = 3. send(ls), send(dir) → one recv: lsdir
lab01-s3-observed = 2 sends (2 B, 3 B) → 1 recv of { $n } B: { $request }

lab01-s4-title = a bigger buffer, recv(204800000), only hides the bug
lab01-s4-expected = intact on loopback, broken again through a real chaos hop
lab01-s4-loopback = On loopback, recv(204800000) for { $cmds }: { $ledger }
lab01-s4-proxy =
    Now through `ChaosProxy` on { $addr } (seed { $seed }, pieces of 1..=256 B, 25 ms apart) —
    a real TCP hop that cuts far more finely than a real network (real paths cut at MSS,
    window and timing boundaries, not into 1–256 B pieces): it exaggerates on purpose:
lab01-s4-numbers =
    {"  "}proxy pieces (seed { $seed }): { $pieces }
    {"  "}client recv sizes:        { $reads }
    {"  "}server got commands { $requests }, sent replies of { $replies } B
    {"  "}ledger: { $ledger }
lab01-s4-printed = The naive client printed { $n } B as help's reply and { $second } as ls's.
lab01-s4-panel = 4. recv(204800000) through ChaosProxy, seed { $seed }
lab01-s4-commands-cut = the commands were cut too — the server received { $requests }
lab01-s4-help-cut = help's first recv had { $first } of { $total } B, { $damaged } of 2 replies damaged
lab01-s4-observed = loopback: { $intact }/{ $n } intact; through the proxy (seed { $seed }): { $hop }

lab01-s5-title = text cut at a chunk edge, and GBK read as UTF-8
lab01-s5-expected = decode-each garbles, StreamDecoder does not; GBK as UTF-8 garbles
lab01-s5-client = client: send(b'zh'); then recv({ $small }) until all { $n } B are in
lab01-s5-col-decoding = decoding
lab01-s5-col-text = text
lab01-s5-each = each recv on its own
lab01-s5-gbk = server --encoding gbk sent zh as { $gbk } B (UTF-8 needed { $utf8 } B):
lab01-s5-console =
    A Chinese Windows console (code page 936: `chcp` says 936) reads raw bytes as GBK, so
    this UTF-8 reply shown there raw reads: { $text }
lab01-s5-console-why =
    Python's print() and this program write through the console's Unicode call and show
    粘包 either way; raw bytes (`type reply.txt`, a redirected file) meet code page 936.
lab01-s5-observed = recv({ $small }) sizes { $sizes }: { $garbled } chunk(s) garbled one by one, StreamDecoder { $streamed }; GBK read as UTF-8 { $as_utf8 }, as GBK { $as_gbk }

lab01-missing-reply = the server's reply
lab01-missing-commands = the commands
lab01-missing-zh-rest = the rest of zh
lab01-error-missing = { $what } never arrived
lab01-error-recv = receiving a command failed: { $error }
lab01-error-idle = the client sent nothing for too long; connection closed
lab01-error-client-gone = the client left mid-reply to '{ $command }': { $sent } of { $total } bytes sent ({ $error })
lab01-log-not-utf8 = "{ $command }" is not UTF-8: told the client so ({ $n } B)
lab01-log-timeout = stopped at the timeout
lab01-log-unknown = unknown command
lab01-log-ok = ok
lab01-log-exit = exit { $code }
lab01-log-cut = , cut at the output cap
lab01-log-line = "{ $command }" → { $n } B ({ $what }{ $cut })
lab01-no-local-addr = cannot read the listening address: { $error }
lab01-server-failed = server on { $addr }: { $error }
lab01-bufsize-zero = --bufsize must be at least 1
lab01-no-reply = (no reply to '{ $command }' within { $seconds } s: a command with no output sends nothing, and one recv() cannot tell an empty reply from a slow one)
lab01-talk-failed = talking to { $addr }: { $error }
lab01-closed = { $addr } closed the connection
