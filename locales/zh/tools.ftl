# `sticky` 工具：labs（课前预检）、proxy、bench、load、completions，
# 以及 check 的 --help（check 自己的输出在它自己的文件里）。

sticky-about = sticky-lab 工具箱：混沌代理和它的伙伴们
sticky-examples =
    示例：
      sticky proxy --listen 127.0.0.1:9600 --to 127.0.0.1:9527 --seed 7
      sticky bench --sizes 16,1048576
      sticky load --clients 64 --messages 10000
      sticky labs
      sticky check lab04 --client 'python3 my_client.py {"{"}host{"}"} {"{"}port{"}"}'

sticky-cmd-labs-about = 课前预检：把每个实验的演示都跑一遍，看哪些课上的现象能在这台机器上重现。
sticky-cmd-labs-examples =
    示例：
      sticky labs
      sticky labs --timeout 30 --only lab01-naive-recv,lab07-concurrency
      sticky labs --json > preflight.json
      sticky labs --lang zh                # 表格和每个演示都用中文
labs-running = 正在运行 { $lab } 的演示…
labs-col-lab = 实验
labs-col-lesson = 课程内容
labs-col-result = 结果
labs-col-time = 用时
labs-col-verdict = 结论 / 原因
labs-seconds = { $seconds } 秒
labs-summary = 共 { $n } 个实验，{ $ok } 个在本机重现了课上的现象
labs-status-reproduced = 已重现
labs-status-failed = 失败（退出码 { $code }）
labs-status-not-found = 找不到
labs-status-cannot-start = 无法启动
labs-status-timed-out = 超时（{ $seconds } 秒）
labs-no-binary = { $path } 处没有可执行文件（先构建：cargo build --release）
labs-no-verdict = 到时限还没有给出结论
labs-unknown-only = --only { $name }：没有叫这个名字的实验；实验有：{ $labs }
labs-no-dir = 找不到各实验的可执行文件在哪里：请用 --dir 指定

# 演示之前的本机检查：默认端口与 Python。
machine-port = { $proto } 端口 { $port }（{ $lab }）
machine-port-free = 空闲
machine-port-taken = 已被占用（{ $error }）：`{ $lab } server` 不加 --addr 就启动不了；查看是谁占用：{ $who }
machine-python = python
machine-python-found = Python { $version }（{ $name }）
machine-python-missing = 这里没有能运行 Python 3 的 python3、python 或 py：课程自带的程序（python/lesson/）需要它（到 python.org 下载，或 apt install python3）
machine-col-check = 本机
machine-col-ready = 就绪
machine-col-found = 检查结果
machine-yes = 是
machine-no = 否
machine-all-ready = 所有默认端口都空闲，Python 3 可以运行
machine-not-ready = 有 { $n } 项本机检查未就绪（下面的演示不依赖它们）
machine-either = { $a } 或 { $b }

# sticky proxy：--help、启动时的几行、每个方向被切成的片段。
sticky-cmd-proxy-about = 在两个真实套接字之间把 TCP 字节流重新切块；同一个种子切法相同，可以重现。
sticky-cmd-proxy-examples =
    示例：
      # 终端 1：实验的服务器
      lab01-naive-recv server --addr 127.0.0.1:9527
      # 终端 2：代理，把回复切成最多 300 字节的小片
      sticky proxy --listen 127.0.0.1:9600 --to 127.0.0.1:9527 --seed 7 --max-chunk 300
      # 终端 3：客户端连代理，而不是直接连服务器
      lab01-naive-recv client --addr 127.0.0.1:9600 --bufsize 204800000

      # 任意空闲端口：真正的端口会打印成 'sticky proxy 正在监听 地址'
      sticky proxy --listen 127.0.0.1:0 --to 127.0.0.1:9527 --seed 3

      # 只加 100 毫秒往返时延，不切块
      sticky proxy --listen 127.0.0.1:9600 --to 127.0.0.1:8001 --rtt-ms 100 --max-chunk 1048576 --delay-ms 0

      # UDP：丢弃、重复、乱序数据报（实验 06），每个决定记在 stderr 上
      sticky proxy --udp --listen 127.0.0.1:9601 --to 127.0.0.1:8888 --seed 7 --drop 0.1 --dup 0.1 --reorder 0.1
      # 抓两段连接的包给 Wireshark 看（需要 root）：客户端 ↔ 代理，代理 ↔ 服务器
      sudo sticky proxy --listen 127.0.0.1:9600 --to 127.0.0.1:9527 --pcap proxy.pcap
sticky-proxy-exposed = 警告：代理监听在 { $addr }，别的机器可能连得上
sticky-proxy-cannot-start = 代理无法在 { $addr } 上启动：{ $error }
sticky-proxy-listening = sticky proxy 正在监听 { $addr }
sticky-proxy-started = sticky proxy：{ $addr } → { $to }，种子 { $seed }，每片 1..={ $max } 字节，片与片间隔 { $delay } 毫秒，往返时延 +{ $rtt } 毫秒（Ctrl-C 停止）
sticky-proxy-capturing = sticky proxy：两段连接的包都抓到 { $path }（每条连接关闭时重写一次）
sticky-proxy-captured = 已抓到 { $n } 个包，写入 { $path }
sticky-proxy-no-capture = 注意：没有写抓包文件 { $path }：{ $why }；代理照常运行，只是不抓包
sticky-proxy-pieces = {"["}连接 { $conn }] { $way }：共 { $total } 字节，切成 { $n } 片：{ $list }
sticky-proxy-way-to-server = 客户端 → 服务器
sticky-proxy-way-to-client = 服务器 → 客户端
sticky-proxy-more-pieces = …（还有 { $n } 片）
sticky-udp-proxy-bad-chances = --drop、--dup 和 --reorder 每个都要在 0..=1 之间，加起来最多为 1（现在是 { $got }）
sticky-udp-proxy-listening = sticky proxy --udp 正在监听 { $addr } → { $to }，种子 { $seed }，丢弃 { $drop }，重复 { $dup }，乱序 { $reorder }（Ctrl-C 停止）
sticky-udp-proxy-cannot-start = UDP 代理无法在 { $addr } 上启动：{ $error }

# sticky completions 和 sticky check 的 --help（check 自己的输出在 check 的文件里）。
sticky-cmd-completions-about = 为你的 shell 打印 Tab 补全脚本（bash、zsh、fish、powershell）。
sticky-cmd-completions-examples =
    示例：
      # bash：新开的 shell 里生效
      sticky completions bash > ~/.local/share/bash-completion/completions/sticky
      # zsh：放进 $fpath 里任意一个目录，文件名叫 _sticky
      sticky completions zsh > ~/.zfunc/_sticky
      # fish
      sticky completions fish > ~/.config/fish/completions/sticky.fish
      # PowerShell：把这一行加进 $PROFILE
      sticky completions powershell | Out-String | Invoke-Expression
# sticky bench
sticky-cmd-bench-about = 在回环上测各种分帧方式的速度：裸发送、4 字节报头、JSON 报头、长度+确认。
sticky-cmd-bench-examples =
    示例：
      sticky bench
      sticky bench --seconds 2 --svg bench.svg --json > bench.json
      # 握手式协议每条消息都要多等一个往返：
      sticky bench --rtt-ms 10 --sizes 16,1024 --protos raw,header,length-ack
    对照组：`cargo bench --bench framing_peers`（tokio-util 的 LengthDelimitedCodec）。
bench-intro = sticky bench：每个格子一条回环连接，每次 { $seconds } 秒，交替跑 { $repeat } 轮（取中位数和最好成绩）；裸发送先试遍 { $shapes } 种读写块大小组合{ $rtt }
bench-intro-rtt = ，经一个只加时延的代理增加 { $rtt } 毫秒往返时延
bench-failed = bench：{ $error }
bench-col-size = 消息大小
bench-col-framing = 分帧方式
bench-col-median = 中位数 条/秒
bench-col-median-ratio = × 裸发送（中位数）
bench-col-best = 最好 条/秒
bench-col-best-ratio = × 裸发送（最好）
bench-col-mbps = MB/秒（最好）
bench-shape = { $proto }（写 { $write } / 读 { $read }）
bench-met = 达到
bench-not-met = 未达到
bench-target = 目标：1 MiB 时 4 字节报头 ≥ 0.9× 裸发送 —— 中位数 { $median }×，最好 { $best }×（{ $met }）
bench-ceiling-held = 上限：没有哪种分帧方式的中位数比裸发送快 10 % 以上
bench-ceiling-broken = 上限：这里裸发送并不是上限 —— { $breaks }（中位数对裸发送的中位数）
bench-ceiling-break = { $proto } 在 { $size }：{ $ratio }×
bench-anchor = 参照：iperf3 在回环上 { $seconds } 秒内跑出 { $mbps } MB/秒；这里裸发送最好的格子是 { $raw } MB/秒（iperf3 的 { $ratio }×）—— { $version }
bench-anchor-skipped = 参照：iperf3 跳过 —— { $why }
bench-peer-python = 对照：课程里 Python 的 struct 报头，16 字节时 { $rate } 条/秒{ $versus }
bench-peer-python-versus = ；这里的 4 字节报头是它的 { $x }×（目标 ≥ 20×：{ $met }）
bench-peer-python-skipped = 对照：课程的 Python 代码跳过 —— { $why }
bench-peer-tokio = 对照：tokio-util 的 LengthDelimitedCodec —— 运行 `cargo bench --bench framing_peers`
bench-chart-title = sticky bench —— 每秒消息数，相对裸发送{ $rtt }
bench-chart-title-rtt = （+{ $rtt } 毫秒往返时延）
bench-chart-written = 图表已写入 { $path }
bench-chart-bar = { $ratio }× 裸发送 · 中位数 { $rate } 条/秒
bench-chart-tip = { $proto }，{ $size }：{ $rate } 条/秒，{ $mbps } MB/秒
bench-chart-one = 1.0 × 裸发送
bench-json-failed = JSON：{ $error }
bench-error-thread = 一个测速线程崩溃了（panic）
bench-error-socket = 套接字：{ $error }
bench-error-framing = 分帧：{ $error }
bench-error-header = JSON 报头：{ $error }
bench-error-wrong = { $proto }，{ $size } 字节：{ $what }
bench-wrong-count = 发出 { $sent } 条消息，收到 { $received } 条
bench-wrong-ack = 应该收到 "ok"，实际收到 { $got }
bench-wrong-body = 消息体有 { $n } 字节
bench-wrong-partial = 收到 { $bytes } 字节，不是整数条消息
bench-wrong-frame = 一帧有 { $n } 字节
bench-wrong-length = 不是长度：{ $got }
bench-wrong-announced = 声明的长度是 { $n } 字节
bench-iperf3-missing = 没有安装 iperf3（apt-get install iperf3）
bench-iperf3-no-json = iperf3 没有输出 JSON（{ $error }）
bench-iperf3-no-figure = iperf3 的 JSON 里没有 end.sum_received.bits_per_second
bench-python-cannot-start = 无法启动 python3：{ $error }
bench-python-failed = python3 运行失败：{ $error }
bench-python-unreadable = 看不懂 python 的输出：{ $error }

# sticky load
sticky-cmd-load-about = 很多个分帧客户端同时压一个回显服务器，每条回复都核对。
sticky-cmd-load-examples =
    示例：
      # 压在本进程里启动的分帧回显服务器：
      sticky load --clients 64 --messages 10000
      # 压一个正在运行的服务器（lab07-concurrency server 讲 4 字节报头）：
      lab07-concurrency server --addr 127.0.0.1:8889 &
      sticky load --addr 127.0.0.1:8889 --clients 64 --messages 10000 --proto header --server-pid $!
      # 实验 04 和实验 05 的命令服务器（发 `echo` 请求，每条回复都核对）：
      lab04-struct-header server --addr 127.0.0.1:8083 --max-conns 128 &
      sticky load --addr 127.0.0.1:8083 --proto lab04 --server-pid $!
      lab05-json-header server --addr 127.0.0.1:8085 --dir /tmp/share --max-conns 128 &
      sticky load --addr 127.0.0.1:8085 --proto lab05 --server-pid $!
      # 再让 ChaosProxy 把回复也切碎：
      sticky load --addr 127.0.0.1:8085 --proto lab05 --proxy-seed 3 --clients 8 --messages 500
load-needs-addr = --proto { $proto } 需要 --addr：先把实验的服务器启动起来（见 --help）
load-cannot-start-echo = 无法启动回显服务器：{ $error }
load-cannot-start-proxy = 无法启动混沌代理：{ $error }
load-intro = sticky load：{ $clients } 个客户端 × 每个 { $messages } 条消息（1..={ $max } 字节，--proto { $proto }）发往 { $addr }{ $via }，混沌切片 { $chaos }
load-intro-via = ，经由 { $addr } 上的 ChaosProxy（两个方向都切成 1..=64 字节的小片）
load-chaos-off = 关闭
load-client = 客户端 { $n }：{ $summary }{ $error }
load-memory = ；服务器内存（RSS）之前 { $before } MiB，之后 { $after } MiB，峰值 { $peak } MiB
load-total = { $summary }，其中粘包 { $merged } 条，用时 { $seconds } 秒（每秒 { $rate } 条回复）{ $memory }
load-error-closed = 还没收齐所有回复，连接就关闭了
load-error-panicked = 客户端线程崩溃了（panic）
