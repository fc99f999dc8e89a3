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
