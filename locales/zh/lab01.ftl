# 实验 01 —— 只调一次 recv(1024) 的毛病：labs/lab01_naive_recv.rs 和
# src/lessons/lab01_naive_recv*。每个实验一个文件，译者之间互不干扰。
# 术语见 docs/glossary.md：粘包、半包、拆包、消息边界、接收缓冲区。

lab01-naive-recv-lesson = recv(1024) 把回复切开、又粘在一起
lab01-about = 实验 01：只调一次 recv(1024) 的毛病 —— 回复被截断（半包）、命令粘在一起（粘包）、中文变乱码
lab01-examples =
    示例：
      lab01-naive-recv demo                       # 完整演示，每一步都做检查
      lab01-naive-recv demo --seed 3 --svg t.svg  # 换一种代理切法，并画出时间线图
      lab01-naive-recv server                     # 终端 1（127.0.0.1:9527）
      lab01-naive-recv client                     # 终端 2：先输入 help，再输入 ls
lab01-naive-recv-cmd-demo-about = 用真实的套接字一步步演示这个毛病；只有每一步都看到了，才以 0 退出。
lab01-naive-recv-cmd-demo-examples =
    示例：
      lab01-naive-recv demo
      lab01-naive-recv demo --step               # 每一步之前暂停（适合课堂演示）
      lab01-naive-recv demo --seed 42            # 代理换个地方切，可重现
      lab01-naive-recv demo --json > report.json # 机器可读的报告，讲解输出到 stderr
      lab01-naive-recv demo --svg timeline.svg   # 把写入和读取画成图
      lab01-naive-recv demo --lang en            # 同一个演示，用英文
lab01-naive-recv-cmd-server-about = 课上的服务器：一次 recv(1024) 读到的就当作一条命令，把命令的原始输出直接发回去。
lab01-naive-recv-cmd-server-examples =
    示例：
      lab01-naive-recv server                         # 127.0.0.1:9527，使用内置命令
      lab01-naive-recv server --addr 127.0.0.1:0      # 任选一个空闲端口（在 stderr 上打印出来）
      lab01-naive-recv server --encoding gbk          # 像中文 Windows 上的服务器那样用 GBK 回复
      lab01-naive-recv server --exec shell            # 执行真正的 shell 命令，只允许本机回环地址
      lab01-naive-recv server --timeout 2 --max-output 65536
lab01-naive-recv-cmd-client-about = 课上的客户端：每条命令 send 一次，每个回复只 recv(--bufsize) 一次。
lab01-naive-recv-cmd-client-examples =
    示例：
      lab01-naive-recv client                            # 出现 >>> 提示符；先试 help，再试 ls
      lab01-naive-recv client --cmd help --cmd ls        # 用脚本重现回复错位
      lab01-naive-recv client --cmd help --show-chunks   # 看每次 recv 读到多少字节
      lab01-naive-recv client --bufsize 204800000        # 种子 000 里那个“更大的缓冲区”
      lab01-naive-recv client --encoding gbk             # 像课上的客户端那样按 GBK 解码
      echo zh | lab01-naive-recv client --addr 127.0.0.1:9600

lab01-title = 只调一次 recv(1024) 的毛病（种子 002 §1.1）
lab01-setup-failed = 无法启动演示用的服务器：{ $error }
lab01-setup =
    服务器在 { $addr } 上运行（就在本进程里，用的是真实的回环套接字），执行内置命令，
    把输出原样发回去，不加任何边界。客户端每发一条命令，只调用一次 recv(1024)。

lab01-lane-server-send = 服务器 send()
lab01-lane-server-recv = 服务器 recv(1024)
lab01-lane-client-send = 客户端 send()
lab01-lane-client-recv = 客户端 recv(1024)
lab01-lane-client-recv-n = 客户端 recv({ $n })
lab01-lane-client-recv-big = 客户端 recv(204800000)
lab01-lane-client-recv-big-short = 客户端 recv(大缓冲区)
lab01-lane-proxy-pieces = 代理切出的片段
lab01-ledger = 账本：{ $ledger }
lab01-intact = 完整
lab01-wrong = 不对
lab01-exact = 完全一致
lab01-garbled = 乱码
lab01-clean = 正常

lab01-s1-title = 短命令一切正常
lab01-s1-expected = 一次 recv(1024) 恰好读到整条回复
lab01-s1-client = 客户端：send(b'ls')；data = recv(1024)
lab01-s1-panel = 1. ls：发一次，收一次
lab01-s1-observed = 服务器发出 { $sent } B，一次 recv 收到 { $got } B —— { $ledger }

lab01-s2-title = 长回复被截断（半包），剩下的部分跑到了下一条回复的开头
lab01-s2-expected = help 在 1024 处被截断；ls 的回复以 help 的尾巴开头；一直读到连接关闭，help 才完整
lab01-s2-client-help = 客户端：send(b'help')；recv(1024)  —— 服务器发出了 { $n } B
lab01-s2-client-ls = 客户端：send(b'ls')；  recv(1024)
lab01-s2-printed =
    课上的客户端为 `ls` 打印出来的内容，开头却是 help 的尾巴：
      { $text }
lab01-s2-panel = 2. 先 help（超过 1024 字节）再 ls：回复错位
lab01-s2-wire =
    线路上（抓包结果）：两条回复（共 { $total } B）分成 { $n } 个报文段到达客户端：
    { $segments }；客户端的 recv(1024) 依次返回 { $reads }。{ $conclusion }
lab01-s2-wire-agrees = ✓ 1024 处的那一刀是 recv() 切的，不是网络切的。
lab01-s2-wire-missed = ✗ 抓包漏掉了一部分（机器太忙？），无法下结论。
lab01-s2-wire-none = 线路上：{ $why }
lab01-s2-until-close =
    不会错位的读法（recv_until_close）：新建一个连接，send(b'help')，
    shutdown(SHUT_WR)，然后反复 recv(1024) 直到服务器关闭连接：共 { $reads } 次读取，{ $bytes } B，{ $whole }。
    真正的解决办法是保持连接，并在每条回复前先发它的长度（实验 04），这样接收方才能正确拆包。
lab01-s2-whole-help = 正是完整的 help
lab01-s2-not-help = 并不是 help
lab01-s2-observed = help（{ $help } B）在 { $cut } 处被截断；`ls` 那次 recv 收到 { $second } B，其中前 { $tail } B 是 help 的尾巴；读到连接关闭：{ $whole } B，{ $verdict }

lab01-s3-title = 两条紧挨着的命令粘在了一起（粘包）：ls + dir → lsdir
lab01-s3-expected = 服务器的一次 recv(1024) 读到 b'lsdir'
lab01-s3-client = 客户端：send(b'ls')；send(b'dir')   —— 两次调用，已打开 TCP_NODELAY
lab01-s3-busy = 服务器正忙（还没来得及调用 recv），两条命令都落进了它的接收缓冲区。
lab01-s3-ran = 服务器执行了 { $request }，回复 { $answer }
lab01-s3-why =
    并不是网络把它们合并的：接收缓冲区里同时放着这两条，一次 recv(1024)
    就把缓冲区里的全部取走了（种子 004：接收方没能及时把数据取走）。
lab01-s3-panel = 3. send(ls)、send(dir) → 一次 recv：lsdir
lab01-s3-observed = 2 次 send（2 B、3 B）→ 1 次 recv 收到 { $n } B：{ $request }

lab01-s4-title = 把缓冲区加大到 recv(204800000)，只是把毛病藏起来了
lab01-s4-expected = 在本机回环上完好，经过一个真实的混沌代理就又坏了
lab01-s4-loopback = 在本机回环上，用 recv(204800000) 读 { $cmds }：{ $ledger }
lab01-s4-proxy =
    现在经过 { $addr } 上的 `ChaosProxy`（种子 { $seed }，每片 1..=256 B，间隔 25 毫秒）——
    这是一个真实的 TCP 中转，它故意切得比真实网络细得多（真实路径按 MSS、窗口和时机切分，
    不会切成 1–256 B 的小片）：
lab01-s4-numbers =
    {"  "}代理切出的片段（种子 { $seed }）：{ $pieces }
    {"  "}客户端每次 recv 的大小：{ $reads }
    {"  "}服务器收到的命令 { $requests }，发出的回复长度 { $replies } B
    {"  "}账本：{ $ledger }
lab01-s4-printed = 天真的客户端把 { $n } B 当成了 help 的回复，把 { $second } 当成了 ls 的回复。
lab01-s4-panel = 4. 经过 ChaosProxy 的 recv(204800000)，种子 { $seed }
lab01-s4-commands-cut = 连命令也被切开了 —— 服务器收到的是 { $requests }
lab01-s4-help-cut = help 的第一次 recv 只拿到 { $total } B 中的 { $first } B，2 条回复中有 { $damaged } 条受损
lab01-s4-observed = 本机回环：{ $n } 条中 { $intact } 条完整；经过代理（种子 { $seed }）：{ $hop }

lab01-s5-title = 多字节字符在分块边界处被切开，以及把 GBK 当成 UTF-8 来读
lab01-s5-expected = 每块单独解码会出乱码，StreamDecoder 不会；GBK 当 UTF-8 读会出乱码
lab01-s5-client = 客户端：send(b'zh')；然后反复 recv({ $small })，直到 { $n } B 全部收齐
lab01-s5-col-decoding = 解码方式
lab01-s5-col-text = 文本
lab01-s5-each = 每次 recv 单独解码
lab01-s5-gbk = server --encoding gbk 把 zh 的输出编码成 { $gbk } B 发出（UTF-8 需要 { $utf8 } B）：
lab01-s5-console =
    中文 Windows 控制台（代码页 936，`chcp` 显示 936）把原始字节当 GBK 显示，
    所以这段 UTF-8 回复原样显示在那里会变成：{ $text }
lab01-s5-console-why =
    Python 的 print() 和本程序都通过控制台的 Unicode 接口输出，两种情况都能正确显示“粘包”；
    只有原始字节（`type reply.txt`、重定向到文件）才会碰上代码页 936。
lab01-s5-observed = recv({ $small }) 的大小 { $sizes }：逐块解码有 { $garbled } 块出现乱码，StreamDecoder { $streamed }；GBK 当 UTF-8 读：{ $as_utf8 }，当 GBK 读：{ $as_gbk }

lab01-missing-reply = 服务器的回复
lab01-missing-commands = 那两条命令
lab01-missing-zh-rest = zh 剩下的部分
lab01-error-missing = { $what }一直没有到达
lab01-error-recv = 接收命令失败：{ $error }
lab01-error-idle = 客户端太久没有发送任何数据，连接已关闭
lab01-error-client-gone = 回复“{ $command }”时客户端中途离开：{ $total } 字节中已发出 { $sent } 字节（{ $error }）
lab01-log-not-utf8 = “{ $command }”不是 UTF-8：已告诉客户端（{ $n } B）
lab01-log-timeout = 超时被终止
lab01-log-unknown = 未知命令
lab01-log-ok = 成功
lab01-log-exit = 退出码 { $code }
lab01-log-cut = ，在输出上限处被截断
lab01-log-line = “{ $command }” → { $n } B（{ $what }{ $cut }）
lab01-no-local-addr = 无法读取监听地址：{ $error }
lab01-server-failed = { $addr } 上的服务器：{ $error }
lab01-bufsize-zero = --bufsize 至少要为 1
lab01-no-reply = （“{ $command }”在 { $seconds } 秒内没有回复：没有输出的命令什么也不发，而一次 recv() 分不清“空回复”和“慢回复”）
lab01-talk-failed = 与 { $addr } 通信失败：{ $error }
lab01-closed = { $addr } 关闭了连接
