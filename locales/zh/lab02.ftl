# 实验 02 —— Nagle 算法和 40 毫秒的停顿：labs/lab02_nagle.rs 和
# src/lessons/lab02_nagle*。每个实验一个文件，译者之间互不干扰。
# 术语见 docs/glossary.md：Nagle 算法、延迟确认、报文段、粘包、拆包。

lab02-about = 实验 02：Nagle 算法会把多次小写入合并成一个报文段，还会让"写-写-读"卡住；用内核自己的计数器来证明
lab02-examples =
    示例：
      lab02-nagle demo                                   # 完整演示，全部走本机回环
      lab02-nagle server                                 # 终端 1（127.0.0.1:9502）
      lab02-nagle client --nodelay off --writes 100      # 终端 2：数一数发出了几个报文段
      lab02-nagle client --pattern stall --rounds 20     # 40 毫秒的停顿
      sudo scripts/two-hosts.sh up                       # 一条真正的 1500 字节链路（见实验讲义）
lab02-nagle-cmd-demo-about = 收发两端在同一个进程里，走本机回环：合并小写入、停顿、读得慢的接收方。
lab02-nagle-cmd-demo-examples =
    示例：
      lab02-nagle demo
      lab02-nagle demo --color never --svg nagle.svg     # 同时写出 nagle-stall.svg
      lab02-nagle demo --json > report.json              # 讲解输出到 stderr
      lab02-nagle demo --writes 200 --size 5 --rounds 10
      lab02-nagle demo --lang en                         # 同一个演示，用英文

    演示运行时可以自己看报文段（另开一个终端，用 root）：
      tcpdump -i lo -n 'tcp and greater 60'
lab02-nagle-cmd-server-about = 接收一串小写入（也应答停顿实验的每一轮），打印每次 recv() 收到了多少。
lab02-nagle-cmd-server-examples =
    示例：
      # 终端 1
      lab02-nagle server
      # 终端 2：先开着 Nagle（默认），再关掉
      lab02-nagle client --nodelay off --writes 100 --size 10
      lab02-nagle client --nodelay on  --writes 100 --size 10

      # 读得慢的接收方会把所有数据一次读走，不管发送方怎么发
      lab02-nagle server --read-delay-ms 200

      # 走一条真正的 1500 字节链路（用 root）：见 scripts/two-hosts.sh
      ip netns exec sticky-a lab02-nagle server --addr 10.77.2.1:9502
lab02-nagle-cmd-client-about = 连续做多次小写入（或者"写-写-读"若干轮），然后打印内核的计数器。
lab02-nagle-cmd-client-examples =
    示例：
      lab02-nagle client --nodelay off --writes 100 --size 10
      lab02-nagle client --nodelay on  --writes 100 --size 10 --gap-us 200
      lab02-nagle client --pattern stall --nodelay off --rounds 20
      lab02-nagle client --pattern stall --nodelay off --message-writes one
      lab02-nagle client --json --writes 20 --size 10000    # 机器可读

lab02-title = Nagle 算法：被合并的小写入，和 40 毫秒的停顿
lab02-error-demo-counts = --writes、--size 和 --rounds 都至少要为 1

## 各种发送方式在表格、面板和图里的名字。
lab02-sender-nagle = 开 Nagle（默认）
lab02-sender-nodelay = TCP_NODELAY
lab02-sender-spaced = TCP_NODELAY，每次写入间隔 200 µs
lab02-sender-quick = 开 Nagle，接收方不回话
lab02-sender-nodelay-nagle-off = TCP_NODELAY（关 Nagle）
lab02-nagle-on = 开 Nagle
lab02-run-split = 开 Nagle，写 2 次
lab02-run-nodelay = TCP_NODELAY，写 2 次
lab02-run-one = 开 Nagle，写 1 次
lab02-writes-split = 报头和正文分 2 次写
lab02-writes-one = 整条消息 1 次写完
lab02-sender-and-writes = { $sender }，{ $writes }

## 表头和行名。
lab02-col-sender = 发送方
lab02-col-writes = 写入次数
lab02-col-bytes = 字节数
lab02-col-write-loop = 写循环用时
lab02-col-data-segments = 数据报文段（内核计数）
lab02-col-recv-calls = recv 次数
lab02-col-recv-sizes = 每次 recv 的大小
lab02-col-segments-sent = 发出的报文段
lab02-col-segments-received = 收到的报文段
lab02-col-segments-per-write = 每次写入的报文段
lab02-col-silent-late = 接收方不回话，{ $ms } 毫秒后才读
lab02-col-value = 值
lab02-row-median = 往返时间中位数
lab02-row-worst = 最慢的一次往返
lab02-row-all-n = 全部 { $n } 条消息
lab02-row-all = 全部消息
lab02-row-messages = 消息数
lab02-row-segments-sent = 发出的数据报文段
lab02-row-ato = 接收方的确认定时器（tcpi_ato）
lab02-row-gap = 两次写入的间隔
lab02-row-data-segs-out = 发出的数据报文段（tcpi_data_segs_out）
lab02-row-mss = 发送方的 MSS（tcpi_snd_mss）
lab02-row-data-segs-in = 收到的数据报文段（tcpi_data_segs_in）
lab02-row-server-recv-calls = 服务器的 recv() 次数
lab02-client-note = 注意：{ $note }；改用服务器的 recv() 次数作证据
lab02-write-calls = { $n } 次 write()：{ $sizes }

## 图。
lab02-lane-client-write = 客户端 write()
lab02-lane-server-recv = 服务器 recv()
lab02-panel-burst = { $name }：{ $writes } 次 { $size } B 的 write() → { $segments } 个数据报文段 → { $calls } 次 recv()
lab02-panel-slow = 读得慢的接收方：TCP_NODELAY，发出 { $segments } 个报文段，{ $calls } 次 recv()
lab02-timeline-title = { $lab } —— { $n } 轮"写-写-读"往返，画在同一条时间轴上
lab02-timeline-subtitle = 每个方框是一条消息：从发出报头和正文，到收到 2 字节的回复
lab02-timeline-lane = { $name }：中位数 { $median }

## 第 1 步：合并小写入。
lab02-s1-title = 合并：连续多次小写入，开 Nagle 对比 TCP_NODELAY
lab02-s1-expected = 开 Nagle 时，发出的报文段比写入次数少，也比 TCP_NODELAY 少
lab02-s1-expected-no-tcp-info = 开 Nagle 时，接收方需要的 recv() 次数更少
lab02-s1-intro =
    { $writes } 次写入，每次 { $size } 字节：发送方在一个紧凑的循环里连续调用 write()。
    Linux 的 TCP_INFO 会数出内核真正发出了几个数据报文段（tcpi_data_segs_out）；
    接收方则数自己调用了几次 recv()。
lab02-autocorking-on = 1（autocorking 开着）
lab02-autocorking-off = 0（autocorking 关着）
lab02-autocorking-unreadable = 这台机器上读不到
lab02-median-of-3 = （每一行都是 3 次试验的中位数；"数据报文段"一列来自内核）
lab02-s1-observed = 开 Nagle：{ $writes } 次写入只发出 { $on } 个报文段；TCP_NODELAY：{ $off } 个报文段（内核 TCP_INFO）
lab02-s1-observed-no-tcp-info = 这里没有 TCP_INFO —— 看接收方：开 Nagle 需要 { $on } 次 recv()，TCP_NODELAY 需要 { $off } 次
lab02-s1-why =
    Nagle 算法的规则：只要前面还有一个报文段没被确认，新的小报文段就不许发出去；
    这期间写入的数据只能排队，等 ACK 回来后一起发（最晚也会跟着发送方关闭时的 FIN 一起走）。
    所以报文段的个数取决于 ACK 回来得有多快：我们的接收方刚刚回复过 hello，
    于是它会推迟确认（延迟确认），第一次写入之后的所有数据都得等。
    还没回过话的接收方（最后一行）会立刻确认，但只有 16 次（Linux 的快速确认额度，见第 4 步），
    而且它每读一次也可能自己发一个 ACK：读得晚时大约 17 个报文段，读得跟得上时最多每次写入一个报文段，
    所以这一行每次运行都会变。
    TCP_NODELAY 在 Linux 上也可能合并一部分：autocorking 会在上一个包还留在网卡设备队列里时，
    先扣住新的小写入，再一起发出去（合并多少取决于时机，所以这个数每次运行都会变）。
    有间隔的写入（第三行）每次都碰上空队列，所以各走各的。
    接收方一边读、报文段一边到，也可能一次 recv() 拿到两个或更多：见第 3 步。
lab02-s1-wire-intro = 线路上（抓包结果，每种发送方取中位数那次试验，不算 hello）：
lab02-s1-wire = { $mark } { $name }：抓包里有 { $n } 个数据报文段{ $sizes }；TCP_INFO 数的是 { $counted }
lab02-s1-wire-sizes = （大小 { $sizes } B）

## 第 2 步：停顿。
lab02-s2-title = 停顿：write(报头)、write(正文)，然后等回复
lab02-s2-expected = 开 Nagle 时往返时间的中位数，至少是 TCP_NODELAY 和"一次写完"的 10 倍
lab02-s2-intro =
    { $rounds } 条消息，每条是 4 字节的报头（struct.pack('i', 16)）加 16 字节的正文，
    每条都要等一个 2 字节的回复。有三种发法：
lab02-s2-sends = lesson_send（课上的写法）：{ $lesson }；send_whole（修正后的写法）：{ $fix }。
lab02-s2-why =
    为什么是 40 毫秒：接收方推迟发送 ACK（Linux 上至少 40 毫秒，就是上表的 tcpi_ato），
    希望把它捎带在回复里。可正文没到，它就没法回复 —— 而报头还没被确认时，Nagle 算法又不肯发出小小的正文。
    双方互相等，直到延迟确认的定时器到点为止。
    TCP_NODELAY 不管这些，照样把正文发出去；每条消息一次写完，在这种一问一答的交互里
    就不会有小数据落在未确认的报文段后面，所以即使开着 Nagle 也很快。
    正确的做法是两样都做：先拼好整条消息再一次写出（包更少，这里也不会停顿），
    在在意延迟的地方再打开 TCP_NODELAY —— 单向连续发送的小消息仍然可能要等 ACK（讲义里说了什么时候会这样）。
lab02-s2-kernel =
    内核自己的计数（/proc/net/netstat，也就是 `nstat` 显示的内容）：延迟确认定时器每触发一次，
    TcpExtDelayedACKs 就加 1。这些计数器是全机共享的，别的程序的延迟确认也会算进来：
    请把它们读作"至少"。
lab02-dack-unreadable = { $name }：这里读不到内核的计数器
lab02-dack-line = { $name }：TcpExtDelayedACKs +{ $n }（{ $extra }）；{ $rounds } 次往返中有 { $stalls } 次用了 ≥ { $ms } 毫秒
lab02-s2-wire-agrees = ✓ 每次运行，抓包里的数据报文段个数 = TCP_INFO 的计数
lab02-s2-wire-differs = ✗ 抓包里的数据报文段个数和 TCP_INFO 的计数不一样（漏抓了包？）
lab02-s2-wire =
    线路上（抓包结果）：{ $counted }。开 Nagle、写 2 次时，{ $n } 个数据报文段中有 { $slow } 个
    等了 ≥ { $ms } 毫秒才被确认，中位数 { $median }。TCP_NODELAY 时最长的确认等待：
    { $nodelay }；一次写完时：{ $one }。
lab02-s2-wire-none = 线路上：{ $why }
lab02-s2-svg-written = 停顿时间线已写入 { $path }
lab02-s2-svg-failed = 无法写入 { $path }：{ $error }
lab02-s2-observed = 开 Nagle、写 2 次的中位数是 { $split }，而 TCP_NODELAY 是 { $nodelay }，一次写完是 { $one }：慢了 { $ratio } 倍

## 第 3 步：读得慢的接收方。
lab02-s3-title = 接收端的合并是另一回事：读得慢的接收方
lab02-s3-expected = 即使开了 TCP_NODELAY，recv() 的次数也比发出的报文段少
lab02-s3-intro = 同样 { $writes } 次写入，开着 TCP_NODELAY，但接收方在第一次 recv() 之前先睡 200 毫秒。
lab02-s3-why =
    报文段是一个一个分开到达的，都在接收方的套接字缓冲区里等着；
    一次 recv() 就把那里的全部数据拿走了。发送方的任何选项都挡不住这一点：只有给消息分帧（拆包）才行。
lab02-s3-observed = 发出 { $sent } 个报文段，收到 { $received } 个，然后 { $calls } 次 recv() 就拿走了全部 { $bytes } 字节
lab02-s3-observed-no-tcp-info = { $writes } 次写入，{ $calls } 次 recv()（这里没有 TCP_INFO）

## 第 4 步：快速确认的额度。
lab02-s4-title = 快速确认的额度：接收方不回话，写入多 4 倍，报文段却不会多 4 倍
lab02-s4-expected = 报文段比写入次数少，而且写入多 4 倍，报文段还不到 2 倍
lab02-s4-expected-elsewhere = 两串写入的每个字节都送到了
lab02-s4-intro =
    开 Nagle，先 { $writes } 次、再 { $writes4 } 次写入，每次 { $size } 字节，发给一个什么都没发过的接收方
    （不回 `go`），它要等 { $ms } 毫秒后才读，所以这期间它的程序不会因为读数据而发出 ACK。
lab02-s4-why =
    （每一行都是 3 次试验的中位数；"数据报文段"一列来自内核）
    连接上第一次来数据时，接收方进入快速确认模式，但 Linux 最多只给
    { $max } 次快速确认（TCP_MAX_QUICKACKS；见 net/ipv4/tcp_input.c 里的 tcp_incr_quickack；
    每发一个 ACK 用掉一次，tcp_dec_quickack_mode）。一次用在了 hello 上；其余每一次都放行
    Nagle 扣住的那一个报文段；额度用完后，接收方又开始延迟确认（40 毫秒或更久），
    剩下的写入就跟着 FIN 一起发出。所以报文段大约是 1 + { $others } + 1 个，
    跟写入次数无关：这是一个额度，不是每次写入一个报文段。
    （这里没有设置 TCP_QUICKACK 套接字选项；tcp(7) 也说它不是永久生效的。）
lab02-s4-observed = { $a } 次写入：{ $sa } 个报文段；{ $b } 次写入：{ $sb } 个报文段（内核 TCP_INFO）
lab02-s4-observed-elsewhere = { $sa } 个和 { $sb } 个报文段（能数到的话），每个字节都送到了；16 次快速确认的额度是 Linux 特有的，这里不检查

## 第 5 步：结论。
lab02-s5-title = 结论
lab02-s5-expected = 合并和停顿都看到了
lab02-evidence-kernel = 报文段个数来自内核计数器（TCP_INFO 的 tcpi_data_segs_out）
lab02-evidence-recv = 接收方的 recv() 次数（这个平台没有 TCP_INFO 计数器）
lab02-s5-evidence = 证据：{ $source }；停顿则看实际测到的往返时间。
lab02-s5-observed = 合并{ $coalescing }，停顿{ $stall }
lab02-seen = 看到了
lab02-not-seen = 没有看到

## server 和 client 命令。
lab02-error-bufsize = --bufsize 至少要为 1
lab02-error-listen = 无法在 { $addr } 上监听：{ $error }
lab02-error-server-stopped = 服务器停止了：{ $error }
lab02-error-writes-size = --writes 和 --size 都至少要为 1
lab02-error-burst-too-big = --writes × --size 超过了 1 GiB；请把这串写入改小一点
lab02-error-burst-failed = 向 { $addr } 连续写入失败：{ $error }
lab02-error-rounds = --rounds 至少要为 1
lab02-error-stall-failed = 与 { $addr } 的停顿实验失败：{ $error }
lab02-log-burst = 一串写入：{ $calls } 次 recv() 收到 { $bytes } 字节（内核：收到 { $segments } 个数据报文段）；每次大小：{ $sizes }
lab02-log-stall = 停顿实验：应答了 { $rounds } 条消息；延迟确认定时器（tcpi_ato）{ $ato }

## 一次实验 02 对话里可能出的错。
lab02-error-bad-hello = 不认识的 hello { $got }：应当是 "burst\n" 或 "stall\n"
lab02-error-unexpected = 服务器应当发来 { $expected }，实际收到 { $got }
lab02-error-bad-summary = 服务器发回的汇总无效：{ $error }
lab02-error-short-tcp-info = TCP_INFO 只返回了 { $got } 字节，装不下 tcpi_data_segs_out（需要 { $need } 字节）
lab02-error-hello-unacked = hello 一直没有被确认
lab02-error-server-never-finished = 服务器始终没有完成
lab02-error-no-tcp-info = 这个平台上没有 TCP_INFO（Linux）和 TCP_CONNECTION_INFO（macOS）

# sticky labs' "lesson" column
lab02-nagle-lesson = Nagle 算法把小块发送粘在一起
