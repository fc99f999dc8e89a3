"""Lab 07, fixed server: a thread per client, every reply sent whole.

Seed 002 §3.1 ends with socketserver.ThreadingTCPServer: a thread per client,
so a second client is served while the first one sits idle (the plain
`while True: accept()` server answers one client at a time). Its handler
still used send(), which may write only part of the reply; here sendall().
Threads cost memory, so at most MAX_CLIENTS are served at once; the rest
wait, connected, in the listen backlog until a slot frees.

Wire, as lab07_client.py: the lesson's (default) upper-cases the byte
stream as it comes -- correct however the network cut it, since upper() works
byte by byte; `--framed` reads struct.pack('<I', len) + msg and answers in
the same frame (`lab07-concurrency server --compat ours`).

Run: python3 lab07_server.py PORT [--framed]   (0 = any free port; printed)
"""
import socket
import struct
import sys
import threading

MAX_CLIENTS = 64
IDLE = 300  # seconds a client may stay silent before it is dropped
slots = threading.BoundedSemaphore(MAX_CLIENTS)


def recv_exact(sock, n):
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(min(n - len(buf), 65536))
        if not chunk:
            raise EOFError('client closed after %d of %d bytes' % (len(buf), n))
        buf += chunk
    return bytes(buf)


def serve(conn, peer, framed):
    with conn:
        conn.settimeout(IDLE)
        try:
            while True:
                if not framed:
                    data = conn.recv(65536)
                    if not data:  # b'': the client closed
                        return
                    conn.sendall(data.upper())
                    continue
                head = conn.recv(4, socket.MSG_PEEK)  # b'' here = closed between messages
                if not head:
                    return
                (size,) = struct.unpack('<I', recv_exact(conn, 4))
                if size > 1 << 20:  # the memory budget: 1 MiB per message
                    raise ValueError('message of %d bytes is over the 1 MiB limit' % size)
                conn.sendall(struct.pack('<I', size) + recv_exact(conn, size).upper())
        except (EOFError, ValueError, OSError) as e:  # end this client only
            print('[%s:%d] %s' % (peer[0], peer[1], e), file=sys.stderr)
        finally:
            slots.release()


def main():
    framed = '--framed' in sys.argv[2:]
    listener = socket.create_server(('127.0.0.1', int(sys.argv[1])))
    print('listening on %s:%d' % listener.getsockname()[:2], flush=True)
    while True:
        slots.acquire()  # at the cap: stop accepting until a client leaves
        conn, peer = listener.accept()
        threading.Thread(target=serve, args=(conn, peer, framed), daemon=True).start()


if __name__ == '__main__':
    main()
