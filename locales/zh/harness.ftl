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
