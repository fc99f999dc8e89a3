# 实验 03 —— 先用文本发长度，等一个 ok，再发数据：labs/lab03_length_ack.rs
# 和 src/lessons/lab03_length_ack*。键和占位符与 locales/en/lab03.ftl 一一对应。

lab03-about = 实验 03：先把长度当文本发过去，等对方回 "ok"，再发数据（种子 001，方案一）
lab03-examples =
    示例：
      lab03-length-ack demo                         # 完整演示，逐项检查
      lab03-length-ack server                       # 终端 1（127.0.0.1:8001）
      lab03-length-ack client --cmd help            # 终端 2
lab03-length-ack-cmd-demo-about = 演示这个方案：平时能用，遇到切割就出错，怎样修好，以及那个 ok 要付出什么代价
lab03-length-ack-cmd-demo-examples =
    示例：
      lab03-length-ack demo
      lab03-length-ack demo --seed 3 --rtt-ms 100
      lab03-length-ack demo --color never --svg docs/labs/img/lab03-length-ack.svg
      lab03-length-ack demo --json > report.json
      lab03-length-ack demo --lang zh               # 用中文演示
lab03-length-ack-cmd-server-about = 运行命令服务器（默认用内置命令，--exec shell 时用真正的 shell）
lab03-length-ack-cmd-server-examples =
    示例：
      lab03-length-ack server                        # 127.0.0.1:8001，请求也按我们的格式封装
      lab03-length-ack server --compat lesson        # 说种子 001 的 Python 客户端那套字节格式
      lab03-length-ack server --addr 127.0.0.1:0 --idle-timeout 2
      lab03-length-ack server --exec shell           # 真正的 shell（只限回环地址）
lab03-length-ack-cmd-client-about = 发送命令并打印回复（>>> 提示符、--cmd，或从标准输入管道读入）
lab03-length-ack-cmd-client-examples =
    示例：
      lab03-length-ack client                        # >>> 提示符
      lab03-length-ack client --cmd help --cmd 'seq 5'
      echo ls | lab03-length-ack client
      lab03-length-ack client --compat lesson --addr 127.0.0.1:8001   # 连种子 001 的 Python 服务器

lab03-title = 长度用文本发送 + "ok"，然后才是数据
lab03-yes = 是
lab03-no = 否

lab03-s1-title = 在回环地址上，课上的协议能正常工作
lab03-s1-expected = 在回环地址上，每条回复都能被一次 recv 完整读到
lab03-s1-server = 课上的服务器先发 str(len(data))，等客户端回 "ok"，再发数据本身。
lab03-s1-client = 课上的客户端用一次 recv(1024) 读长度的数字，再用一次 recv(int(length)) 读数据。
lab03-s1-col-command = 命令
lab03-s1-col-length-text = 长度文本
lab03-s1-col-got = recv(int(length)) 读到
lab03-s1-col-intact = 完整
lab03-s1-got = { $bytes } B，共 { $reads } 次 recv
lab03-s1-observed = 3 条回复全部完整到达，其中 help 有 { $help } 字节（超过 1024）
lab03-s1-cut = 即使在回环地址上，也有一条回复被截断了

lab03-s2-title = 经过切割，一次 recv(int(length)) 读不全（半包）
lab03-s2-expected = 一次 recv 返回的字节数少于长度；循环读取能全部读到
lab03-s2-through = 现在经过 ChaosProxy：这是一段真实的 TCP 中转，把回复切成 1..=1500 字节的片段，每段间隔 1 毫秒（种子 { $seed }：从 --seed { $from } 开始，第一个让命令和长度数字都保持完整的种子）。
lab03-s2-lesson = 课上的客户端：recv({ $want }) 只返回了 { $got } B —— 还有 { $left } B 留在套接字里，下一条命令会把它们打印出来
lab03-s2-fixed = 修好的客户端：循环调用 recv()，直到 { $want } B 全部到齐 —— 共 { $reads } 次 recv，{ $bytes } B
lab03-s2-panel = 第 2 步：'{ $cmd }' 的回复经过 ChaosProxy（种子 { $seed }）
lab03-lane-server-send-data = 服务器 send(data)
lab03-lane-lesson-one-recv = 课上：一次 recv(n)
lab03-lane-fix-recv-until = 修正：recv 直到读满 n
lab03-s2-observed = 一次 recv 只读到 { $want } B 中的 { $got } B；循环读取用 { $reads } 次读到了全部 { $bytes } B

lab03-s3-title = 长度文本本身也会被切开："12" | "34"
lab03-s3-expected = 长度数字分两段到达，课上的客户端信了一个错误的长度；以 \n 结尾的数字不受影响
lab03-s3-no-end-mark = 长度数字没有结束标记：一次 recv(1024) 返回什么，客户端就当长度是什么。经过 ChaosProxy（种子 { $seed }：从 --seed { $from } 开始，第一个让第一刀落在数字中间的种子，片段间隔 30 毫秒）：
lab03-lane-client-recv = 客户端 recv
lab03-s3-believed = 客户端把 "{ $text }" 当成长度，回了 ok，打印出以 "{ $start }" 开头的 { $bytes } B —— 回复还有 { $left } B 留在套接字里，会被下一条命令读走
lab03-s3-fix = 修正：数字以 \n 结尾（"1234\n"），一直读到它为止 —— 同一个种子、同样的切法：{ $bytes } B，完整：{ $intact ->
        [true] 是
       *[other] 否
    }
lab03-s3-panel = 第 3 步：长度文本被切开（种子 { $seed }）
lab03-lane-server-digits-data = 服务器：数字 | 数据
lab03-lane-lesson-recvs = 课上客户端的各次 recv
lab03-s3-observed = "{ $text }" 单独到达，客户端以为有 { $believed } B，实际是 { $want } B；我们的格式读到了全部 { $bytes } B

lab03-s4-title = 为什么那个 ok 不能省
lab03-s4-expected = 没有 ok，长度数字和数据的开头一起到达（粘包）；有了 ok，数字单独到达
lab03-s4-drop = 去掉第 2 步：服务器发完数字紧接着就发数据，不等 ok。
lab03-s4-through = 经过 ChaosProxy（种子 { $seed }），把 50 毫秒内到达的字节当作一段转发 —— 代理可能这样做；路由器不会合并报文段，但发送方的 TCP（Nagle 算法、autocorking）和接收方的缓冲区会：
lab03-s4-chunks = 读长度的 recv(1024)
lab03-s4-int = 对它调用 int()：{ $why }
lab03-s4-with-ok = 有 ok 时（同一个种子、同样的切法）：recv(1024) 只读到 "{ $text }" —— 在 ok 到达之前，服务器不会再发任何东西
lab03-s4-panel = 第 4 步：没有 ok，数字和数据粘在一起（种子 { $seed }）
lab03-lane-without-ok = 不等 ok 时的 recv(1024)
lab03-lane-with-ok = 等 ok 时的 recv(1024)
lab03-s4-observed = 没有 ok："{ $merged }"（{ $why }）；有 ok："{ $acked }"
lab03-parsed-as = 解析成 { $n }（真实长度 { $true_len }）

lab03-s5-title = ok 的代价：每条命令多一次往返
lab03-s5-expected = 这种握手每条命令约 2 个 RTT，4 字节报头约 1 个 RTT
lab03-s5-delay = 一个延迟代理增加 { $rtt } 毫秒的往返时间（ProxyConfig::latency_only，相当于 `sticky proxy --rtt-ms { $rtt }`）。
lab03-s5-seed004 = 种子 004 说："这种方式会放大网络延迟带来的性能损耗"。实测：
lab03-s5-col-protocol = 协议
lab03-s5-col-trips = 每条命令的往返次数
lab03-s5-col-theory = 理论值
lab03-s5-col-best = 每条命令最快
lab03-s5-col-best-rtt = 最快 ÷ RTT
lab03-s5-col-mean = 平均
lab03-s5-row-ack = 实验 03：长度文本、ok、数据
lab03-s5-row-header = 实验 04：4 字节报头 + 数据
lab03-s5-each = 每种协议 { $rounds } 条命令（'{ $cmd }'），都在连接建立之后计时；每条命令 ok 多花 { $cost } 毫秒（最快对最快：机器忙只会让往返变长）
lab03-s5-observed = 每条命令 { $ack } 个 RTT 对 { $header } 个 RTT（有 ok 时慢 { $ratio } 倍）

lab03-error-not-digit = 长度文本的位置 { $at }（从 0 数起）上有一个非数字字节 { $byte }（收到的是 "{ $text }"）
lab03-error-empty = 长度文本是空的：这里应该是数字
lab03-error-too-many-digits = 长度文本超过 { $max_digits } 位还没结束：这不是一个长度
lab03-error-too-large = 长度文本声称有 { $len } 字节，超过了 { $max } 字节的上限
lab03-error-overflow = 长度文本 "{ $text }" 比任何长度都大
lab03-error-missing-ok = 应该收到客户端的 "ok"，收到的却是 "{ $got }"

# sticky labs' "lesson" column
lab03-length-ack-lesson = 先发长度、再等 ok 的握手
