# `sticky check`：检查器的表格、结论、失败说明、提示和启动错误
# （src/tools/check/*.rs）。`--json` 不用这些：给评分脚本的报告总是英文
# （docs/json-report.md）。占位符必须与 en/check.ftl 中的一致。

sticky-cmd-check-about = 用课程的协议检验你自己写的客户端或服务器；数据流按可重放的种子切碎。
sticky-cmd-check-examples =
    示例：
      # 你的客户端对我们的 lab 04 服务器（默认用课程原来的格式）
      sticky check lab04 --client 'python3 my_client.py {"{"}host{"}"} {"{"}port{"}"}'
      # 你的服务器：在一个空闲端口上启动，由我们的客户端来测
      sticky check lab03 --server 'python3 my_server.py {"{"}port{"}"}'
      # 一个你已经启动好的服务器
      sticky check 4 --addr 127.0.0.1:8083
      # 原样重放一次失败（失败时会打印这一行）
      sticky check lab04 --client 'python3 my_client.py {"{"}host{"}"} {"{"}port{"}"}' --seed 7 --case header-split
      # 给评分用：一份 JSON 报告（总是英文），退出码 0 通过 / 1 失败 / 2 无法运行
      sticky check lab04 --client 'python3 sub/client.py {"{"}host{"}"} {"{"}port{"}"}' --json
    
    lab 03、04、05、06（UDP）和 07 都有客户端和服务器的用例；lab 01 只检查客户端，
    用来说明它的协议不可能写对。约定见 docs/check.md。

## 表格和结论
check-col-case = 用例
check-col-result = 结果
check-col-seeds = 种子数
check-col-what = 对数据流做了什么
check-skip = 跳过
check-skipped = { $what }（跳过：{ $why }）
check-fail-seed = （种子 { $seed }）
check-command = 命令：    { $command }
check-first-wrong-byte = （第一个错字节：{ $at }）
check-expected = 应当是：  { $expected }{ $at }
check-got = 实际得到：{ $got }
check-got-nothing = （什么也没有：输出了 { $bytes } 字节就停了）
check-pieces-given = 你的程序收到的片段（共 { $n } 片）：
check-pieces-before = … 前面还有 { $n } 片
check-pieces-after = … 后面还有 { $n } 片
check-piece = 片段
check-sent = 发出
check-datagram = 数据报
check-hint-label = 提示：
check-replay = 重放：    { $command }
check-verdict-pass = { $n } 个用例中 { $passed } 个通过，每个种子都通过（{ $seconds } 秒）
check-verdict-fail = { $n } 个用例中有 { $failed } 个失败（{ $seconds } 秒）
check-json-failed = 无法写出报告：{ $error }

## 开头一行
check-banner = sticky check { $lab }：{ $against }
check-banner-format = 线上格式：{ $format }；{ $seeds }
check-banner-one-seed = 每个用例 1 个种子，从种子 { $first } 开始
check-banner-seeds = 每个用例 { $seeds } 个种子，从种子 { $first } 开始
check-banner-client = 你的客户端 `{ $program }` 对我们的参考服务器
check-banner-server = 你的服务器 `{ $program }`，由我们的参考客户端来测
check-banner-addr = { $addr } 上的服务器，由我们的参考客户端来测
check-banner-datagrams = 课程的数据报，一条消息一个（UDP 保留消息边界：--compat 不起作用）
check-banner-default = { $format } —— 默认值，课程里的程序说的就是它
check-banner-little = ；报头字节序为小端（struct.pack('<i')）
check-banner-big = ；报头字节序为大端（struct.pack('!I')）

## 启动错误（退出码 2）
check-nothing-arrived = { $seconds } 秒内什么也没收到（{ $error }）
check-no-cases = sticky check 还没有 { $lab } 的用例：可以检查 lab 03、04、05、06 和 07（lab 01 作为演示）；docs/check.md 里有列表
check-not-a-lab = “{ $given }”不是一个实验：请写 lab03、3 或 lab03-length-ack（{ $labs }）
check-lab01-no-ours = lab 01 只有课程原来的格式：没有帧可以检查（去掉 --compat ours）
check-lab01-clients-only = lab 01 只检查客户端：它的服务器不分帧，任何客户端都分不清它的回复
check-no-such-case = 这个实验和角色下没有叫“{ $name }”的用例；用例有：{ $cases }

## lab 03、04 的用例（05、07 共用的也在这里）
check-client-utf8-cut-what = 中文文本切成 1-2 字节一片：每个字符都被切开
check-client-utf8-cut-hint = 有一片在字符中间结束了：先把所有字节拼起来再一次性解码（或者直接写出字节，不要一片一片地解码成文本）
check-client-short-reply-what = 一条短回复，切成 1-4 字节一片
check-client-over-1024-what = `help`，超过 1024 字节的回复，每片最多 700 字节
check-client-over-1024-hint = 回复比一次 recv(1024) 长：先读长度，再循环读，直到回复的每个字节都到齐
check-client-one-mib-what = 1 MiB 的回复（`bytes 1048576`），每片最多 64 KiB
check-client-one-mib-hint = 1 MiB 的回复绝不会在一次 recv() 里到齐：循环读、不断追加，直到凑够报头说的长度
check-client-empty-reply-what = `sleep 0` 什么也不输出：长度为 0，然后是下一条命令
check-client-empty-reply-hint = 长度 0 也是一条完整的回复：什么也不打印，接着读下一个报头（recv(0) 立刻返回 b''；不要把它当成服务器关闭了）
check-client-every-byte-what = 每个字节单独一片，报头也一样
check-client-header-split-what = 报头切成 1|3（lab 03：长度文本在第一个字节后切开）
check-client-header-split-hint = 一次 recv(4) 只返回了 1 个字节：循环读，凑齐 4 个报头字节再解包
check-client-glued-what = 报头和整条回复在同一片里，本机回环通常就是这样送达的
check-client-glued-hint = 报头和回复的开头在同一次 recv() 里到达（粘包）：读过报头之后多出来的字节要留着，那是回复的前几个字节
check-client-slow-dribble-what = 每片 1-8 字节，间隔 25 毫秒
check-client-slow-dribble-hint = 停顿不等于回复结束：一直读到报头说的长度到齐（套接字超时设得太短会过早放弃）
check-client-closed-mid-reply-what = 服务器宣布 1000 多字节，只发 300 字节就关闭
check-client-closed-mid-reply-hint = 回复还没收完，recv() 就返回了 b''：服务器已经走了 —— 在 stderr 上说明，并以非 0 退出，不要对着 b'' 死循环
check-server-short-reply-what = `echo hello N`，一条短回复
check-server-short-reply-hint = 回复要带上报头和命令输出的每一个字节（用 sendall，不要用 send）
check-server-over-1024-what = `seq 400`，超过 1024 字节的回复
check-server-over-1024-hint = 用 sendall() 把全部输出发出去；长度按字符数而不是字节数来算也是错的
check-server-big-reply-what = `seq 150000`，938,895 字节的回复
check-server-big-reply-hint = send() 对大回复可能只写出一部分：用 sendall()，并且先拿到命令的全部输出再发长度
check-server-empty-reply-what = `sleep 0` 什么也不输出：长度为 0 的回复，然后是另一条命令
check-server-empty-reply-hint = 没有输出的命令也要回复：长度 0，没有正文（lab 03：客户端的 ok 和它的下一条命令会在同一次 recv() 里到达：ok 要正好读 2 个字节）
check-server-utf8-what = 中文的命令和回复（多字节 UTF-8）
check-server-utf8-hint = 长度是 len(bytes)，不是 len(text)：先编码，再计数
check-server-request-split-what = 每个请求切成 1-3 字节一片，间隔 2 毫秒
check-server-request-split-hint = 一次 recv() 只拿到请求的报头或命令的一部分（半包）：循环读，先凑齐整个报头，再凑齐整条命令
check-server-every-byte-what = 每个请求的每个字节单独一片
check-server-every-byte-hint = 一次 recv(4) 只返回了 1 个字节：循环读，凑齐全部 4 个报头字节
check-server-requests-glued-what = 两个请求一次写出，然后读两条回复
check-server-requests-glued-hint = 一次 recv() 里有两个请求（粘包）：正好读一个请求的字节，剩下的留给下一个
check-server-ok-split-what = 客户端的 `ok` 分成 `o` | `k` 两次发（lab 03）
check-server-ok-split-hint = recv(1024) 只返回了 'o'：ok 要正好读 2 个字节（循环读），然后再发数据
check-server-client-leaves-what = 一个客户端请求 `seq 150000`，读 1000 字节就重置连接；下一个客户端必须得到服务
check-server-client-leaves-hint = 客户端在回复中途离开，send 会出错：捕获它，关掉那条连接，回到 accept()
check-server-several-clients-what = 四个客户端同时连接，各发三条命令
check-server-several-clients-hint = 要一直服务下去：一个客户端关闭后，accept() 下一个（每个客户端一个线程，就能同时服务）
check-hint-loop = 一次 recv(n) 返回的字节少于 n（半包）：循环读，直到凑齐 n 个（或者用 recv(n, socket.MSG_WAITALL)）

## lab 05 自己的用例
check-lab05-client-json-cut-what = 4 个长度字节完整发出，JSON 报头在第 7 个字节后切开
check-lab05-client-json-cut-hint = 一次 recv(header_len) 只返回了 JSON 的一部分：json.loads 解析不了半个报头。循环读，直到 header_len 个字节全部到齐
check-lab05-client-put-get-what = 从你的文件夹 `put upload-N.bin`，再 `get served-N.bin`，每片最多 1500 字节；检查 md5
check-lab05-client-put-get-hint = 先发 {"{"}"opt": "upload", "filename", "filesize", "md5"{"}"}，再发每一个字节（sendall）；get 时正好读完报头，再正好读 filesize 个字节，检查 md5，然后保存文件
check-lab05-client-missing-file-what = `get missing-N.bin`：我们的服务器回答 {"{"}"ok": false, "error": …{"}"}；然后是一条命令
check-lab05-client-missing-file-hint = "ok": false 的报头是拒绝，没有正文：打印 `error: ` 和它的 "error"，什么也不保存，继续往下
check-lab05-client-dotdot-name-what = `get ../served-N.bin`：我们的服务器拒绝这个名字；然后是一条命令
check-lab05-client-dotdot-name-hint = "ok": false 的报头是拒绝，没有正文：打印 `error: ` 和它的 "error"，什么也不保存，继续往下
check-lab05-server-header-md5-what = `echo …`：回复的报头里有 "md5" 时，它必须是正文的 md5
check-lab05-server-header-md5-hint = 对你发出的字节计算 hashlib.md5(body).hexdigest()（或者干脆不写 "md5"）：说假话的报头比没有还糟
check-lab05-server-put-get-what = 上传一个文件，每片最多 1500 字节（报头里有 md5），再下载它：字节相同，md5 正确
check-lab05-server-put-get-hint = 上传时正好读完报头，再正好读 filesize 个字节（循环读），检查 md5，保存；回答下载时先发带 filesize 和 md5 的报头，再发字节（sendall）
check-lab05-server-missing-file-what = 下载一个不存在的文件：{"{"}"ok": false, …{"}"}，然后在同一条连接上发一条命令
check-lab05-server-missing-file-hint = 下载的文件不存在时，回答报头 {"{"}"ok": false, "error": …, "total_size": 0{"}"}，并继续服务
check-lab05-server-dotdot-name-what = 上传和下载 `../NAME`：都要拒绝，文件夹外面什么也不能写
check-lab05-server-dotdot-name-hint = 文件名只是一个名字：拒绝 '..'、'/'、'\\' 和空名字（下载时只用 os.path.basename 不够）；被拒绝的上传，正文照样要读掉

## lab 06（UDP）
check-lab06-client-boundaries-what = 四个短数据报，每个都由它自己的数据报回答
check-lab06-client-boundaries-hint = 把 stdin 的每一行作为一个数据报发出，打印每条回复的字节，再加一个换行
check-lab06-client-reply-over-buffer-what = 1500-4000 字节的回复：超过课程里的 recvfrom(1024)
check-lab06-client-empty-datagram-what = 空行就是空数据报；它的回复也是空的
check-lab06-client-empty-datagram-hint = 0 字节的数据报是一条真正的消息：空行要发 b''，空回复打印成一个空行（recvfrom() 返回 b'' 并不表示关闭）
check-lab06-client-near-limit-what = 本系统最大尺寸的数据报，以及小一个字节的（Linux 上是 65507 字节）
check-lab06-client-near-limit-hint = IPv4 上最大的数据报是 65507 字节：用 65535 的缓冲区接收（socketserver 的 max_packet_size 是 8192，太小）
check-lab06-client-utf8-what = 中文和带重音的文本：bytes.upper() 只改 ASCII 字母
check-lab06-client-utf8-hint = 回复的字节来了什么就打印什么（sys.stdout.buffer.write），不要打印 repr，也不要先解码再编码
check-lab06-client-reply-lost-what = 我们的服务器丢掉最后一个数据报的回复，就像网络可能做的那样
check-lab06-client-reply-lost-hint = UDP 可能丢掉数据报，而且没人告诉你：设一个超时（sock.settimeout(5)），超时后在 stderr 上说明，并以非 0 退出
check-lab06-server-boundaries-what = 两个数据报紧挨着发：两条回复，各自完整
check-lab06-server-boundaries-hint = 每个数据报用一个数据报回答：每次 recvfrom() 对应一次 sendto(data.upper(), addr)
check-lab06-server-over-1024-what = 一个 1500-4000 字节的数据报
check-lab06-server-empty-datagram-what = 一个空数据报（用空数据报回答），然后再来一个
check-lab06-server-empty-datagram-hint = 0 字节的数据报是一条真正的消息：回答它（b''.upper() 就是 b''），不要把它当成客户端离开
check-lab06-server-near-limit-what = 本系统最大尺寸的数据报，以及小一个字节的（Linux 上是 65507 字节）
check-lab06-server-near-limit-hint = IPv4 上最大的数据报是 65507 字节：用 recvfrom(65535) 读（socketserver 的 UDP 服务器只读 max_packet_size = 8192 字节）
check-lab06-server-utf8-what = `粘包 straße café`：bytes.upper() 只改 ASCII 字母
check-lab06-server-utf8-hint = 对字节做大写（data.upper()），不要对解码后的文本做：str.upper() 会把 ß 变成 SS、é 变成 É
check-lab06-server-several-clients-what = 四个客户端同时发，各发三个数据报：每个都收到自己的回复
check-lab06-server-several-clients-hint = 每个数据报都回给它来的地址（recvfrom 返回的 addr），绝不能回给最后见到的那个客户端
check-lab06-hint-buffer = recvfrom(1024) 只留下较长数据报的前 1024 个字节，其余被内核扔掉了（截断，man 7 udp）：用 65535 的缓冲区，比任何数据报都大（或者用 recvmsg 的 MSG_TRUNC 标志发现截断，并在 stderr 上说明）

## lab 07（回显）
check-lab07-client-short-reply-what = 三条短回显，切成 1-4 字节一片
check-lab07-client-over-1024-what = 1500-2286 字节的消息，回显每片最多 700 字节
check-lab07-client-big-reply-what = 256 KiB 的消息，回显每片最多 64 KiB
check-lab07-client-big-reply-hint = 长回显绝不会在一次 recv() 里到齐：循环读、不断追加，直到全部收到
check-lab07-client-every-byte-what = 每个字节单独一片
check-lab07-client-header-split-what = 4 字节报头切成 1|3（--compat ours）
check-lab07-client-header-split-hint = 一次 recv(4) 只返回了 1 个字节：循环读，凑齐 4 个报头字节再解包
check-lab07-client-glued-what = 600 字节的回显在同一片里，本机回环通常就是这样送达的
check-lab07-client-glued-hint = 原样打印回复的字节，再加一个换行
check-lab07-client-slow-dribble-what = 每片 1-8 字节，间隔 25 毫秒
check-lab07-client-slow-dribble-hint = 停顿不等于回复结束：一直读到 len(msg) 个字节（套接字超时设得太短会过早放弃）
check-lab07-client-closed-mid-reply-what = 1000 字节的消息；服务器只发回显的 300 字节就关闭
check-lab07-client-closed-mid-reply-hint = 回复还没收完，recv() 就返回了 b''：服务器已经走了 —— 在 stderr 上说明，并以非 0 退出，不要对着 b'' 死循环
check-lab07-server-short-reply-what = 三条短消息，回显成大写
check-lab07-server-short-reply-hint = 每个字节都要回：sendall(data.upper())，不要用 send()
check-lab07-server-over-1024-what = 1500-2286 字节的消息（超过一次 recv(1024)）
check-lab07-server-over-1024-hint = recv(1024) 只返回长消息的一部分：把收到的转成大写，sendall() 回去，再接着 recv()（我们的格式：读完整个帧）
check-lab07-server-utf8-what = `straße café 粘包`：bytes.upper() 只改 ASCII 字母
check-lab07-server-utf8-hint = 对字节做大写（data.upper()），不要对解码后的文本做：str.upper() 会把 ß 变成 SS、é 变成 É，回显的字节和长度就都变了
check-lab07-server-request-split-what = 每条消息切成 1-3 字节一片，间隔 2 毫秒
check-lab07-server-request-split-hint = 一次 recv() 只拿到消息的一部分（半包）：收到什么就回什么，然后继续读（我们的格式：循环读，先凑齐整个报头，再凑齐整条消息）
check-lab07-server-every-byte-what = 每条消息的每个字节单独一片
check-lab07-server-every-byte-hint = 一次 recv() 只返回了 1 个字节：回答它，然后继续读（我们的格式：循环读，凑齐全部 4 个报头字节）
check-lab07-server-requests-glued-what = 两条消息一次写出，然后读两条回显
check-lab07-server-requests-glued-hint = 一次 recv() 里有两条消息（粘包）：全部回答（我们的格式：正好读一个帧，剩下的留给下一个）
check-lab07-server-second-client-idle-what = 一个客户端得到服务后保持连接、不说话；这期间第二个客户端必须得到服务
check-lab07-server-second-client-idle-hint = 一条连接不关就一直只服务它，别人都得等：给每个客户端一个线程（socketserver.ThreadingTCPServer，或者每次 accept() 开一个 threading.Thread）
check-lab07-server-several-clients-what = 四个客户端同时连接，各发三条消息
check-lab07-server-several-clients-hint = 每个客户端都要拿到自己的回显：每个客户端一个线程（或一个套接字），绝不能共用一个缓冲区
check-lab07-server-client-leaves-what = 一个客户端发 512 KiB，只读回显的 1000 字节就重置连接；下一个客户端必须得到服务
check-lab07-server-client-leaves-hint = 客户端在回复中途离开，send 会出错：捕获它，关掉那条连接，继续服务其他人
check-lab07-hint-one-recv = 一次 recv(1024) 不等于一条回复：消息的回复和消息一样长（upper() 不改长度），所以要循环读，直到凑够 len(msg) 个字节

## Checking a client (client.rs)
check-cl-needs-port = --client 的命令行里要有 {"{"}port{"}"}（通常还要有 {"{"}host{"}"}），例如 --client 'python3 my_client.py {"{"}host{"}"} {"{"}port{"}"}'；收到的是 `{ $template }`
check-thread-panicked = 运行用例的线程崩溃了
check-cl-skip-echo-no-header = 课程的回显没有报头（--compat ours 才有）
check-cl-skip-digits-no-end = 课程的长度数字没有结束标记：一旦切开，任何客户端都读不对
check-cannot-listen = 无法在 127.0.0.1 上监听：{ $error }
check-cl-never-connected = 你的客户端一直没有连接 127.0.0.1:{ $port }（{ $why }）；命令：`{ $command }`{ $stderr }
check-cl-no-scratch = 无法创建临时文件夹：{ $error }
check-cl-scratch-write = 无法在临时文件夹里写入 { $name }：{ $error }
check-exited-first = 它先退出了，{ $status }
check-nothing-within = { $seconds } 秒内没有动静
check-cl-closed-instead = 你的客户端没有发送 `{ $command }`，而是关闭了连接
check-cl-waiting-command = 等待命令 `{ $command }` 时：{ $error }
check-cl-sent-instead = 应当收到命令 `{ $command }`（stdin 的下一行），你的客户端却发来了 "{ $sent }"
check-cl-hint-framed-request = 在我们的格式里（--compat ours），每个请求都要给命令套上本实验的帧
check-cl-hint-bare-request = 在课程原来的格式里（默认），stdin 的每一行按原样的字节发出：不加报头，也不加换行；按我们的格式写的程序要加 --compat ours
check-cl-sending-reply = 发送 `{ $command }` 的回复时：{ $error }
check-cl-mid-reply-hangs = 我们的服务器在回复中途关闭了，{ $seconds } 秒后你的客户端还在运行：它卡住了，而没有报告服务器已经断开
check-cl-mid-reply-exit0 = 我们的服务器在回复中途关闭了，你的客户端却以 0 退出，好像回复是完整的
check-cl-silent-exit = 你的客户端退出了（{ $status }），但 stderr 上什么也没说：要说明发生了什么
check-cl-printed-nothing = `{ $command }` 的回复（{ $bytes } 字节），你的客户端什么也没打印
check-cl-printed-part = `{ $command }` 的回复有 { $bytes } 字节，你的客户端只打印了前 { $at } 个（半包）
check-cl-output-differs = 你的客户端的输出与 `{ $command }` 的 { $bytes } 字节回复在第 { $at } 个字节处不同
check-cl-and-exited = { $message }；它退出了，{ $status }{ $stderr }
check-cl-and-still-running = { $message }；我们的服务器结束 { $seconds } 秒后它还在运行（卡在 recv() 里了？）
check-cl-and-stuck = { $message }；{ $seconds } 秒后你的客户端还在运行（卡住了，多半是在 recv() 里等永远不会来的字节）
check-cl-printed-more = 最后一条回复之后，你的客户端又多打印了 { $bytes } 个字节："{ $preview }"
check-cl-hint-print-only = 只打印每条回复的字节，别的什么都不要打印（可以有提示符 `>>> `）
check-cl-lost-still-waiting = 你最后一条消息的回复丢了（我们的服务器故意丢掉它，就像网络可能做的那样），{ $seconds } 秒后你的客户端还在等
check-cl-lost-exit0 = 你最后一条消息的回复丢了，你的客户端却以 0 退出，好像每条回复都到了
check-cl-lost-silent = 你最后一条消息的回复丢了；你的客户端退出了（{ $status }），但 stderr 上什么也没说：要说明发生了什么
check-cl-never-exits = 每条回复都对，但 stdin 结束 { $seconds } 秒后你的客户端还在运行
check-cl-hint-exit-at-eof = stdin 结束时就退出（input() 会抛出 EOFError；`for line in sys.stdin` 会自然结束）
check-cl-exit-nonzero = 每条回复都对，但你的客户端退出时是 { $status }{ $stderr }
check-cl-hint-exit0 = stdin 结束时以 0 退出
check-cl-forked = 你的客户端退出了，但它启动的一个进程还在运行
check-cl-hint-no-fork = 不要 fork，也不要启动后台进程；它们已被杀掉
check-stderr-ends = ；它的 stderr 最后几行：{ $stderr }

## Checking a server (server.rs)
check-sv-needs-port = --server 的命令行里要有 {"{"}port{"}"}，例如 --server 'python3 my_server.py {"{"}port{"}"}'；收到的是 `{ $template }`
check-sv-no-free-port = 找不到空闲的端口：{ $error }
check-sv-exited-before-accept = 你的服务器还没接受任何连接就退出了（{ $status }）{ $busy }{ $stderr }；命令：`{ $command }`
check-sv-port-busy = （它的端口被占用了）
check-sv-nothing-listens = { $seconds } 秒后 { $addr } 上仍然没有程序在监听；命令：`{ $command }`
check-sv-skip-no-frame = 课程的请求没有帧，无从切开（--compat ours 才有）
check-sv-skip-bare-glued = 课程的裸命令没有结束标记：两条粘在同一个报文段里就分不开了（--compat ours 会给它们分帧）
check-sv-skip-no-ok = 这个实验没有 ok
check-sv-connect-exited = 无法连接你的服务器：它已经退出了，{ $status }{ $stderr }（服务器每服务完一个客户端都要回到 accept()）
check-cannot-connect = 无法连接到 { $addr }：{ $error }
check-sending = 发送 `{ $command }` 时：{ $error }
check-reading-reply = 读取 `{ $command }` 的回复时：{ $error }
check-sv-not-started = 没有启动服务器
check-sv-requests-cut = { $what }（请求也切开：每片 1-{ $max } 字节，超过 { $long } 字节的请求大约切成十片）
check-sv-reply-differs = 你的服务器对 `{ $command }` 的 { $got } 字节回复，与这条命令输出的 { $want } 字节在第 { $at } 个字节处不同
check-sv-had-exited = { $message }；你的服务器已经退出了（{ $status }）{ $stderr }
check-sv-hint-go-on = 服务器必须一直服务下去：一个客户端离开后，accept() 下一个。{ $hint }
check-sv-sending-two = 发送两个请求时：{ $error }
check-sv-reading-glued = 读取 `{ $command }`（和另一个请求粘在一起发出）的回复时：{ $error }
check-sv-after-left = 一个客户端在回复中途离开之后：{ $error }
check-sv-next-after-left = 一个客户端在回复中途离开后，下一个客户端：{ $error }
check-sv-client-cannot-connect = { $n } 个客户端中的第 { $k } 个：无法连接：{ $error }
check-sv-client-at-once = { $n } 个客户端中的第 { $k } 个（全部同时连接）：{ $error }
check-sv-second = 第二个客户端：{ $error }
check-sv-second-while-idle = 第一个客户端连着但不说话时，第二个客户端：{ $error }（你的服务器一次只服务一个客户端？）

## Labs 01, 03 and 07's wires
check-lab01-no-frame = lab 01 的回复没有帧：根本没有“一整条回复”可读
check-lab01-hint = lab 01 的回复不带长度，任何客户端都不知道一条回复在哪里结束：这正是这一课要讲的。lab 03 和 04 加上了帧，这个用例才有可能通过
check-lab03-closed-before-length = 服务器没有发长度，而是关闭了连接
check-lab03-empty-length = 长度文本是空的
check-lab03-not-ok = 你的客户端对长度的回答是 "{ $answer }"，不是 "ok"
check-lab03-sending-ok-glued = 发送粘着 `{ $command }` 的 `ok` 时：{ $error }
check-lab03-reading-after-ok = `ok` 和 `{ $second }` 在一次写里发出后，读取 `{ $first }` 的回复时：{ $error }（用一次 recv(1024) 读 ok 的服务器会把后面的命令一起读走）
check-lab03-reading-glued-to-ok = 读取 `{ $command }`（和 ok 粘在一起发出）的回复时：{ $error }
check-lab07-no-frame = 课程的回显没有帧：read_reply_to 知道它的长度

## Lab 05's exchanges
check-lab05-bare-put-get = 你的客户端把 `{ $line }` 当成裸命令发了出来；put 和 get 是分帧的请求：先是 4 字节长度，然后是 {"{"}"opt": "upload" 或 "download", "filename": …{"}"}
check-lab05-waiting-header = 等待 `{ $line }` 的请求报头时：{ $error }
check-lab05-not-file-request = 你的客户端为 `{ $line }` 发的报头不是上传或下载请求（{ $error }）：{ $header }
check-lab05-sending-refusal = 发送拒绝 { $refusal } 时：{ $error }
check-lab05-not-upload = 对 `{ $line }`，你的客户端发的不是 {"{"}"opt": "upload"{"}"} 请求
check-lab05-upload-name = 你的客户端的上传报头写的文件名是 { $filename }；`{ $line }` 上传的是 { $name }（发文件名，不要发路径）
check-lab05-upload-size = 你的客户端的上传报头说 filesize 是 { $filesize }；{ $name } 有 { $bytes } 字节
check-lab05-upload-bytes = 你的客户端发来的 { $name } 的字节与文件在第 { $at } 个字节处不同
check-lab05-upload-md5 = 你的客户端的上传报头说 md5 是 { $md5 }；文件的 md5 是 { $want }
check-lab05-not-download = 对 `{ $line }`，你的客户端发的不是 {"{"}"opt": "download"{"}"} 请求
check-lab05-download-name = 你的客户端的下载报头要的是 { $filename }；`{ $line }` 要的是 { $name }
check-lab05-sending-file = 为 `{ $line }` 发送 { $name } 时：{ $error }
check-lab05-file-not-command = 应当收到一条命令，你的客户端却发来了上传或下载请求
check-lab05-request-header = 你的客户端的请求报头：{ $error }
check-lab05-server-refused = 你的服务器拒绝了：{ $error }
check-lab05-get-not-stored = `get { $name }` 已经打印了它那一行，你的客户端的文件夹里却没有 { $name }（{ $error }）
check-lab05-stored-differs = 你的客户端保存的 { $name }（{ $got } 字节）与发出的 { $want } 字节在第 { $at } 个字节处不同
check-lab05-reply-not-output = 你的服务器对 `{ $command }` 的回复不是这条命令的输出
check-lab05-reply-md5 = 你的服务器对 `{ $command }` 的回复，报头说 md5 是 { $md5 }；{ $bytes } 个正文字节的 md5 却是 "{ $real }"
check-lab05-uploading = 上传 { $name } 时：{ $error }
check-lab05-upload-answer = 读取上传 { $name } 的应答时：{ $error }
check-lab05-refused-upload = 你的服务器拒绝了 { $name } 的上传：{ $header }
check-lab05-asking-download = 请求下载 { $name } 时：{ $error }
check-lab05-downloading = 下载刚上传的 { $name } 时：{ $error }
check-lab05-download-answer = 下载刚上传的 { $name }，你的服务器的回答是 { $header }
check-lab05-download-differs = 你的服务器为 { $name } 发来的 { $got } 字节，与上传的 { $want } 字节在第 { $at } 个字节处不同
check-lab05-download-md5 = { $name } 的下载报头说 md5 是 { $md5 }；文件的 md5 是 "{ $want }"
check-lab05-none = （没有）
check-lab05-refusal-answer = 读取下载 { $name }{ $why } 的应答时：{ $error }
check-lab05-not-refused = 下载 { $name }{ $why }，你的服务器的回答是 { $header } 和 { $bytes } 个正文字节，而不是 "ok": false
check-lab05-not-there = （这个文件不存在）
check-lab05-after-missing = 拒绝了一个不存在的文件之后，你的服务器没有回答 `{ $command }`：{ $got }
check-lab05-dotdot-answer = 读取上传 { $name } 的应答时：{ $error }
check-lab05-dotdot-not-refused = 上传 { $name }，你的服务器的回答是 { $header }，而不是 "ok": false
check-lab05-after-dotdot = 上传 { $name } 之后，你的服务器对 `{ $command }` 的回答是 { $header } 和 "{ $body }"
check-lab05-after-dotdot-reading = 上传 { $name } 之后，读取 `{ $command }` 的回复时：{ $error }
check-lab05-stored-outside = 你的服务器把名为 { $name } 的上传存到了它的文件夹外面：{ $path }（已删除）

## Lab 06's exchanges (UDP)
check-cannot-start = 无法启动 `{ $command }`：{ $error }
check-lab06-empty-datagram = （一个空数据报）
check-lab06-no-socket-local = 无法在 127.0.0.1 上打开 UDP 套接字：{ $error }
check-lab06-never-sent = 你的客户端一直没有向 127.0.0.1:{ $port } 发送数据报（{ $why }）；命令：`{ $command }`{ $stderr }
check-lab06-sent-nothing = 应当收到数据报 { $datagram }（stdin 的下一行），你的客户端却 { $seconds } 秒什么也没发
check-lab06-sent-other = 应当收到数据报 { $datagram }（{ $want } 字节，即 stdin 的下一行去掉换行），你的客户端却发来了 { $sent }（{ $bytes } 字节）
check-lab06-sending-reply = 发送 { $datagram } 的回复时：{ $error }
check-lab06-hint-one-datagram = stdin 的每一行作为一个数据报发出：内容是去掉换行后的字节（空行就是空数据报）
check-lab06-no-free-port = 找不到空闲的 UDP 端口：{ $error }
check-lab06-no-socket = 无法打开 UDP 套接字：{ $error }
check-lab06-exited-before-answer = 你的服务器还没回答任何数据报就退出了（{ $status }）{ $stderr }；命令：`{ $command }`
check-lab06-nothing-answered = { $seconds } 秒内 { $addr } 上没有程序回答数据报（转大写的回显服务器会用 `PROBE` 回答 `probe`）；命令：`{ $command }`
check-lab06-restarted = 上一个用例之后你的服务器已经退出了（{ $status }）{ $stderr }；已重新启动它
check-lab06-no-reply = { $seconds } 秒内没有收到对 { $after } 的回复
check-lab06-waiting-reply = 等待对 { $after } 的回复时：{ $error }
check-lab06-reply-differs = 你的服务器对 { $datagram } 的 { $got } 字节回复，与它转成大写后的 { $want } 字节在第 { $at } 个字节处不同
check-lab06-sending = 发送 { $datagram } 时：{ $error }
check-lab06-client-of-four = 4 个客户端中的第 { $client } 个（全部同时发）：{ $error }
check-lab06-back-to-back = 紧挨着发出的 { $n } 个数据报
check-lab06-replies-came = { $error }：{ $n } 条回复只到了 { $came } 条
check-lab06-not-one-of-them = 对紧挨着发出的两个数据报，你的服务器回答了 { $got }（{ $bytes } 字节），它不是其中任何一个的大写

## labs/sticky.rs: `sticky check`'s own flags
check-byte-order-lab04 = --byte-order 是 lab 04 的参数：只有它的 4 字节报头是二进制的
check-give-a-role = 请给出 --client 命令、--server 命令 或 --addr 主机:端口
