# Seed 002 §1.1 ("基础版"), the lesson's client, transcribed.
#
# Kept exactly as the lesson wrote it: one client.send() per command, ONE
# client.recv(1024) per reply, decoded as GBK (the lesson's server ran on a
# Chinese Windows machine). Only two changes, so tests can drive it:
#   * argv[1] is the port (instead of 9527);
#   * the commands come from argv[2:], or (none given) one per line of
#     stdin, instead of input(); each is echoed after the lesson's prompt so
#     the output reads like a session, and flushed, so a pipe sees it at once.
#
#   python3 lab01_lesson_client.py 9527 help ls
#   printf 'help\nls\n' | python3 lab01_lesson_client.py 9527
import socket
import sys

port = int(sys.argv[1])
commands = sys.argv[2:] or sys.stdin  # CHANGED: stdin when argv has none

client = socket.socket(socket.AF_INET,socket.SOCK_STREAM)
client.connect(('127.0.0.1',port))

for line in commands:  # was: while True: cmd = input('请输入指令>>').strip()
    cmd = line.strip()
    print('请输入指令>>' + cmd)
    if len(cmd) == 0:
        continue
    if cmd == 'q':
        break
    client.send(cmd.encode('utf-8'))
    cmd_res = client.recv(1024)
    print(cmd_res.decode('gbk'), flush=True)

client.close()
