"""Lab 03, fixed server: length as text, wait for "ok", then sendall() the data.

The lesson's server (seed 001 scheme 1) reads the ok with recv(1024) and
compares it to 'ok'; a network that cuts b'ok' into b'o' | b'k' makes it drop
the reply. Here the ok is read exactly (2 bytes, in a loop), every send is a
sendall(), b'' ends the client, and a thread per client keeps others served.

Wire (the lesson's, `lab03-length-ack client --compat lesson` speaks it):
  request: the bare command, one recv(1024) (unframed: a command cut in two
           cannot be put back together -- our --compat ours frames it);
  reply:   str(len(stdout)) as digits, wait for b'ok', then stdout.
Like the lesson, only stdout goes back (stderr is dropped).

Run: python3 lab03_server.py PORT   (0 = any free port; the address is printed)
"""
import socket
import sys
import threading

from builtin_commands import run

IDLE = 300  # seconds a client may stay silent before it is dropped


def recv_exact(sock, n):
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise EOFError('client closed after %d of %d bytes' % (len(buf), n))
        buf += chunk
    return bytes(buf)


def serve(conn, peer):
    with conn:
        conn.settimeout(IDLE)
        try:
            while True:
                cmd = conn.recv(1024)  # the lesson's request: one recv
                if not cmd:  # b'': the client closed
                    return
                out, _err = run(cmd)
                conn.sendall(str(len(out)).encode())
                ok = recv_exact(conn, 2)  # exactly 2 bytes, however cut
                if ok != b'ok':
                    raise ValueError('expected the client\'s "ok", got %r' % ok)
                conn.sendall(out)
        except (EOFError, ValueError, OSError) as e:  # end this client only
            print('[%s:%d] %s' % (peer[0], peer[1], e), file=sys.stderr)


def main():
    listener = socket.create_server(('127.0.0.1', int(sys.argv[1])))
    print('listening on %s:%d' % listener.getsockname()[:2], flush=True)
    while True:
        conn, peer = listener.accept()
        threading.Thread(target=serve, args=(conn, peer), daemon=True).start()


if __name__ == '__main__':
    main()
