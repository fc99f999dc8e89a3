# 分帧错误（src/framing）：帧出了什么问题，差了多少。
# 英文版同时是这些错误的 Display，会出现在服务器回给对方的 `error: …` 里（线上字节，保持英文）；
# 这里的中文只给人看（演示、客户端和服务器的日志）。

framing-closed = 连接已关闭
framing-truncated = 连接关闭了：{ $expected } 字节的{ $what }只收到 { $got } 字节
framing-negative-length = 报头声明的长度是负数（{ $len }）：不是合法的帧
framing-too-large = 报头声明 { $len } 字节，超过了 { $max } 字节的单帧上限
framing-unrepresentable = { $len } 字节的消息放不进 { $header }：它最多只能表示 { $limit }

framing-part-header = 报头
framing-part-body = 消息体
framing-part-frame = 帧
framing-part-reply = 回复
framing-part-command = 命令
framing-part-header-length = 报头长度
framing-part-length-text = 长度文本
framing-part-json-header = JSON 报头

framing-header-signed = 4 字节有符号报头（'i'）
framing-header-unsigned = 4 字节无符号报头（'I'）

framing-order-hint = 同样这 4 个字节按{ $other }读是 { $n }：两边用的字节序一样吗？
framing-order-big = 大端
framing-order-little = 小端

framing-json-length = 报头长度有问题：{ $error }
framing-json-not-utf8 = JSON 报头不是 UTF-8（第 { $offset } 个字节无效）
framing-json-invalid = JSON 报头不是合法的 JSON：{ $error }
framing-json-not-object = JSON 报头是{ $kind }，不是对象（字典）
framing-json-missing = JSON 报头里没有 "{ $key }" 这个键
framing-json-wrong-type = JSON 报头的键 "{ $key }" 应该是{ $expected }，实际是 { $got }
framing-json-negative = JSON 报头的键 "{ $key }" 是负数（{ $value }）
framing-json-body-too-large = JSON 报头声明消息体有 { $len } 字节，超过了 { $max } 字节的上限
framing-json-header-too-large = JSON 报头有 { $len } 字节，超过了 { $max } 字节的报头上限
framing-json-short-recv = unpack requires a buffer of 4 bytes（struct.error）：一次 recv(4) 只返回了 { $got } 字节

framing-json-null = null
framing-json-a-boolean = 布尔值
framing-json-a-number = 数字
framing-json-a-string = 字符串
framing-json-an-array = 数组
framing-json-an-object = 对象
framing-json-a-non-negative-integer = 非负整数
framing-json-true-or-false = true 或 false
