# src/report 显示的内容：分块视图、消息账本、图的坐标轴。

chunks-boundary-inside = ← 里面有 { $n } 条消息边界
chunks-boundaries-inside = ← 里面有 { $n } 条消息边界
chunks-nothing = { $label }：什么也没收到
ledger-summary = 发出 { $sent } 条 → 完整 { $intact }，半包 { $split }，粘包 { $merged }，丢失 { $lost }（共 { $reads } 次读取{ $corrupted }）
ledger-corrupted = ，字节已损坏
delivery-summary = 发出 { $sent } 条 → 完整 { $intact }，损坏 { $corrupted }，丢失 { $lost }，多出 { $extra }
svg-bytes-axis = 共 { $n } 字节 —— 红色虚线：发送方的消息边界
svg-bytes-plain = 共 { $n } 字节
svg-zoom-title = 放大：同一字节流的前 { $n } 字节
svg-zoom-axis = { $n } 字节（放大）
svg-ms-axis = 从第一次写入起经过的毫秒数
