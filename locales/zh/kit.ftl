# 工具层（kit）面向人的句子：服务器日志、执行器发给客户端的提示、代理的日志。
# 线上的字节和内置命令的输出（help、ls、dir、zh）不在这里：它们在哪种语言下都一样。

kit-server-thread-failed = 服务器：无法为 { $peer } 启动线程：{ $error }
kit-server-accept-failed = 服务器：accept 失败：{ $error }
kit-server-connected = {"["}{ $peer }] 已连接
kit-server-closed = {"["}{ $peer }] 已关闭
kit-server-error = {"["}{ $peer }] 出错：{ $error }
kit-server-no-deadline = 服务器：没有请求截止时间（它的线程启动不了：{ $error }）
kit-server-deadline = {"["}{ $peer }] 请求超过截止时间：{ $seconds } 秒里收到一个请求的 { $bytes } 字节，仍未答复（截止时间 { $limit }）；关闭连接
kit-server-failed = { $addr } 上的服务器：{ $error }
kit-idle = 客户端 { $wait } 没有发来任何数据（空闲超时）
kit-shell-local = 警告：--exec shell 会把客户端发来的每条命令交给真正的 shell 执行（只有本机能连上，地址 { $addr }）
kit-shell-remote = 警告！--exec shell 在 { $addr } 上并且加了 --allow-remote：任何能连上这个地址的人都能以当前用户身份执行命令
kit-shell-refused = 拒绝在非回环地址 { $addr } 上运行真正的 shell：那等于给任何能连上的人开了一个远程 shell（确实要这样做，请加 --allow-remote）

# 执行器的提示，作为命令的 stderr 发给客户端（和内置命令的输出一样，用服务器的 --encoding 编码）。
kit-runner-too-long = sticky：命令有 { $len } 字节，超过了单条命令 { $max } 字节的上限
kit-runner-not-utf8 = sticky：命令不是合法的 UTF-8（偏移 { $offset } 处有坏字节）
kit-runner-not-count = sticky：{ $what } 需要一个整数，收到的是 '{ $arg }'
kit-runner-sleep-stopped = sticky：sleep { $arg }：到了 { $timeout } 的超时被停止
kit-runner-sleep-not-number = sticky：sleep 需要一个秒数，收到的是 '{ $arg }'
kit-runner-empty = sticky：空命令
kit-runner-unknown = sticky：未知命令 '{ $command }'（试试 'help'）
kit-runner-no-shell = sticky：无法启动 shell：{ $error }
kit-runner-stopped = sticky：到了 { $timeout } 的超时被停止

# 混沌代理的日志。
kit-proxy-accept-failed = 代理：accept 失败：{ $error }
kit-proxy-conn-failed = 代理：连接 { $conn }：{ $error }
kit-proxy-cannot-reach = 连不上 { $addr } 上的服务器：{ $error }
kit-udp-proxy-decision = UDP 代理：{ $way } 第 { $index } 个数据报 { $action }
