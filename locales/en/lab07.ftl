# Lab 07 — serving many clients: the binary labs/lab07_concurrency.rs and
# src/lessons/lab07_concurrency*. One file per lab, so translators never meet.

lab07-about = Lab 07: one client at a time, a thread per client, and the cap
lab07-examples =
    Examples:
      lab07-concurrency demo                          # the whole story, checked
      lab07-concurrency server --mode sequential      # terminal 1 (127.0.0.1:8889)
      lab07-concurrency client                        # terminals 2 and 3: who waits?
lab07-concurrency-cmd-demo-about = Run the whole lesson on loopback: sequential server, threads, the cap.
lab07-concurrency-cmd-demo-examples =
    Examples:
      lab07-concurrency demo
      lab07-concurrency demo --hold-ms 800 --svg waits.svg
      lab07-concurrency demo --json > report.json
lab07-concurrency-cmd-server-about = The upper-case echo server of seed 002 §3.1.
lab07-concurrency-cmd-server-examples =
    Examples:
      # the lesson's first server: one client at a time
      lab07-concurrency server --mode sequential
      # ThreadingTCPServer, at most 2 clients served at once
      lab07-concurrency server --mode threaded --max-conns 2
      # the lesson's own protocol, for python/lesson/lab07_client.py
      lab07-concurrency server --compat lesson

    Limits: a client that sends nothing, or leaves its echoes unread, for --idle-timeout is
    dropped; a message not whole within --request-deadline of its first byte is dropped, however
    slowly it dribbles; at most --max-conns clients at once. Memory budget: a message is echoed in
    64 KiB pieces, so each connection holds at most 192 KiB whatever --max-frame, and --memory-budget
    (default 256M) caps the connections served at once to what it holds; 8 clients that never read
    their 48 MiB echoes leave the server at about 5 MiB (under 64 MiB, tested).
lab07-concurrency-cmd-client-about = Type lines, get them back in upper case.
lab07-concurrency-cmd-client-examples =
    Examples:
      lab07-concurrency client
      lab07-concurrency client --cmd hello --cmd world
      lab07-concurrency client --compat lesson --addr 127.0.0.1:8889

# The server and the client.
lab07-memory-too-small = --memory-budget { $budget } is less than the { $conn } bytes one connection holds
lab07-memory-caps = --memory-budget { $budget } holds { $n } connections of { $conn } bytes: at most { $n } served at once (not --max-conns { $max })
lab07-server-banner = { $mode }, at most { $max } client(s) served at once; wire: { $compat }
lab07-server-failed = server on { $addr }: { $error }
lab07-mode-sequential = one client at a time (the lesson's while True: accept())
lab07-mode-threaded = a thread per client (ThreadingTCPServer's shape)
lab07-error-idle = idle for longer than the { $timeout } timeout: connection closed

# The demo.
lab07-title = one client at a time, a thread per client, and the cap
lab07-svg-title = { $lab } — waits for the first reply
lab07-cannot-start = cannot start the server: { $error }

# The clients' stopwatch, its table and its picture.
lab07-client-connect-failed = connect: { $error }
lab07-client-no-reply = no reply: { $error }
lab07-client-panicked = client thread panicked
lab07-col-client = client
lab07-col-connect-took = connect() took
lab07-col-first-reply = first reply after
lab07-col-x-hold = × hold
lab07-col-reply = reply
lab07-reply-upper = upper-cased ✔
lab07-reply-wrong = WRONG
lab07-svg-client-waited = client { $client } · waited { $ms } ms
lab07-svg-client-no-reply = client { $client } · no reply
lab07-svg-tip-waiting = client { $client }: connected at { $connected } ms, waited { $waited } ms for its first reply
lab07-svg-tip-served = client { $client }: served from { $from } ms until it left at { $left } ms
lab07-svg-legend = { $end } ms — grey: connected, waiting in the backlog for a reply; green: being served

# The accept queue's table.
lab07-col-connect = connect()
lab07-col-after = after
lab07-col-send-hello = send("hello\n")
lab07-connect-succeeded = succeeded
lab07-connect-gave-up = gave up: { $error }
lab07-send-returned = returned { $n }
lab07-reply-unexpected = a reply?!
lab07-reply-none = none (nobody accepted)

lab07-s1-title = the lesson's first server: one client at a time
lab07-s1-expected = every connect() returns at once, but client k's first reply waits ≈ k × the time one client stays
lab07-s1-say =
    while True: conn, addr = accept(); then talk to that client until it leaves.
    (The servers here are Rust emulations of the lesson's Python: lesson_serve is that loop,
    fixed_serve is socketserver.ThreadingTCPServer's shape, with a cap Python's lacks.)
    3 clients start 30 ms apart; each asks once, then stays { $hold } ms (a user typing).
lab07-s1-observed = all connected within { $connect } ms; the last client's first reply waited { $last } ms = { $ratio }× one client's stay
lab07-s1-scenario = sequential server (the lesson's while True: accept())

lab07-s2-title = ThreadingTCPServer: a thread per connection
lab07-s2-expected = no client waits for another: every first reply comes at once
lab07-s2-say =
    socketserver.ThreadingTCPServer: accept, start a thread for the client, accept again.
    Python's ThreadingTCPServer has no cap: it starts a thread for every connection, however
    many. Here fixed_serve runs with a cap of 64, more than these 3 clients need.
lab07-s2-observed = the slowest first reply took { $last } ms = { $ratio }× one client's stay ({ $sooner }× sooner than the sequential server's last)
lab07-s2-scenario = threaded server (ThreadingTCPServer's shape)

lab07-s3-title = the limit of threads: at most 2 clients served at once
lab07-s3-expected = connect() succeeds for everyone (the backlog), but the clients over the cap get their first reply only when a slot frees (≈ 1× a stay)
lab07-s3-say =
    Threads cost memory, so a real server caps them (--max-conns). At the cap it stops calling
    accept(); the kernel still completes new handshakes into the listen backlog.
    4 clients, cap 2: what do clients 2 and 3 see?
lab07-s3-observed = all 4 connected at once; { $fast } answered at once, { $slow } waited up to { $worst } ms = { $ratio }× one client's stay
lab07-s3-scenario = threaded, --max-conns 2

lab07-s4-title = the accept queue overflows: a server that never calls accept()
lab07-s4-expected = connect() succeeds for the clients the queue holds, though nothing accepts them; the kernel drops the next clients' SYNs (ListenOverflows), so their connect() does not complete
lab07-s4-abort-0 = 0: a final ACK that finds the queue full is dropped, the SYN-ACK resent
lab07-s4-abort-1 = 1: a final ACK that finds the queue full is answered with a reset
lab07-s4-abort-unknown = not readable here (not Linux)
lab07-s4-say =
    The cap's waiting room is the kernel's accept queue: connections whose handshake is
    done and that the program has not accept()ed yet. listen(backlog) sizes it. Here a
    listener with listen({ $backlog }) never calls accept(); { $clients } clients connect 20 ms apart,
    each giving up after { $wait } s; a connected one sends "hello" and waits for a reply.
    net.ipv4.tcp_abort_on_overflow = { $abort }
lab07-s4-na = n/a
lab07-s4-counters =
    The kernel's counters (/proc/net/netstat, machine-wide, so "at least"): ListenOverflows
    { $overflows }, ListenDrops { $drops }, TCPSynRetrans { $retrans } (the refused clients resent their SYN after 1 s).
lab07-s4-explain =
    What a student sees: the first clients' connect() succeeded and their send() returned
    6 — yet no program ever accepted them; the bytes sit in the kernel's buffer and the reply
    never comes (Linux queues backlog + 1 connections). The next clients' connect() neither
    succeeds nor fails: Linux drops a SYN that finds the queue full instead of refusing it, and
    the client resends it after 1 s, 3 s, 7 s… (about two minutes in all, tcp_syn_retries)
    unless it has a timeout of its own. A third case needs clients arriving together over a
    real network: when the queue fills between a client's SYN and its final ACK, the server
    drops that ACK (with tcp_abort_on_overflow = 0) while the client's connect() has already
    succeeded; its first send is then resent until the server has room, or reset if it gives
    up. On loopback each handshake is over before the next one starts, so this demo shows the
    first two cases.
lab07-s4-observed = { $n } of { $total } connected (none accepted, no reply); { $refused } never completed connect(); ListenOverflows { $overflows }

lab07-s5-title = the header still holds with many clients at once
lab07-s5-expected = every client gets every reply intact: 0 lost, 0 merged, 0 corrupted
lab07-s5-say =
    16 clients × 500 messages each, pipelined 32 at a time, every client's writes cut into
    pieces of 1..7 bytes and glued across messages (ChaosWriter): one reader per thread keeps its own boundaries.
lab07-s5-client = client { $client }: { $summary } { $error }
lab07-s5-observed = { $summary }, { $merged } merged ({ $rate } replies/s)

# sticky labs' "lesson" column
lab07-concurrency-lesson = one client at a time vs threads
