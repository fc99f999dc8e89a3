# 实验 05 —— JSON 报头：labs/lab05_json_header.rs、src/lessons/lab05_json_header.rs
# 和 src/lessons/lab05_transfer/*.rs。术语见 docs/glossary.md：报头、半包、粘包、拆包、字节序。
# 发到线路上的文字（拒绝回复里的 "error"）不论 --lang 是什么都用英文键（TransferError 的
# Display）；这里的中文只给人看：客户端的 error: 行、服务器日志、演示里的表格。

lab05-about = 实验 05：JSON 报头 —— 4 字节长度 + JSON 报头 + 消息体，用来传命令输出和文件
lab05-examples =
    示例：
      lab05-json-header demo                      # 完整演示，每一步都做检查
      lab05-json-header server                    # 终端 1（127.0.0.1:9090）
      lab05-json-header client                    # 终端 2：help、put a.txt、get a.txt
lab05-json-header-cmd-demo-about = 演示线路上的报头、课上那一次 recv(header_len) 在混沌代理下怎样失败、修正的办法，以及文件传输
lab05-json-header-cmd-demo-examples =
    示例：
      lab05-json-header demo
      lab05-json-header demo --seed 3 --max-chunk 8 --svg lab05.svg
      lab05-json-header demo --json > report.json
      lab05-json-header demo --lang en            # 同一个演示，用英文
lab05-json-header-cmd-server-about = 执行命令，并在一个文件夹里存放、提供文件（回复都带 JSON 报头）
lab05-json-header-cmd-server-examples =
    示例：
      lab05-json-header server                           # 127.0.0.1:9090，文件放在 ./sticky-files
      lab05-json-header server --dir /tmp/share --overwrite
      lab05-json-header server --compat lesson           # 对接种子 002 §1.3 / 种子 000 的客户端
      lab05-json-header server --compat lesson --push notes.txt   # 种子 004 的服务器
      lab05-json-header server --exec shell              # 执行真正的 shell（只允许本机回环地址）

    内存：每个连接在连着的时候从 --memory-budget 里预留一个 --max-header，每条命令在运行时
    预留两倍 --max-output；上传和下载按 64 KiB 一块流过，不预留内存。在 --request-deadline
    的 90% 之内还等不到空间的请求，会收到一条错误回复。
lab05-json-header-cmd-client-about = 在 `>>> ` 提示符下发送命令（以及 `put 文件` / `get 名字`）
lab05-json-header-cmd-client-examples =
    示例：
      lab05-json-header client                        # >>> 试试 help、seq 5000、put a.txt、get a.txt
      lab05-json-header client --cmd help --cmd 'seq 5000'
      lab05-json-header client --put big.iso          # 上传，由服务器校验 md5
      lab05-json-header client --get big.iso --dir downloads
      lab05-json-header client --compat lesson --addr 127.0.0.1:8083 --cmd 'echo hi'   # 种子 002 的服务器
      lab05-json-header client --compat lesson --get x --addr 127.0.0.1:9527          # 种子 004 的推送

lab05-title = 4 字节报头长度 + JSON 报头 + 消息体
lab05-setup-server-failed = 无法启动服务器：{ $error }
lab05-setup-proxy-failed = 无法启动混沌代理：{ $error }
lab05-lane-parts = 消息的三个部分

lab05-s1-title = 线路上的一条消息：报头长度、JSON 报头、消息体
lab05-s1-expected = total_size 等于消息体的长度，md5 一致，消息体就是 help 的文字（超过 1024 字节）
lab05-s1-say =
    客户端请求 `help`（输出超过 1024 字节）。服务器的回复分三部分：
    4 个字节 = struct.pack('i', len(json))，然后是 JSON 报头，最后是 total_size 个字节的输出。
lab05-s1-json-in-full = 完整的 JSON 报头：{ $json }
lab05-s1-md5-matches = 一致
lab05-s1-md5-differs = 不一致
lab05-s1-observed = 报头 { $json_len } 字节，写着 total_size={ $total } stdout_size={ $stdout } exit_code={ $exit }；消息体 { $body } 字节，md5 { $md5 }
lab05-col-part = 部分
lab05-col-bytes = 字节数
lab05-col-on-the-wire = 线路上的内容
lab05-part-header-length = 报头长度
lab05-part-json-header = JSON 报头
lab05-part-body = 消息体
lab05-little-endian = 小端
lab05-big-endian = 大端

lab05-s2-title = 混沌代理下课上的客户端：只调一次 recv(header_len)
lab05-s2-expected = 那一次 recv(header_len) 只拿到 JSON 的一部分（半包），json.loads 失败
lab05-s2-say =
    还是同一个请求，这次经过一个混沌代理（{ $addr } 上一个真实的 TCP 中转），它把字节流重新切成
    1..={ $max_chunk } 字节的小段，每段间隔 1 毫秒（种子 { $seed }）。课上的客户端先 x=recv(4)，再
    json_bytes=recv(header_len)，然后 json.loads —— 每一步都只 recv 一次。
lab05-s2-lesson-client = 课上的客户端：{ $what }
lab05-s2-panel = 课上的客户端经过混沌代理（种子 { $seed }，每段最多 { $max_chunk } 字节）：一次 recv(4)，一次 recv(header_len)
lab05-lane-lesson-recv = 课上客户端的 recv()
lab05-lesson-cut-json = recv(4) 拿到 { $got4 } 字节（{ $len4 }），recv({ $n }) 却只拿到 { $got_json } 字节：{ $text } → { $error }
lab05-lesson-cut-len = recv(4) 只拿到 { $got4 } 字节（{ $len4 }）→ { $error }
lab05-lesson-whole = recv(4) 和 recv({ $n }) 碰巧都拿到了完整的部分
lab05-verdict-json = 一次 recv({ $n }) 只返回 { $got_json } 字节，json.loads 失败 —— 课上的客户端正是这样
lab05-verdict-len = 一次 recv(4) 只返回 { $got4 } 字节：struct.unpack('i') 失败 —— 课上的客户端正是这样

lab05-s3-title = 修正：每一部分都读够 —— 经过同样的混沌代理，长输出也完整到达
lab05-s3-expected = 每个回复都完整，md5 校验通过，和命令的输出一模一样
lab05-s3-say = recv_exact 循环读取：先读满 4 字节，再读满 header_len 字节，最后读满 total_size 字节。
lab05-s3-reads = `help` 的每次读取：{ $sizes }
lab05-s3-panel = 读够再解析的客户端，经过同一个混沌代理（`help`）
lab05-lane-exact-reads = 客户端的读取（recv_exact）
lab05-s3-observed = 经过混沌代理，{ $n } 个回复都完整，md5 校验通过
lab05-col-command = 命令
lab05-col-reads = 读取次数
lab05-col-intact = 完整
lab05-md5-ok = 一致
lab05-md5-mismatch = 不一致
lab05-yes = 是
lab05-no = 否
lab05-cell-error = 错误：{ $error }

lab05-s4-title = 经过混沌代理上传、再下载，校验 md5
lab05-s4-expected = 两个 md5 都和原文件一致，没有留下临时文件
lab05-s4-say =
    一个 { $size } 字节的文件先上传（种子 000 的 { $up }，再加上我们的 md5），
    再下载回来（种子 004 的 { $down }，加 md5），途中被切成最多 64 KiB 的小段。
    收发两边都只用一个 64 KiB 的缓冲区，把数据流进私有文件夹里的临时文件，校验 md5，
    然后用硬链接挂到正式的名字下（名字已被占用时链接会失败；--overwrite 时改用重命名）。
lab05-s4-observed = 上传并下载 { $size } 字节：两端的 md5 都是 { $md5 }，剩下 { $left } 个临时文件
lab05-col-direction = 方向
lab05-col-file = 文件
lab05-col-verified = 校验
lab05-col-time = 耗时
lab05-upload = 上传
lab05-download = 下载
lab05-server-agrees = 服务器确认一致
lab05-md5-checked = md5 已校验
lab05-ms = { $ms } 毫秒

lab05-s5-title = md5 对不上的上传、没传完的上传、路径穿越的上传，都被拒绝
lab05-s5-expected = 每一个都按各自的原因被拒绝，正式名字下没有文件，没有留下临时文件，服务器继续服务
lab05-s5-say =
    除非每个字节都到了而且 md5 一致，否则正式的名字下什么都不能出现。
    md5 和消息体放在同一个报头里，所以它只能发现意外（被截断、坏磁盘、程序 bug），
    防不了篡改：能改消息体的人，也能重新算一个 md5（何况 MD5 本身已经不安全）。
    要防篡改，需要一把攻击者没有的密钥：MAC，或者 TLS。
lab05-s5-still = 拒绝之后，同一个连接上执行 `echo still serving` → { $got }
lab05-s5-observed = 3 个都被拒绝（md5 不一致、路径穿越、没传完），正式名字下都没有文件，临时文件 { $temps } 个，服务器仍在服务：{ $still }
lab05-attack-md5 = md5 是别的内容的
lab05-attack-traversal = 文件名 ../escape.txt
lab05-attack-short = 只发 { $n } 字节中的 1000 字节就关闭
lab05-no-error-seen = （没看到错误）
lab05-col-attack = 攻击
lab05-col-server-said = 服务器的回答
lab05-col-final-name = 正式名字
lab05-col-temp-files = 临时文件
lab05-present = 存在！
lab05-absent = 不存在
lab05-no-reply = （没有回复：{ $error }）

lab05-s6-title = send() 可能只发出一部分：课上的 conn.send(big) 对比 sendall
lab05-s6-expected = 对一个读得慢的接收方，一次 send() 返回的字节数少于要求，剩下的永远没发出去；sendall 把每个字节都发了
lab05-s6-say =
    种子 002 的服务器用 conn.send(stdout_res) 发送每个回复，从不看 send() 的返回值。
    send(2) 可能只接收一部分字节；Python 文档写道："Returns the number of bytes sent. Applications
    are responsible for checking that all data has been sent"（返回已发送的字节数，由应用程序负责检查数据是否全部发出）。
    调用过 conn.settimeout(t) 的服务器，底下是一个非阻塞套接字：CPython 等它可写，然后只调用一次 send()，
    这一次只拿走缓冲区此刻放得下的部分。这里一个 { $mib } MiB 的消息体发给一个每毫秒只读 8 KiB 的接收方，
    两边缓冲区都是 16 KiB。修正版的套接字是阻塞的，写超时 { $timeout } 秒：每次 send() 可以等空间，
    sendall 会为剩下的部分再调用 send()。
lab05-col-server = 服务器
lab05-col-asked = 要发送
lab05-col-send-calls = send() 次数
lab05-col-sent = 已发出
lab05-col-received = 已收到
lab05-col-lost = 丢失
lab05-s6-send-failed = 有一次发送失败：{ $error }
lab05-s6-promised = total_size 向客户端承诺了 { $size } 字节；课上的 send 之后，客户端还在等永远不会到来的 { $lost } 字节
lab05-s6-observed = send({ $size }) 返回 { $sent }（{ $lost } 字节从未发出）；sendall：{ $size } 字节全部到达（调用 send() { $calls } 次）
lab05-reader-panicked = 接收线程崩溃了
lab05-true = 是
lab05-false = 否

lab05-client-cannot-connect = 无法连接到 { $addr }：{ $error }
lab05-client-uploaded-verified = 已上传 { $name }（{ $bytes } 字节，md5 { $md5 }，服务器校验一致）
lab05-client-uploaded-differs = 已上传 { $name }（{ $bytes } 字节），但服务器算出的 md5 和 { $md5 } 不同
lab05-client-uploaded-lesson = 已上传 { $name }（{ $bytes } 字节，md5 { $md5 }；课上的服务器不回复）
lab05-client-cannot-create-dir = 无法创建下载文件夹 { $dir }
lab05-client-created-dir = 已创建下载文件夹 { $dir }
lab05-client-downloaded-verified = 已下载 { $path }（{ $bytes } 字节，md5 { $md5 }，校验一致）
lab05-client-downloaded-unverified = 已下载 { $path }（{ $bytes } 字节，md5 { $md5 }，未校验：服务器没有发 md5）
lab05-client-md5-ok = md5 一致
lab05-client-md5-mismatch = md5 不一致
lab05-client-timed-out = 超时
lab05-client-truncated = 输出被截断
lab05-client-cannot-read = 无法读取 { $path }
lab05-client-lost-after = 在 { $name } 的 { $size } 字节中发出 { $n } 字节之后；文件没有存下
lab05-client-lost-before = 在服务器确认 { $name } 之前
lab05-client-no-reason = 没有给出原因

lab05-server-refused = [{ $peer }] 已拒绝：{ $error }
lab05-server-stored-verified = [{ $peer }] 已存下 { $name }（{ $bytes } 字节，md5 { $md5 }，校验一致）
lab05-server-stored-unverified = [{ $peer }] 已存下 { $name }（{ $bytes } 字节，md5 { $md5 }，发送方没有给 md5）
lab05-server-changed = [{ $peer }] { $name } 在发送过程中被改动了
lab05-server-sent = [{ $peer }] 已发送 { $name }（{ $size } 字节，md5 { $md5 }）
lab05-server-pushed = [{ $peer }] 已推送 { $name }（{ $size } 字节，md5 { $md5 }）
lab05-server-cannot-use-dir = 无法使用文件夹 { $dir }：{ $error }
lab05-server-push-not-file = --push { $path }：不是一个文件
lab05-server-overwriting = 允许覆盖
lab05-server-no-overwrite = 不覆盖已有文件
lab05-server-folder = 文件存放在 { $dir }，也从这里提供下载（{ $overwrite }；线路格式：{ $compat }）
lab05-server-swept = 清理了 { $files } 个没完成的上传（{ $bytes } 字节），是上次没正常结束的服务器留下的
lab05-server-cannot-sweep = 无法清理 { $dir } 里没完成的上传：{ $error }
lab05-budget-header = 一个连接的请求报头（最多 --max-header { $max } 字节）
lab05-budget-output = '{ $cmd }' 的输出（最多 --max-output，要存两份）

# TransferError：英文是发到线路上的文字；下面的中文只在客户端和服务器日志里给人看。
lab05-error-bad-name = 拒绝文件名 { $name }：{ $why }
lab05-error-exists = { $name } 已经存在（不覆盖；需要覆盖请加 --overwrite）
lab05-error-not-found = 没有可发送的文件 { $name }
lab05-error-truncated = 文件内容没传完：{ $expected } 字节只到了 { $got } 字节；什么都没存
lab05-error-md5-mismatch = md5 不一致：报头写的是 { $expected }，收到的 { $bytes } 字节算出来是 { $got }；什么都没存
lab05-error-too-large = filesize { $len } 超过了 { $max } 字节的文件上限
lab05-error-unknown-opt = 不认识的请求 "opt"：{ $opt }（应该是 cmd、upload 或 download）
lab05-error-refused = 服务器拒绝了：{ $reason }
lab05-error-idle = 空闲超时内没有收到请求：连接已关闭
lab05-error-changed = { $path } 在发送过程中被改动了（报头写了 { $expected } 字节，实际读到 { $got } 字节）
lab05-error-storage = 无法存放 { $name }：{ $error }；什么都没存
lab05-error-symlink = { $name } 是符号链接：只提供文件夹里的普通文件
lab05-error-lost = 连接断了，{ $during }（{ $error }）；是不是另一端被停掉了？
lab05-error-file = { $what }：{ $error }
lab05-error-cannot-read = 无法读取 { $name }
lab05-name-empty = 名字是空的
lab05-name-nul = 含有 NUL 字节
lab05-name-too-long = 超过 255 字节
lab05-name-reserved = 这个名字留给正在进行的传输
lab05-name-absolute = 是绝对路径
lab05-name-traversal = 路径穿越（..）
lab05-name-separator = 含有路径分隔符
lab05-name-control = 含有控制字符
lab05-usage-put = put 后面要跟一个文件：`put 文件` 把文件上传到服务器的文件夹（什么都没发送）
lab05-usage-get = get 后面要跟一个名字：`get 名字` 把服务器文件夹里的这个文件下载到 --dir（什么都没发送）

lab05-temp-cannot-create = 无法创建临时文件
lab05-temp-replaced = 临时文件在放到正式名字下之前被替换了
lab05-unfinished-upload = 上传
lab05-unfinished-download = 下载
lab05-cannot-watch-interrupt = 无法监听 Ctrl-C（{ $error }）：传输被中断时可能留下临时文件
lab05-interrupted-none = 已中断：当时没有正在进行的传输
lab05-interrupted-one = 已中断：{ $name } 没完成的{ $what }已删除；这个名字下什么都没存
lab05-interrupted-many = 已中断：删除了 { $n } 个没完成的{ $what }（{ $names }）；这些名字下什么都没存

# sticky labs' "lesson" column
lab05-json-header-lesson = JSON 报头、文件传输
