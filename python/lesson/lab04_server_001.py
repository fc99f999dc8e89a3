# Seed 001, scheme 2, server side: struct.pack('i', len) + data in one send.
# Transcribed from the lesson; CHANGED: port from argv[1] (0 = any), address
# printed, loop ends when the client closes. Real shell: send safe commands only.
import socket
import subprocess
import struct
import sys

server = socket.socket()
ip_port = ('127.0.0.1', int(sys.argv[1]))  # CHANGED

server.bind(ip_port)

server.listen()
print('lab04 python server listening on %s:%d' % server.getsockname(), file=sys.stderr, flush=True)  # CHANGED

conn, addr = server.accept()

while 1:
    from_client_cmd = conn.recv(1024)
    if not from_client_cmd:  # CHANGED
        break

    print(from_client_cmd.decode('utf-8'))
    sub_obj = subprocess.Popen(
        from_client_cmd.decode('utf-8'),
        shell=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE
    )
    std_msg = sub_obj.stdout.read()

    std_msg_len = len(std_msg)

    print('Execution result length of instruction>>>>', len(std_msg))
    msg_lenint_struct = struct.pack('i', std_msg_len)
    conn.send(msg_lenint_struct + std_msg)
