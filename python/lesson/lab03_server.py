# Seed 001, scheme 1, server side: the length as text, wait for 'ok', then the data.
# Transcribed from the lesson; the only changes are marked CHANGED:
#   - the port comes from argv[1] (0 = any free port) and the address is printed,
#   - the loop ends when the client closes (the lesson's loop would spin on b'').
# It runs commands through the real shell (shell=True): only send safe commands.
import socket
import subprocess
import sys

server = socket.socket()
ip_port = ('127.0.0.1', int(sys.argv[1]))  # CHANGED: port from argv

server.bind(ip_port)

server.listen()
print('lab03 python server listening on %s:%d' % server.getsockname(), file=sys.stderr, flush=True)  # CHANGED

conn, addr = server.accept()

while 1:
    from_client_cmd = conn.recv(1024)
    if not from_client_cmd:  # CHANGED: stop when the client closes
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
    std_bytes_len = str(len(std_msg)).encode('utf-8')
    print('Execution result length of instruction>>>>', len(std_msg))
    conn.send(std_bytes_len)

    status = conn.recv(1024)
    if status.decode('utf-8') == 'ok':

        conn.send(std_msg)
    else:
        pass
