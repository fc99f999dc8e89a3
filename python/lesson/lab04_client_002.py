# Seed 002 §1.2, client side: recv(4) for the header, then recv(1024) in a loop
# until total_size bytes came. CHANGED: port from argv[1]; commands from
# argv[2:] (or stdin) instead of input().
import struct
import sys
from socket import *
client = socket(AF_INET, SOCK_STREAM)
client.connect(('127.0.0.1', int(sys.argv[1])))  # CHANGED

cmds = sys.argv[2:] or (line.strip() for line in sys.stdin if line.strip())  # CHANGED: lazily, line by line
for cmd in cmds:  # CHANGED: was `while True: cmd = input('请输入命令>>:').strip()`
    if len(cmd) == 0: continue
    client.send(cmd.encode('utf-8'))
    header = client.recv(4)
    total_size = struct.unpack('i', header)[0]
    recv_size = 0
    while recv_size < total_size:
        recv_data = client.recv(1024)
        recv_size += len(recv_data)
        print(recv_data.decode('utf-8'), end='')
    else:
        print(flush=True)  # CHANGED: flush, for pipes
client.close()
