# 公共部分：演示的标题、结论、--step 暂停、共用参数的报错。
# 占位符写作 { $name }，必须与 en/harness.ftl 中的一致。

harness-stage-heading = 第 { $n } 步 ·
harness-step-pause = [回车] 第 { $n } 步：{ $title } —— 输入 q 停止…
harness-not-seen = { $observed } —— 按课程应当：{ $expected }
harness-verdict-label = 结论：
harness-verdict-all = 全部 { $n } 步都重现了课上讲的现象
harness-verdict-stopped = 在第 { $n } 步后被手动停止；不输入 q 再运行一次，就能看完所有步骤
harness-verdict-none = 一步也没有运行
harness-verdict-failed-stage = 第 { $n } 步（{ $title }）：{ $observed }
harness-verdict-not-reproduced = 没有重现 —— { $stages }
harness-separator = ；
harness-setup-title = 准备
harness-setup-expected = 演示用的服务器和套接字正常启动
harness-setup-failed = 演示无法启动：{ $error }
harness-stage-failed = 这一步无法运行：{ $error }
harness-unchecked-expected = 一个结果
harness-unchecked-observed = 这一步结束时没有做检查
harness-note-label = 注意：
harness-capture-needs-root = 抓包需要 root 权限或 CAP_NET_RAW（试试 sudo）
harness-capture-off = 没有写入抓包文件 { $path }：{ $why }；演示照常进行，只是不抓包
harness-capture-not-run-failed = 未进行：本次演示无法抓包
harness-capture-not-run-no-pcap = 未进行：没有给出 --pcap 文件（以 root 运行才能抓包）
harness-timeline-written = 时间线图已写入 { $path }
harness-cannot-write = 无法写入 { $path }：{ $error }
harness-packets-captured = 已抓到 { $n } 个包，写入 { $path }{ $dropped }（用 Wireshark 打开，或者：tshark -r { $path }）
harness-packets-dropped = ，另有 { $n } 个因内存不够没有保存
harness-capture-lost = 抓包丢了 { $m } 个包中的 { $n } 个：抓包线程跟不上时（机器太忙），内核把它们丢掉了，所以文件可能有缺口，不做对照检查
harness-json-failed = 无法写出 JSON 报告：{ $error }

flags-error-label = 错误：
flags-not-an-address = “{ $value }”不是一个地址：{ $error }
flags-no-address = “{ $value }”解析不出任何地址
flags-not-seconds = “{ $value }”不是秒数
flags-seconds-range = “{ $value }”秒超出范围：请给一个大于 0、不超过 86400（一天）的数
flags-count-too-few = “{ $value }”太少了：至少要 1
flags-not-whole = “{ $value }”不是整数
flags-not-a-size = '{ $value }' 不是一个大小：请给出字节数，或带 K、M、G 的数字
flags-size-too-small = '{ $value }' 太小了：至少要 1 字节
flags-size-too-large = '{ $value }' 太大了
flags-compat-ours = 本项目的分帧格式（请求也分帧）
flags-compat-lesson = 课程原来的格式（--compat lesson）
flags-cannot-listen = 无法在 { $addr } 上监听：{ $error }
flags-cannot-connect = 无法连接到 { $addr }：{ $error }
flags-listening = { $lab } 服务器正在监听 { $addr }

# 实验 03、04 的命令服务器和客户端（harness/command.rs）。
harness-cannot-read-addr = 读不到监听地址：{ $error }
harness-socket-error = 套接字：{ $error }
harness-reply-error = { $cmd }：{ $error }
harness-closed-without-reply = { $cmd }：{ $error }：服务器没有回复就关闭了连接 —— 原因见服务器的日志（常见的是 --compat 或 --byte-order 两边不一致，或者连到了别的实验的服务器）
harness-empty-reply = （空回复）
harness-own-reply-too-large = 对 '{ $cmd }' 的回复有 { $len } 字节，超过了本服务器自己的 --max-frame { $max }：改为给客户端发了一条错误回复
harness-no-reply = { $wait } 内没有等到回复（目前只收到 { $got } 字节；命令慢的话请调大 --reply-timeout）
harness-no-seed-cues = 找不到能引出这一幕的种子

# 从字节本身认出的常见配错（harness/wrong_format.rs）。
# 服务器回给对方的那一行始终用英文：课程的客户端按 GBK 解码回复，
# UTF-8 编码的中文会让它们出错停下。
harness-wrong-what-header = 报头
harness-wrong-what-length = 长度
harness-wrong-expected-header = 一个 4 字节报头
harness-wrong-expected-length = 一个长度
harness-wrong-expected-bare = 一条裸命令
harness-wrong-text-server = { $what }的字节看起来是文本 '{ $text }' —— 客户端讲的是不是课程的格式？请用 --compat lesson 启动服务器
harness-wrong-text-client = 回复开头是文本 '{ $text }'，这里本该是{ $expected } —— 这个地址上真的是本实验的服务器吗？（实验 01 的服务器直接发输出，实验 03 的先用数字发长度）
harness-wrong-binary-server = 请求开头是一个 4 字节的二进制报头（{ $hex } = 后面跟 { $len } 字节），这里本该是{ $expected } —— 是实验 04 的客户端，或者加了 --compat ours 分帧的客户端吗？请用 --compat lesson 启动客户端，或者启动服务器时去掉它，或者用本实验的客户端
harness-wrong-binary-client = 回复开头是一个 4 字节的二进制报头（{ $hex } = 后面跟 { $len } 字节），这里本该是{ $expected } —— 那是实验 04 的服务器吗？
harness-wrong-newline-server = 请求看起来是我们的分帧格式（长度文本 '{ $digits }\n'，后面是命令）—— 客户端讲的是不是我们的格式？请用 --compat lesson 启动客户端，或者启动服务器时去掉它
harness-wrong-newline-client = 回复里的长度 '{ $digits }\n' 以换行结尾，这是我们的格式 —— 服务器是不是没加 --compat lesson？那么客户端也去掉它
harness-wrong-no-newline = 长度 '{ $digits }' 的数字后面没有换行 —— 服务器讲的是不是课程的格式？请用 --compat lesson 启动客户端
harness-wrong-byte-order = 报头 { $hex } 按这边的字节序读是 { $read } 字节，按{ $order ->
        [big] 大端
       *[other] 小端
    }读却是 { $swapped } 字节 —— 对方是不是用了 --byte-order { $order }？
harness-wrong-json = 回复是一个 JSON 报头（{ $json }），实验 05 的服务器才这样发 —— 这个地址上是实验 05 的服务器吗？这个客户端讲的是实验 04 的「4 字节报头 + 输出」
