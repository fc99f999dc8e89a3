# 实验 04 —— 固定 4 字节的长度报头：labs/lab04_struct_header.rs 和
# src/lessons/lab04_struct_header*。键和占位符与 locales/en/lab04.ftl 一一对应。

lab04-about = 实验 04：4 字节的长度报头，struct.pack('i', n)（种子 001 方案二，种子 002 §1.2）
lab04-examples =
    示例：
      lab04-struct-header demo                      # 完整演示，逐项检查
      lab04-struct-header server                    # 终端 1（127.0.0.1:8083）
      lab04-struct-header client --cmd help         # 终端 2
lab04-struct-header-cmd-demo-about = 演示报头怎样工作、只调一次 recv 在切割下出的错、字节序，以及各种上限
lab04-struct-header-cmd-demo-examples =
    示例：
      lab04-struct-header demo
      lab04-struct-header demo --seed 3
      lab04-struct-header demo --color never --svg docs/labs/img/lab04-struct-header.svg
      lab04-struct-header demo --json > report.json
      lab04-struct-header demo --lang zh            # 用中文演示
lab04-struct-header-cmd-server-about = 运行命令服务器（默认用内置命令，--exec shell 时用真正的 shell）
lab04-struct-header-cmd-server-examples =
    示例：
      lab04-struct-header server                       # 127.0.0.1:8083，请求也封装成帧，'i' 报头
      lab04-struct-header server --compat lesson       # 说种子 001/002 的 Python 客户端那套字节格式
      lab04-struct-header server --byte-order big      # 网络字节序，struct.pack('!I')
      lab04-struct-header server --max-frame 1048576 --idle-timeout 5
      lab04-struct-header server --memory-budget 1G      # 够放 8 个默认大小（64 MiB）的帧

    内存：超过 320 KiB 的请求帧，在读消息体之前先从 --memory-budget 里预留两倍于它的长度；每条命令运行时
    预留两倍的 --max-output；在 --request-deadline 的 90% 时间内找不到空间的，会被拒绝，并用一行错误说明各个大小。
    即使客户端从不读取，这个预算也守得住（有测试）；每个连接最多在预算之外再多用 2 MiB（见 docs/labs/lab04-struct-header.md）。
lab04-struct-header-cmd-client-about = 发送命令并打印回复（>>> 提示符、--cmd，或从标准输入管道读入）
lab04-struct-header-cmd-client-examples =
    示例：
      lab04-struct-header client
      lab04-struct-header client --cmd help --cmd 'bytes 100000'
      lab04-struct-header client --byte-order big      # 连网络字节序的服务器
      lab04-struct-header client --compat lesson --addr 127.0.0.1:8083   # 连种子 002 的 Python 服务器

lab04-title = 4 字节的长度报头，struct.pack('i', n)
lab04-yes = 是
lab04-no = 否
lab04-announced = 声称 { $n } B
lab04-accepted = 接受了
lab04-accepted-bytes = 接受了 { $n } B
lab04-struct-error-short = struct.error: unpack requires a buffer of 4 bytes（recv(4) 只返回了 { $n } 字节）
lab04-output-of = '{ $cmd }' 的输出（最多 --max-output，要放两份）

lab04-s1-title = 在回环地址上，报头 + 数据能正常工作
lab04-s1-expected = 每条回复都完整到达
lab04-s1-server-little = 服务器用一次写发出 struct.pack('i', len(data)) + data：本机是小端字节序，所以报头的 struct 格式是 '{ $format }'。
lab04-s1-server-big = 服务器用一次写发出 struct.pack('i', len(data)) + data：本机是大端字节序，所以报头的 struct 格式是 '{ $format }'。
lab04-s1-col-command = 命令
lab04-s1-col-header = 报头字节
lab04-s1-col-length = 长度
lab04-s1-col-received = 收到
lab04-s1-col-intact = 完整
lab04-s1-observed = 3 条回复中 { $n } 条完整

lab04-s2-title = 经过切割：一次 recv(4)、一次 recv(n)，对比读满循环
lab04-s2-expected = 一次 recv(n) 读不全（半包），下一个报头是从上一条没读完的消息体里读出来的；读满循环拿到每一个字节
lab04-s2-through = 经过 ChaosProxy：一段真实的 TCP 中转，把回复切成 1..=1500 字节的片段，每段间隔 1 毫秒（种子 { $seed }：从 --seed { $from } 开始，第一个让命令保持完整的种子）。种子 001 的客户端：
lab04-s2-first = '{ $cmd }'：recv(4) = { $header } → 声称 { $want } B；recv({ $want }) 只返回了 { $got } B
lab04-s2-next = 接着 'ls'：recv(4) = { $header }（"{ $text }"，上一条回复剩下的）→ { $claim }
lab04-s2-loops = 读满循环，同一个种子、同样的切法：'{ $cmd }' { $bytes } B，用了 { $reads } 次读，然后 'ls' { $next } B —— 两条都完整：{ $intact ->
        [true] 是
       *[other] 否
    }
lab04-s2-panel = 第 2 步：种子 001 的客户端经过 ChaosProxy（种子 { $seed }）
lab04-lane-server-header-data = 服务器：报头 | 数据
lab04-lane-lesson-recvs = 课上：recv(4)、recv(n)
lab04-lane-fix = 修正：读满
lab04-s2-observed = recv({ $want }) 只读到 { $got } B；下一次 recv(4) 读到 "{ $text }"（{ $claim }）；读满循环把两条回复都完整交付了

lab04-s3-title = 字节序：小端的报头被当成大端来读
lab04-s3-expected = 字节序颠倒的报头声称一个荒唐的长度，被一条清楚的错误拒绝
lab04-s3-packs = 服务器按 '{ $format }' 打包；一个按 '!I'（网络字节序）解包的客户端读到的是同样的 4 个字节：
lab04-s3-header = 报头 { $header } → 按小端是 { $little } B，按大端是 { $big } B（{ $gib } GiB）
lab04-s3-refuses = 按大端读的客户端拒绝了它：{ $msg }
lab04-s3-hint = 并说明可能的原因：{ $hint }
lab04-s3-observed = { $little } B 变成了 { $big } B；被拒绝：{ $msg }

lab04-s4-title = 'i' 的上限：最大长度是 2^31 − 1
lab04-s4-expected = 2^31 − 1 能打包，2^31 像 Python 的 struct.error 一样被拒绝，'!I' 能到 2^32 − 1
lab04-s4-encoding-only = 只做编码 —— 不会真的分配这么大的内存：
lab04-s4-col-length = 长度
lab04-s4-col-format = 格式
lab04-s4-col-header = 报头
lab04-s4-col-result = 结果
lab04-s4-packed = 打包成功
lab04-s4-refused = 拒绝：放不下
lab04-s4-ours-says = 我们的程序说：{ $error }
lab04-s4-python-says = Python 说：     struct.error: 'i' format requires -2147483648 <= number <= 2147483647
lab04-s4-observed = 2^31 被拒绝：{ $error }

lab04-s5-title = 帧长上限：任何报头都不能让任何一方分配几个 GB 的内存
lab04-s5-expected = 服务器立刻拒绝 2 GiB 的报头并继续服务；客户端拒绝超过自己上限的回复
lab04-s5-sends = 一个客户端只发报头 { $header }（声称 2^31 − 1 = 2 GiB），服务器用默认的 { $mib } MiB 上限：
lab04-s5-server = 服务器：{ $line }（{ $ms } 毫秒后关闭了这个连接，没有读取也没有分配消息体）
lab04-s5-next = 下一个客户端的 'ls' 照常得到服务：{ $bytes } B
lab04-s5-client = 客户端这边：用 --max-frame 65536 时，100000 字节的回复被拒绝：{ $msg }
lab04-s5-observed = 服务器：{ $line }；客户端：{ $msg }

lab04-s6-title = 种子 002 读消息体的循环，剩多少都用 recv(1024) 去要
lab04-s6-expected = 下一条回复已经在排队时，这个循环会读过消息体的结尾，读进下一个报头（粘包）；min(1024, 剩余) 正好停在边界上
lab04-s6-loop =
    种子 002 §1.2 的客户端这样读消息体：`while recv_size < total_size: recv_data = client.recv(1024)`。
    服务器回答两条流水线发出的命令，两条回复紧挨着发出（先 '{ $first }'，再 '{ $second }'）；客户端读的时候，两条都已经在排队：
lab04-s6-lesson = 课上：  total_size = { $total }；{ $recvs } 次 recv(1024) → recv_size = { $took }：多拿了下一条回复的 { $over } B，连它的报头一起
lab04-s6-next = 下一次 recv(4) 读到 { $header }（"{ $text }"）→ { $claim }
lab04-s6-fix = 修正：  recv(min(1024, total_size − recv_size)) → { $bytes } B，然后 '{ $second }' { $claim } —— 两条都完整：{ $intact ->
        [true] 是
       *[other] 否
    }
lab04-s6-observed = 循环为 { $total } 字节的消息体读了 { $took } B（多了 { $over } B）；下一个报头读到 "{ $text }"；min(1024, 剩余) 把两条回复都完整读到了

lab04-s7-title = recv() 返回 b'' 就是结束：服务器在消息体中途挂了
lab04-s7-expected = 课上的循环在空的 recv() 上空转（100 毫秒里上千次）；修正在第一次就停下，并说出缺了多少字节
lab04-s7-dies =
    服务器声称 { $total } B，只发了 { $sent } 就挂了（关闭连接）。之后 recv() 每次都立刻返回 b''：recv(2) 说"当对端有序关闭时，返回值为 0"。
    课上的循环把 len(b'') = 0 加上去，接着再要。给它 { $ms } 毫秒：
lab04-s7-lesson = 课上：  { $recvs } 次 recv() 调用，其中 { $empty } 次返回 b''；recv_size 卡在 { $total } 中的 { $got }{ $still }
lab04-s7-still-looping = { " " }—— 演示把它停下时还在循环
lab04-s7-fix = 修正：  在第一个 b'' 处停下：{ $fixed }
lab04-s7-observed = { $ms } 毫秒里 { $empty } 次空的 recv()，循环永不结束；修正：{ $fixed }

lab04-s8-title = MSG_WAITALL：一次 recv() 调用就读满 —— 仍然要检查
lab04-s8-expected = 一次 recv(n) 读不全的地方，recv(n, MSG_WAITALL) 返回整条回复（如果某个套接字层不等，它返回的短计数也会被查出来）；服务器在消息体中途关闭时，它返回的也会不足
lab04-s8-waitall =
    recv(n, MSG_WAITALL) 要求内核等到 n 个字节都到了才返回：一次调用完成读满，Linux、macOS 和 Windows（自 Vista 起）都支持。
    经过第 2 步的混沌代理（种子 { $seed }），'{ $cmd }'：
lab04-s8-one = 一次 recv({ $want })：             { $got } B
lab04-s8-waitall-got = 一次 recv({ $want }, MSG_WAITALL)：{ $got } B，完整：{ $intact ->
        [true] 是
       *[other] 否
    }
lab04-s8-not-waited = 这里 MSG_WAITALL 没有等：{ $want } B 中只回来了 { $got } B，而连接并没有关闭。这个套接字层返回的是已经到达的数据（在 Wine 下见过）；计数检查把它查出来了。
lab04-s8-short = 它仍然可能返回不足 —— 遇到信号、错误、超时或 EOF 时（recv(2)）。一个声称 { $total } B、只发 { $sent } 就关闭的服务器：
lab04-s8-on-close = 一次 recv({ $total }, MSG_WAITALL)：{ $got } B —— 所以仍然要像循环那样检查计数
lab04-s8-observed = 一次 recv(n) 读到 { $want } B 中的 { $one } B；用 MSG_WAITALL 读到 { $all } B；消息体中途关闭时，MSG_WAITALL 返回 { $total } B 中的 { $got } B

# sticky labs' "lesson" column
lab04-struct-header-lesson = 4 字节 struct 报头
