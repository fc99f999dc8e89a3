# `sticky` 工具：目前只有 `sticky labs`（课前预检）。

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
