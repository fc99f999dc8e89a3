"""Lab 04, fixed client, variant: recv(n, socket.MSG_WAITALL).

MSG_WAITALL asks the kernel to block until all n bytes are in, so one call
usually replaces the recv_exact() loop of lab04_client.py. Usually, not
always: recv(2) (man 2 recv) says it may still return fewer bytes "if a
signal is caught, an error or disconnect occurs, or the next data to be
received is of a different type". So the loop stays, and b'' still means the
server closed. Windows has MSG_WAITALL only on newer versions (Python exposes
it where the OS has it); and recv(n) allocates n bytes up front, so check a
length before you pass it in.

Run: python3 lab04_client_waitall.py HOST PORT   (commands on stdin)
"""
import socket
import struct
import sys

HEADER = struct.Struct('<i')


def recv_waitall(sock, n):
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(n - len(buf), socket.MSG_WAITALL)  # one call, usually
        if not chunk:  # EOF: MSG_WAITALL cannot wait for bytes that never come
            raise EOFError('server closed after %d of %d bytes' % (len(buf), n))
        buf += chunk  # short only after a signal/EOF/error: ask for the rest
    return bytes(buf)


def main():
    sock = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=30)
    out = sys.stdout.buffer
    try:
        for line in sys.stdin.buffer:
            cmd = line.strip()
            if not cmd:
                continue
            sock.sendall(cmd)
            (size,) = HEADER.unpack(recv_waitall(sock, 4))
            if not 0 <= size <= 64 << 20:
                raise ValueError('header announces %d bytes: out of sync?' % size)
            out.write(recv_waitall(sock, size))
            out.flush()
    except (EOFError, ValueError, OSError) as e:
        sys.exit('lab04 client: %s' % e)
    sock.close()


if __name__ == '__main__':
    main()
