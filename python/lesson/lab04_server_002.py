# Seed 002 §1.2, server side: header, then stdout, then stderr, in three sends.
# CHANGED: port from argv[1] (0 = any), address printed. Real shell: send safe commands only.
import subprocess
import struct
import sys
from socket import *
server = socket(AF_INET, SOCK_STREAM)
server.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1)
server.bind(('127.0.0.1', int(sys.argv[1])))  # CHANGED
server.listen(5)
print('lab04 python server listening on %s:%d' % server.getsockname(), file=sys.stderr, flush=True)  # CHANGED

while True:
    conn, client_addr = server.accept()
    while True:
        try:
            cmd = conn.recv(1024)
            if len(cmd) == 0: break
            obj = subprocess.Popen(cmd.decode('utf-8'),
                                   shell=True,
                                   stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE
                                   )
            stdout_res = obj.stdout.read()
            stderr_res = obj.stderr.read()
            total_size = len(stdout_res) + len(stderr_res)
            header = struct.pack('i', total_size)
            conn.send(header)
            conn.send(stdout_res)
            conn.send(stderr_res)
        except Exception:
            break
    conn.close()
