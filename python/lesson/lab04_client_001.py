# Seed 001, scheme 2, client side: one recv(4), one recv(msg_len).
# CHANGED: port from argv[1]; commands from argv[2:] (or stdin) instead of input().
import socket
import struct
import sys

client = socket.socket()
client.connect(('127.0.0.1', int(sys.argv[1])))  # CHANGED

cmds = sys.argv[2:] or (line.strip() for line in sys.stdin if line.strip())  # CHANGED: lazily, line by line
for cmd in cmds:  # CHANGED: was `while 1: cmd = input(...)`
    client.send(cmd.encode('utf-8'))

    server_res_len = client.recv(4)
    msg_len = struct.unpack('i', server_res_len)[0]

    print('Message length from server', msg_len)
    server_cmd_result = client.recv(msg_len)
    print(server_cmd_result.decode('gbk'), flush=True)  # CHANGED: flush, for pipes
client.close()
