# Seed 002 §1.1 ("基础版"), the lesson's remote-command server, transcribed.
#
# Kept exactly as the lesson wrote it: one conn.recv(1024) is one command,
# subprocess.Popen(..., shell=True), and stdout_res+stderr_res sent raw with
# no framing. Only two changes, so tests can drive it:
#   * the port comes from argv (0 = any free port) instead of 9527;
#   * one line on stderr says where it listens (tests read the port from it).
# It runs whatever it is sent through the real shell: feed it only safe
# commands such as `echo hi`, and kill it when done.
import socket
import subprocess
import sys

port = int(sys.argv[1]) if len(sys.argv) > 1 else 9527

sever = socket.socket(-1,-1)
sever.bind(('127.0.0.1',port))
sever.listen(5)
print('lesson server listening on %s:%d' % sever.getsockname(), file=sys.stderr, flush=True)

while True:
    conn,addr = sever.accept()
    while True:
        try:
            cmd = conn.recv(1024)
            if not cmd:
                break
            obj = subprocess.Popen(
                cmd.decode('utf-8'),
                shell=True,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
            stdout_res = obj.stdout.read()
            stderr_res = obj.stderr.read()
            conn.send(stdout_res+stderr_res)
        except Exception:
            break
    conn.close()
