# 实验 07 —— 同时服务多个客户端：labs/lab07_concurrency.rs 和
# src/lessons/lab07_concurrency*。每个实验一个文件，译者之间互不干扰。
# 术语见 docs/glossary.md；accept 队列即"全连接队列"，listen(backlog) 决定它的大小。

lab07-about = 实验 07：一次只服务一个客户端、每个客户端一个线程，以及线程上限
lab07-examples =
    示例：
      lab07-concurrency demo                          # 完整演示，每一步都做检查
      lab07-concurrency server --mode sequential      # 终端 1（127.0.0.1:8889）
      lab07-concurrency client                        # 终端 2 和 3：看看谁在等？
lab07-concurrency-cmd-demo-about = 在本机回环上跑完整节课：顺序服务器、多线程、线程上限。
lab07-concurrency-cmd-demo-examples =
    示例：
      lab07-concurrency demo
      lab07-concurrency demo --hold-ms 800 --svg waits.svg
      lab07-concurrency demo --json > report.json
      lab07-concurrency demo --lang en                # 同一个演示，用英文
lab07-concurrency-cmd-server-about = 课程资料 002 §3.1 里的大写回显服务器。
lab07-concurrency-cmd-server-examples =
    示例：
      # 课上的第一个服务器：一次只服务一个客户端
      lab07-concurrency server --mode sequential
      # ThreadingTCPServer 的做法，最多同时服务 2 个客户端
      lab07-concurrency server --mode threaded --max-conns 2
      # 课上自己的协议，配合 python/lesson/lab07_client.py 使用
      lab07-concurrency server --compat lesson

    限制：客户端在 --idle-timeout 这么长时间里什么都不发、或者不读自己的回显，就会被断开；
    一条消息从第一个字节起，在 --request-deadline 之内没有收全，也会被断开，不管它是怎样一点点挤过来的；
    同时最多服务 --max-conns 个客户端。内存预算：消息按 64 KiB 一块回显，所以不管 --max-frame 多大，
    每个连接最多占 192 KiB；--memory-budget（默认 256M）按它能容纳的数量限制同时服务的连接数。
    8 个客户端各自发来 48 MiB 却从不读回显，服务器也只占约 5 MiB（低于 64 MiB，有测试验证）。
lab07-concurrency-cmd-client-about = 输入一行，收到它的大写版本。
lab07-concurrency-cmd-client-examples =
    示例：
      lab07-concurrency client
      lab07-concurrency client --cmd hello --cmd world
      lab07-concurrency client --compat lesson --addr 127.0.0.1:8889

# 服务器和客户端。
lab07-memory-too-small = --memory-budget { $budget } 比一个连接占用的 { $conn } 字节还少
lab07-memory-caps = --memory-budget { $budget } 只容得下 { $n } 个各占 { $conn } 字节的连接：最多同时服务 { $n } 个（而不是 --max-conns { $max }）
lab07-server-banner = { $mode }，最多同时服务 { $max } 个客户端；线上格式：{ $compat }
lab07-server-failed = { $addr } 上的服务器出错：{ $error }
lab07-mode-sequential = 一次只服务一个客户端（课上的 while True: accept()）
lab07-mode-threaded = 每个客户端一个线程（ThreadingTCPServer 的做法）
lab07-error-idle = 空闲超过 { $timeout } 的超时时间：连接已关闭

# 演示。
lab07-title = 一次一个客户端、每个客户端一个线程，以及线程上限
lab07-svg-title = { $lab } —— 等第一个回复等了多久
lab07-cannot-start = 无法启动服务器：{ $error }

# 客户端的秒表、表格和图。
lab07-client-connect-failed = connect 失败：{ $error }
lab07-client-no-reply = 没有回复：{ $error }
lab07-client-panicked = 客户端线程崩溃（panic）
lab07-col-client = 客户端
lab07-col-connect-took = connect() 用时
lab07-col-first-reply = 第一个回复在
lab07-col-x-hold = × 停留
lab07-col-reply = 回复
lab07-reply-upper = 已转大写 ✔
lab07-reply-wrong = 错误
lab07-svg-client-waited = 客户端 { $client } · 等了 { $ms } ms
lab07-svg-client-no-reply = 客户端 { $client } · 没有回复
lab07-svg-tip-waiting = 客户端 { $client }：在 { $connected } ms 连上，等了 { $waited } ms 才收到第一个回复
lab07-svg-tip-served = 客户端 { $client }：从 { $from } ms 开始被服务，到 { $left } ms 离开
lab07-svg-legend = { $end } ms —— 灰色：已连上，在 backlog 里等回复；绿色：正在被服务

# accept 队列的表格。
lab07-col-connect = connect()
lab07-col-after = 用时
lab07-col-send-hello = send("hello\n")
lab07-connect-succeeded = 成功
lab07-connect-gave-up = 放弃：{ $error }
lab07-send-returned = 返回 { $n }
lab07-reply-unexpected = 居然有回复？！
lab07-reply-none = 没有（没人 accept）

lab07-s1-title = 课上的第一个服务器：一次只服务一个客户端
lab07-s1-expected = 每个 connect() 都立刻返回，但第 k 个客户端的第一个回复要等 ≈ k × 一个客户端停留的时间
lab07-s1-say =
    while True: conn, addr = accept()；然后一直和这个客户端对话，直到它离开。
    （这里的服务器是用 Rust 模拟课上的 Python：lesson_serve 就是这个循环，
    fixed_serve 是 socketserver.ThreadingTCPServer 的做法，另外加了 Python 没有的上限。）
    3 个客户端每隔 30 ms 启动一个；每个只问一次，然后停留 { $hold } ms（好比用户在打字）。
lab07-s1-observed = 全部在 { $connect } ms 内连上；最后一个客户端的第一个回复等了 { $last } ms = 一个客户端停留时间的 { $ratio }×
lab07-s1-scenario = 顺序服务器（课上的 while True: accept()）

lab07-s2-title = ThreadingTCPServer：每个连接一个线程
lab07-s2-expected = 没有客户端需要等别人：每个第一个回复都立刻到达
lab07-s2-say =
    socketserver.ThreadingTCPServer：accept，为这个客户端开一个线程，再回去 accept。
    Python 的 ThreadingTCPServer 没有上限：来多少连接就开多少线程。
    这里 fixed_serve 的上限是 64，比这 3 个客户端需要的多得多。
lab07-s2-observed = 最慢的第一个回复用了 { $last } ms = 一个客户端停留时间的 { $ratio }×（比顺序服务器的最后一个快 { $sooner }×）
lab07-s2-scenario = 多线程服务器（ThreadingTCPServer 的做法）

lab07-s3-title = 线程的上限：最多同时服务 2 个客户端
lab07-s3-expected = 所有人的 connect() 都成功（靠 backlog），但超出上限的客户端要等到有空位才收到第一个回复（≈ 1× 停留时间）
lab07-s3-say =
    线程要占内存，所以真正的服务器会给线程数设上限（--max-conns）。到了上限，它就不再调用
    accept()；但内核照样完成新的握手，把连接放进 listen 的 backlog。
    4 个客户端，上限 2：客户端 2 和 3 会看到什么？
lab07-s3-observed = 4 个全部立刻连上；{ $fast } 个立刻得到回复，{ $slow } 个最多等了 { $worst } ms = 一个客户端停留时间的 { $ratio }×
lab07-s3-scenario = 多线程，--max-conns 2

lab07-s4-title = accept 队列溢出：一个从不调用 accept() 的服务器
lab07-s4-expected = 队列装得下的客户端 connect() 成功，尽管没人 accept 它们；之后的客户端的 SYN 被内核丢弃（ListenOverflows），它们的 connect() 完成不了
lab07-s4-abort-0 = 0：最后一个 ACK 到达时队列已满，就丢掉它，重发 SYN-ACK
lab07-s4-abort-1 = 1：最后一个 ACK 到达时队列已满，就回一个复位（RST）
lab07-s4-abort-unknown = 这里读不到（不是 Linux）
lab07-s4-say =
    上限外面的"等候室"就是内核的 accept 队列（全连接队列）：握手已经完成、程序还没有 accept() 的连接。
    它的大小由 listen(backlog) 决定。这里有一个 listen({ $backlog }) 的监听套接字，从不调用 accept()；
    { $clients } 个客户端每隔 20 ms 连一个，每个最多等 { $wait } s；连上的就发送 "hello"，然后等回复。
    net.ipv4.tcp_abort_on_overflow = { $abort }
lab07-s4-na = 读不到
lab07-s4-counters =
    内核计数器（/proc/net/netstat，整台机器共用，所以是"至少"）：ListenOverflows
    { $overflows }，ListenDrops { $drops }，TCPSynRetrans { $retrans }（被挡在外面的客户端 1 s 后重发了 SYN）。
lab07-s4-explain =
    学生看到的是：前几个客户端 connect() 成功了，send() 也返回了 6 —— 可是根本没有程序
    accept 过它们；字节躺在内核的缓冲区里，回复永远不会来（Linux 的队列能放 backlog + 1 个连接）。
    后面的客户端 connect() 既不成功也不失败：队列满时 Linux 不拒绝 SYN，而是直接丢掉，
    客户端在 1 s、3 s、7 s…… 之后重发（总共约两分钟，由 tcp_syn_retries 决定），
    除非它自己设了超时。还有第三种情况，要在真实网络上、很多客户端同时到达时才会出现：
    如果队列恰好在客户端发出 SYN 和最后一个 ACK 之间被占满，服务器会丢掉这个 ACK
    （tcp_abort_on_overflow = 0 时），而客户端的 connect() 已经成功了；它发出的第一批数据
    会一直重传，直到服务器腾出位置，或者服务器放弃时被复位。在回环上，每次握手都在下一次
    开始之前就结束了，所以这个演示只展示前两种情况。
lab07-s4-observed = { $total } 个中有 { $n } 个连上（没人 accept，没有回复）；{ $refused } 个的 connect() 始终没有完成；ListenOverflows { $overflows }

lab07-s5-title = 很多客户端同时连着，报头照样管用
lab07-s5-expected = 每个客户端收到的每个回复都完好：0 丢失、0 粘包、0 损坏
lab07-s5-say =
    16 个客户端 × 每个 500 条消息，每次流水线发 32 条；每个客户端的写入都被切成 1..7 字节的小块，
    还跨消息粘在一起（ChaosWriter）：每个线程一个读取器，各自守住自己的消息边界。
lab07-s5-client = 客户端 { $client }：{ $summary } { $error }
lab07-s5-observed = { $summary }，{ $merged } 次粘包（每秒 { $rate } 个回复）

# sticky labs' "lesson" column
lab07-concurrency-lesson = 一次一个客户端，对比每个客户端一个线程
