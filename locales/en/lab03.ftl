# Lab 03 — the length as text, an ok, then the data: the binary
# labs/lab03_length_ack.rs and src/lessons/lab03_length_ack*.

lab03-about = Lab 03: send the length as text, wait for "ok", then send the data (seed 001, scheme 1)
lab03-examples =
    Examples:
      lab03-length-ack demo                         # the whole story, checked
      lab03-length-ack server                       # terminal 1 (127.0.0.1:8001)
      lab03-length-ack client --cmd help            # terminal 2
lab03-length-ack-cmd-demo-about = Show the scheme working, breaking under chaos, fixed, and what its ack costs
lab03-length-ack-cmd-demo-examples =
    Examples:
      lab03-length-ack demo
      lab03-length-ack demo --seed 3 --rtt-ms 100
      lab03-length-ack demo --color never --svg docs/labs/img/lab03-length-ack.svg
      lab03-length-ack demo --json > report.json
      lab03-length-ack demo --lang zh               # the same demo in Chinese
lab03-length-ack-cmd-server-about = Run the command server (built-in commands unless --exec shell)
lab03-length-ack-cmd-server-examples =
    Examples:
      lab03-length-ack server                        # 127.0.0.1:8001, our framed requests
      lab03-length-ack server --compat lesson        # the bytes seed 001's Python client speaks
      lab03-length-ack server --addr 127.0.0.1:0 --idle-timeout 2
      lab03-length-ack server --exec shell           # the real shell (loopback only)
lab03-length-ack-cmd-client-about = Send commands and print the replies (>>> prompt, --cmd, or piped stdin)
lab03-length-ack-cmd-client-examples =
    Examples:
      lab03-length-ack client                        # >>> prompt
      lab03-length-ack client --cmd help --cmd 'seq 5'
      echo ls | lab03-length-ack client
      lab03-length-ack client --compat lesson --addr 127.0.0.1:8001   # against seed 001's Python server

lab03-title = length as text + "ok", then the data
lab03-yes = yes
lab03-no = no

lab03-s1-title = on loopback, the lesson's protocol works
lab03-s1-expected = every reply arrives whole in one recv on loopback
lab03-s1-server = The lesson's server sends str(len(data)), waits for the client's "ok", then the data.
lab03-s1-client = The lesson's client reads the digits with one recv(1024) and the data with one recv(int(length)).
lab03-s1-col-command = command
lab03-s1-col-length-text = length text
lab03-s1-col-got = recv(int(length)) got
lab03-s1-col-intact = intact
lab03-s1-got = { $bytes } B in { $reads } recv
lab03-s1-observed = 3 of 3 replies arrived whole, help's { $help } bytes (over 1024) included
lab03-s1-cut = a reply was cut even on loopback

lab03-s2-title = under chaos, one recv(int(length)) comes up short
lab03-s2-expected = one recv returns fewer bytes than the length; the loop gets them all
lab03-s2-through = Now through ChaosProxy, a real TCP hop that cuts the reply into pieces of 1..=1500 bytes, 1 ms apart (seed { $seed }: the first from --seed { $from } that leaves the command and the digits whole).
lab03-s2-lesson = lesson client: recv({ $want }) returned { $got } B — { $left } B are still in the socket, and the next command will print them
lab03-s2-fixed = fixed client:  recv() in a loop until { $want } B arrived — { $reads } recv calls, { $bytes } B
lab03-s2-panel = Stage 2: reply of '{ $cmd }' through ChaosProxy (seed { $seed })
lab03-lane-server-send-data = server send(data)
lab03-lane-lesson-one-recv = lesson: one recv(n)
lab03-lane-fix-recv-until = fix: recv until n
lab03-s2-observed = one recv got { $got } of { $want } B; the loop got all { $bytes } B in { $reads } reads

lab03-s3-title = the length text itself can be split: "12" | "34"
lab03-s3-expected = the digits arrive in two pieces and the lesson's client believes a wrong length; \n-terminated digits survive
lab03-s3-no-end-mark = The digits carry no end mark: the client takes whatever one recv(1024) returns. Through ChaosProxy (seed { $seed }: the first from --seed { $from } whose first cut falls inside the digits, pieces 30 ms apart):
lab03-lane-client-recv = client recv
lab03-s3-believed = the client read "{ $text }" as the length, sent ok, and printed { $bytes } B starting "{ $start }" — { $left } B of the reply are left in the socket for the next command
lab03-s3-fix = the fix: end the digits with \n ("1234\n") and read up to it — same seed, same cuts: { $bytes } B, intact: { $intact }
lab03-s3-panel = Stage 3: the length text split (seed { $seed })
lab03-lane-server-digits-data = server: digits | data
lab03-lane-lesson-recvs = lesson client recvs
lab03-s3-observed = "{ $text }" arrived alone, the client believed { $believed } B instead of { $want }; ours got all { $bytes } B

lab03-s4-title = why the ok is load-bearing
lab03-s4-expected = without the ok the digits and the data's first bytes arrive together; with it the digits arrive alone
lab03-s4-drop = Drop step 2: the server sends the digits and then the data at once, without waiting for ok.
lab03-s4-through = Through ChaosProxy (seed { $seed }), set to pass on as one piece what reaches it within 50 ms — as a proxy may; routers do not merge segments, but the sender's TCP (Nagle, autocorking) and the receiver's buffer do:
lab03-s4-chunks = recv(1024) for the length
lab03-s4-int = int() of that: { $why }
lab03-s4-with-ok = with the ok (same seed, same cuts): recv(1024) got "{ $text }" alone — the server sends nothing more until the ok arrives
lab03-s4-panel = Stage 4: no ok — the digits merge with the data (seed { $seed })
lab03-lane-without-ok = recv(1024) without ok
lab03-lane-with-ok = recv(1024) with ok
lab03-s4-observed = without ok: "{ $merged }" ({ $why }); with ok: "{ $acked }"
lab03-parsed-as = parsed as { $n } (true length { $true_len })

lab03-s5-title = the cost of the ok: one more round trip per command
lab03-s5-expected = the handshake takes about 2 RTT per command, the 4-byte header about 1 RTT
lab03-s5-delay = A delay proxy adds { $rtt } ms of round-trip time (ProxyConfig::latency_only, like `sticky proxy --rtt-ms { $rtt }`).
lab03-s5-seed004 = Seed 004: "this approach amplifies the performance loss caused by network latency". Measured:
lab03-s5-col-protocol = protocol
lab03-s5-col-trips = round trips / command
lab03-s5-col-theory = theory
lab03-s5-col-best = best / command
lab03-s5-col-best-rtt = best ÷ RTT
lab03-s5-col-mean = mean
lab03-s5-row-ack = lab 03: length text, ok, data
lab03-s5-row-header = lab 04: 4-byte header + data
lab03-s5-each = { $rounds } commands ('{ $cmd }') each, after the connection was set up; the ok costs { $cost } ms per command (best against best: a busy machine only adds to a round trip)
lab03-s5-observed = { $ack } RTT against { $header } RTT per command ({ $ratio }× slower with the ok)

lab03-error-not-digit = length text has a non-digit byte { $byte } at position { $at } (got "{ $text }")
lab03-error-empty = length text is empty: expected digits
lab03-error-too-many-digits = length text runs past { $max_digits } digits without ending: not a length
lab03-error-too-large = length text claims { $len } bytes, over the { $max }-byte limit
lab03-error-overflow = length text "{ $text }" is larger than any length
lab03-error-missing-ok = expected the client's "ok", got "{ $got }"

# sticky labs' "lesson" column
lab03-length-ack-lesson = length + ack handshake
