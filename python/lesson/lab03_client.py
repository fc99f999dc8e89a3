# Seed 001, scheme 1, client side. Transcribed from the lesson; CHANGED:
#   - port from argv[1]; commands from argv[2:] (or stdin lines) instead of input().
import socket
import sys

client = socket.socket()
client.connect(('127.0.0.1', int(sys.argv[1])))  # CHANGED: port from argv

cmds = sys.argv[2:] or (line.strip() for line in sys.stdin if line.strip())  # CHANGED: lazily, line by line
for cmd in cmds:  # CHANGED: was `while 1: cmd = input('Please input the instruction:')`
    client.send(cmd.encode('utf-8'))

    server_res_len = client.recv(1024).decode('utf-8')
    print('Message length from server', server_res_len)

    client.send(b'ok')

    server_cmd_result = client.recv(int(server_res_len))
    print(server_cmd_result.decode('gbk'), flush=True)  # CHANGED: flush, for pipes
client.close()
