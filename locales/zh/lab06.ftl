# 实验 06 —— UDP 与 TCP 对照：labs/lab06_udp_vs_tcp.rs 和
# src/lessons/lab06_udp_vs_tcp* 的中文。键和占位符与 locales/en/lab06.ftl 一一对应。

lab06-about = 实验 06：UDP 与 TCP 对照 —— 消息边界、截断、空消息、大小上限、丢包
lab06-examples =
    示例：
      lab06-udp-vs-tcp demo                           # 逐条验证课上的每个说法
      lab06-udp-vs-tcp server                         # 终端 1（127.0.0.1:8888）
      lab06-udp-vs-tcp client --cmd hello             # 终端 2：收回 HELLO
lab06-udp-vs-tcp-cmd-demo-about = 同样的发送分别走 TCP 和 UDP，并排对照，每个说法都当场验证。
lab06-udp-vs-tcp-cmd-demo-examples =
    示例：
      lab06-udp-vs-tcp demo
      lab06-udp-vs-tcp demo --step                  # 每个阶段前暂停（上课用）
      lab06-udp-vs-tcp demo --seed 11 --svg udp.svg # 换一组混沌决定，并画图
      lab06-udp-vs-tcp demo --json > report.json    # 讲解在 stderr，报告在 stdout
      lab06-udp-vs-tcp demo --loss-rcvbuf 65536     # 接收缓冲区大一些，丢得就少一些
      lab06-udp-vs-tcp demo --lang zh               # 中文版演示
lab06-udp-vs-tcp-cmd-server-about = 课上的 ThreadingUDPServer：recvfrom(1024)，sendto(data.upper())。
lab06-udp-vs-tcp-cmd-server-examples =
    示例：
      lab06-udp-vs-tcp server                         # 127.0.0.1:8888，同种子 002 §3.2
      lab06-udp-vs-tcp server --addr 127.0.0.1:0      # 任选一个空闲端口（打印在 stderr）
      python3 python/lesson/lab06_udp_client.py 8888 hello world   # 课上自己的客户端
lab06-udp-vs-tcp-cmd-client-about = 每行作为一个数据报发出，打印服务器转成大写的回复。
lab06-udp-vs-tcp-cmd-client-examples =
    示例：
      lab06-udp-vs-tcp client                         # >>>: 提示符，输入 q 退出
      lab06-udp-vs-tcp client --cmd hello --cmd world
      lab06-udp-vs-tcp client --bufsize 2 --cmd hello # 回复被截成 'HE'，其余部分没了
      echo hi | lab06-udp-vs-tcp client --addr 127.0.0.1:8888

lab06-title = UDP 与 TCP 对照：消息边界、截断、空消息、大小上限、丢包
lab06-and = 和
lab06-none = 无
lab06-unknown = （未知）

lab06-s1-title = 消息边界 —— 连发两次，接收方正忙
lab06-s1-expected = TCP：一次读到 'helloworld'（粘包）；UDP：两个数据报 'hello'、'world'
lab06-s1-setup =
    发送方紧接着发出 "hello" 和 "world"；接收方先忙 100 毫秒，
    再用 1024 字节的缓冲区读（TCP：recv(1024)，UDP：recvfrom(1024)）。
lab06-s1-why =
    TCP 是字节流：两次发送落在同一个接收缓冲区里，一次读取就全部取走了（粘包）。
    UDP 让每次 sendto() 各成一个数据报：一次 recvfrom() 恰好返回一个，消息边界完好。
lab06-s1-panel = 1. 消息边界：hello + world
lab06-s1-col-read = 读取
lab06-s1-lane-sends = send() ×2
lab06-s1-observed = TCP 读了 { $tcp_n } 次：{ $tcp }；UDP 收到 { $udp_n } 个数据报：{ $udp }

lab06-s2-title = 截断 —— 种子 002 里的 recvfrom(2)
lab06-s2-expected = UDP：'he' 和 'wo'，各来自一个 5 字节的数据报，其余被丢弃；TCP：每次读 2 字节，一个字节也不丢；recvfrom(65535)：'hello'、'world'
lab06-s2-setup = 还是 "hello" 和 "world"，两种协议都用 2 字节的缓冲区来读。
lab06-s2-why =
    UDP：每次 recvfrom() 从队列里取走一整个数据报，放不下的部分直接丢掉
    （Linux 会用 MSG_TRUNC 报告数据报的真实长度）。种子 002 注释里写的
    `# b"hello"` 是错的：recvfrom(2) 返回的是 b'he'。TCP 则把剩下的字节留给下一次 recv()。
lab06-s2-fix = 解决办法（recvfrom_whole）：recvfrom({ $n })，和最长的数据报一样长：读到 { $kept }，一个字节也没截掉。
lab06-s2-panel = 2. 截断：用 recv(2) 读 'helloworld'
lab06-s2-wire =
    线路上（抓包结果）：共 { $n } 个数据报到达接收方，长度 { $lengths }；recvfrom(2)
    返回了 { $returned }。{ $conclusion }
lab06-s2-wire-agrees = ✓ 被截掉的字节确实到了线路上：是接收方的内核把它们丢掉的。
lab06-s2-wire-missed = ✗ 抓包没有完整记下每个数据报（机器太忙？），无法下结论。
lab06-s2-wire-none = 线路上：{ $why }
lab06-s2-cut = { $kept } —— 数据报原有 { $wire } B（MSG_TRUNC），{ $lost } 永远丢了
lab06-s2-gone = （什么都不剩：其余部分已经没了）
lab06-s2-lane-sent = 发送
lab06-s2-lane-kept = UDP recvfrom(2) 留下的
lab06-s2-observed = UDP 从长 { $wire } B 的数据报中只留下 { $kept }，队列里还剩 { $left } 个数据报；TCP 分 { $tcp_reads } 次读到 { $tcp_bytes } B；recvfrom({ $n }) 读到 { $whole }

lab06-s3-title = 空消息 —— 0 字节在 UDP 上是一条消息，在 TCP 上意味着“连接已关闭”
lab06-s3-expected = UDP 交付一个 0 字节的数据报；TCP 什么也不发，recv()==0 表示对方已关闭，`continue` 会空转
lab06-s3-why =
    在 TCP 上，recv() 返回空只可能表示字节流结束，所以课上的服务器都写
    `if not cmd: break`。种子 003 的服务器却写成了 `continue`：客户端一走，
    recv() 每次都立刻返回 b''，永远如此，这个循环会把一个 CPU 核跑满。
    UDP 没有连接可关：空数据报就是一条普通的消息。
lab06-s3-row-send = 发送 0 字节
lab06-s3-tcp-send = send(b'') 返回 { $n }：线路上什么也没有发
lab06-s3-udp-send = sendto(b'') 发出一个没有载荷的数据报
lab06-s3-row-gets = 接收方收到
lab06-s3-tcp-arrived = 收到了东西（出乎意料）
lab06-s3-tcp-nothing = 什么也没有（100 毫秒后 recv 仍在等待）
lab06-s3-udp-gets = 来自 { $from } 的一条 { $n } 字节消息
lab06-s3-row-zero = recv() 返回 0 表示
lab06-s3-tcp-zero = 对方已关闭连接（关闭后读到 { $n } B）
lab06-s3-udp-zero = 有人发来一个空数据报
lab06-s3-row-continue = 关闭后 `if not cmd: continue`
lab06-s3-spins = { $ms } 毫秒内 { $n } 次空 recv()：空转
lab06-s3-row-break = 关闭后 `if not cmd: break`
lab06-s3-ends = { $n } 次 recv()，循环结束
lab06-s3-observed = UDP 交付 { $len } B（线路上 { $wire }）；TCP 的 send 返回 { $sent }，是否收到：{ $arrived }，关闭后 recv → { $after } B；`continue` 循环 { $ms } 毫秒内空读 { $spins } 次，`break` 循环 { $breaks } 次

lab06-s4-title = 大小上限 —— 一个数据报最大能有多大？
lab06-s4-expected = 本系统最大的 IPv4 数据报（Linux 和 Windows 上 65507 B，macOS 默认 9216 B）能完整到达，再多一个字节就报 EMSGSIZE；TCP 一次调用就能发 1 MiB
lab06-s4-why =
    IPv4 包的总长度字段只有 16 位：65535 − 20（IP 首部）− 8（UDP
    首部）= 65507。这里回环接口的 MTU 是 { $mtu } 字节，所以这个数据报作为一个包传送；
    在以太网上（MTU 1500），IP 要把它切成 45 个分片，任何一个分片丢了，
    整个数据报就丢了。种子 002 说“UDP 能可靠传输 512 字节”，出处是 RFC 791：
    每台 IPv4 主机都必须能接收 576 字节的数据报，即“512 个八位组的数据块加 64 个
    首部八位组”——可以是完整的，也可以是待重组的分片。它既不保证送达，
    也不保证不分片（链路的 MTU 可以小到 68）：第 5 步丢掉的正是 64 字节的数据报。
    本系统的上限，用真实的 sendto() 调用二分查找得到：
    { $limit }。
    各系统自己的上限，以及它从哪里来：
lab06-s4-col-send = 发送
lab06-s4-in-one-call = 一次调用发 { $n } B（127.0.0.1）
lab06-s4-stream = 成功（字节流没有消息大小之说）
lab06-s4-udp-received = 成功：收到一个 { $n } B 的数据报
lab06-s4-over-sent = 发出了 { $n } B（出乎意料）
lab06-s4-row-v4 = 最大载荷，IPv4（实测）
lab06-s4-row-v6 = 最大载荷，IPv6 ::1（实测）
lab06-s4-no-limit = 没有上限
lab06-s4-v6 = { $n } B（65535 − 8；IPv6 的 40 字节首部不计在内）
lab06-s4-v6-skipped = 跳过：{ $why }
lab06-s4-sendall = 一次 sendall() 发 { $n } B
lab06-s4-tcp-received = 成功：收到 { $n } B
lab06-s4-impossible = 做不到：EMSGSIZE
lab06-s4-col-system = 系统
lab06-s4-col-default = 默认上限
lab06-s4-col-measured = 本机实测
lab06-s4-col-why = 原因
lab06-s4-documented = 即 { $os } 文档中的默认值
lab06-s4-changed = 不是 { $os } 文档中的默认值 { $default } B：这里的上限被改过
lab06-s4-undocumented = 本系统没有文档记载的默认值
lab06-s4-at-ceiling = { $n } B = 65535 − 20 − 8，IPv4 的上限（{ $documented }）
lab06-s4-below-ceiling = { $n } B，比 IPv4 的上限 { $ceiling } 少 { $below } B（{ $documented }）
lab06-s4-accepted = 被接受
lab06-s4-v6-skipped-short = 跳过（{ $why }）
lab06-s4-observed = IPv4 上限 { $limit } B（{ $limit } B 到达时为 { $received } B）；{ $over } → { $error }；::1 上的 IPv6：{ $v6 }；TCP 收到 { $tcp_sent } B 中的 { $tcp_received } B
lab06-os-linux-why = IPv4 的 16 位总长度（RFC 791）− 20 B IP 首部 − 8 B UDP 首部（RFC 768）；再多一个字节：EMSGSIZE
lab06-os-macos-why = sysctl net.inet.udp.maxdgram 是每个 UDP 套接字的发送缓冲区，更大的数据报得到 EMSGSIZE（xnu udp_usrreq.c）；调大 SO_SNDBUF 可提高上限
lab06-os-windows-why = IPv4 的上限；再多一个字节：WSAEMSGSIZE (10040)；getsockopt(SO_MAX_MSG_SIZE) 报告这个上限
lab06-v6-unavailable = 这里用不了 ::1（{ $error }）

lab06-s5-title = 丢包 —— 一大批编了号的数据报，冲向一个又小又忙的接收方
lab06-s5-expected = UDP 丢掉一部分数据报（按序号：收到 + 丢失 = 发出）；TCP 一个不丢，发送方会等待
lab06-s5-setup =
    { $count } 个 { $payload } B 的数据报，编号 0..{ $last }，以最快速度发给一个
    SO_RCVBUF={ $rcvbuf } 的接收方，它在发送方发完之前一直在忙；之后才把排队的数据全部读出。
    同样的记录再经 TCP 发给一个先睡 { $pause } 毫秒的读取方。共运行 { $runs } 次。
lab06-s5-no-run = 一次丢包实验也没有运行
lab06-s5-one-run = 只运行了一次：用 --loss-runs 3 看丢包数是否每次一样
lab06-s5-same = { $runs } 次运行丢掉的序号完全相同：对这个缓冲区大小来说可以复现
lab06-s5-differ = 各次运行结果不同（丢失 { $counts }）：能放下多少，取决于共享机器上内核的时机；反复出现的是规律（前面一段收到，后面一段丢失）
lab06-s5-rcvbuf =
    内核报告 SO_RCVBUF={ $rcvbuf }（Linux 会把请求值翻倍，用于记账）；每个排队的数据报
    按它占用的整块缓冲区计费，而不只是 64 字节，所以放得下的不多。每次 sendto()
    都成功了；接收方的内核把其余的悄悄丢掉，不会告诉发送方。
lab06-s5-counted =
    不过内核会计数：Udp RcvbufErrors（/proc/net/snmp，也就是 `nstat` 和 `netstat -su`
    显示的那个）在这 { $runs } 次运行中增加了 { $n }，而这几次共丢了 { $lost } 个（这是全机计数：
    别的程序丢的包也会算进去，所以把它理解为“至少”）。
lab06-s5-uncounted = 这里读不到内核的丢包计数器（Linux：Udp RcvbufErrors）。
lab06-s5-tcp-waited =
    TCP 一个也没丢：缓冲区满了以后，流量控制让发送方等读取方
    （读取方睡了 { $pause } 毫秒，它的 sendall() 用了 { $ms } 毫秒）。
lab06-s5-tcp-fitted =
    TCP 一个也没丢。全部 { $bytes } B 都放进了这些 TCP 缓冲区，所以发送方不必等待
    （{ $ms } 毫秒）；如果空间更小，流量控制会让它阻塞，而不是丢数据。
lab06-s5-panel = 3. 丢包（第 5 步），UDP 第 1 次与 TCP（横轴：序号，一格 = 一个数据报）
lab06-s5-col-run = 次
lab06-s5-col-udp-sent = UDP 发出
lab06-s5-col-udp-received = UDP 收到（序号）
lab06-s5-col-udp-lost = UDP 丢失（序号）
lab06-s5-col-tcp-received = TCP 收到
lab06-s5-col-tcp-lost = TCP 丢失
lab06-s5-col-tcp-waited = TCP 发送方等了
lab06-s5-in-order = { $n }，按顺序
lab06-s5-identical = 各次相同
lab06-s5-runs-differ = 各次不同
lab06-s5-observed = UDP 每次发 { $count } 个，丢失 { $lost }（{ $repeat }）；TCP 丢失 { $tcp_lost }，读取方暂停 { $pause } 毫秒，发送方等了 { $waited } 毫秒
lab06-lane-sent-seq = 发出（序号）
lab06-lane-udp-received = UDP 收到
lab06-lane-udp-lost = UDP 丢失
lab06-lane-tcp-received = TCP 收到
lab06-unit-seq = 个数据报（按序号）

lab06-s6-title = 乱序和重复 —— 经过 `sticky proxy --udp`
lab06-s6-expected = 序号准确反映代理的丢弃和复制，以及它造成的乱序
lab06-s6-setup =
    回环接口从不乱序、也不重复，所以让 { $n } 个编号的数据报经过一跳真实的 UDP 中转：
    UDP 混沌代理（种子 { $seed }：丢弃 { $drop }%，复制 { $duplicate }%，乱序 { $reorder }%）。
lab06-s6-arrival = 到达顺序：{ $order }
lab06-s6-held =
    被扣住但没被超过的：{ $seqs }（代理放行它之前，它后面的数据报一个都还没到，
    所以它虽然晚到，顺序却没乱：单靠序号看不出“晚”）。
lab06-s6-why =
    TCP 会把这三种情况都藏起来：它给每个字节编号，重传丢失的，丢弃重复的，
    再把字节按顺序排好。在 UDP 上，应用程序必须自己给消息编号，才能发现这些问题。
lab06-s6-panel = 4. 混沌代理（第 6 步），种子 { $seed }（横轴：序号，一格 = 一个数据报）
lab06-s6-col-effect = 效果
lab06-s6-col-decided = 代理的决定（序号）
lab06-s6-col-shown = 接收方的序号显示
lab06-s6-dropped = 丢弃
lab06-s6-duplicated = 复制
lab06-s6-reordered = 乱序
lab06-s6-seq = 序号 { $seqs }
lab06-s6-missing = 缺少：{ $seqs }
lab06-s6-twice = 收到两次：{ $seqs }
lab06-s6-late = 晚于更大的序号：{ $seqs }
lab06-s6-observed = 缺少 { $lost }（代理丢弃 { $dropped }），收到两次 { $twice }（代理复制 { $duplicated }），晚到 { $late }（代理扣住 { $held }）

lab06-error-too-big = { $len } 字节的数据报对这里的 UDP 来说太大了（EMSGSIZE：“{ $error }”）；{ $family } 最多承载 { $limit } 字节，操作系统允许的可能更少（macOS 默认 9216）
lab06-error-no-reply = { $waited } 内没有收到 { $to } 的回复（UDP 分不清丢的是请求、回复，还是服务器根本不在）
lab06-error-sender-panicked = TCP 发送线程崩溃了
lab06-error-rate = '{ $value }' 不是一个速率：请给出每秒回复数，至少为 1
lab06-error-bind = 无法绑定 UDP { $addr }：{ $error }
lab06-error-socket = 无法打开 UDP 套接字：{ $error }
lab06-error-server = { $addr } 上的 UDP 服务器：{ $error }
lab06-note-reachable = 注意：正在 { $addr } 上监听，其他机器可能访问得到
lab06-client-truncated = 注意：回复被截断：线路上 { $wire } B，--bufsize { $bufsize } 只放得下 { $kept } B，丢弃了 { $discarded } B

lab06-echo-datagram = { $len } B，来自 { $from }：{ $preview }
lab06-echo-empty = （空数据报：一条真实的 0 字节消息）
lab06-echo-truncated = （被截断：线路上 { $wire } B，留下 { $kept } B，内核丢弃了 { $discarded } B）
lab06-echo-not-utf8 = （不是 UTF-8：按字节原样回复）
lab06-echo-held = （上一秒还有 { $n } 行没有显示）
lab06-echo-recv-error = recvfrom：{ $error }（已忽略，继续服务）
lab06-echo-from-itself = { $datagram }（来自本服务器自己的地址：不回复）
lab06-echo-over-rate = { $datagram }（超过了 { $peer } 的回复速率：不回复）
lab06-echo-no-thread = 无法启动回复线程：{ $error }

# sticky labs' "lesson" column
lab06-udp-vs-tcp-lesson = UDP 保留边界，但会丢数据
