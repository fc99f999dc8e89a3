"""Lab 04, fixed server: the 4-byte struct header, sent with sendall().

Seed 002 §1.2's server sends the header, stdout and stderr in three send()
calls; send() may write only part of its bytes, and nothing checks. Here the
header and the whole reply go out in one sendall(), which loops until every
byte is written. A thread per client, so one slow client blocks no other.

Wire (the lesson's: `lab04-struct-header client --compat lesson` speaks it):
  request: the bare command, read with one recv(1024) -- the lesson's
           format has no frame around it, so a command cut in two by the
           network cannot be put back together (our --compat ours frames
           requests too);
  reply:   struct.pack('<i', n) + stdout + stderr (n bytes).
Commands are the built-ins of builtin_commands.py (no shell: not a remote shell).

Run: python3 lab04_server.py PORT   (0 = any free port; the address is printed)
"""
import socket
import struct
import sys
import threading

from builtin_commands import run

IDLE = 300  # seconds a client may stay silent before it is dropped


def serve(conn, peer):
    with conn:
        conn.settimeout(IDLE)  # a silent client must not hold its thread forever
        try:
            while True:
                cmd = conn.recv(1024)  # the lesson's request: one recv
                if not cmd:  # b'': the client closed
                    return
                out, err = run(cmd)
                conn.sendall(struct.pack('<i', len(out + err)) + out + err)
        except OSError as e:  # timeout, reset: end this client only
            print('[%s:%d] %s' % (peer[0], peer[1], e), file=sys.stderr)


def main():
    listener = socket.create_server(('127.0.0.1', int(sys.argv[1])))
    print('listening on %s:%d' % listener.getsockname()[:2], flush=True)
    while True:
        conn, peer = listener.accept()
        threading.Thread(target=serve, args=(conn, peer), daemon=True).start()


if __name__ == '__main__':
    main()
