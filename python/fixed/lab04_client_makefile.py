"""Lab 04, fixed client, variant: sock.makefile('rb').read(n).

A socket's file object is buffered, and BufferedReader.read(n) already loops
until it has n bytes -- it returns fewer only at end of file, when the
server closed. So the only check left is the length of what came back.
Two limits: once you read through the file object, read ONLY through it
(its buffer may already hold the next reply's first bytes, which a later
sock.recv() would skip); and a socket timeout in the middle of read(n) leaves
the file object unusable, so treat it as the end of the connection.

Run: python3 lab04_client_makefile.py HOST PORT   (commands on stdin)
"""
import socket
import struct
import sys

HEADER = struct.Struct('<i')


def read_exact(f, n):
    data = f.read(n)  # loops inside until n bytes, or EOF
    if len(data) < n:  # short only at EOF: the server closed mid-reply
        raise EOFError('server closed after %d of %d bytes' % (len(data), n))
    return data


def main():
    sock = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=30)
    replies = sock.makefile('rb')  # reading side only; we still send with sendall
    out = sys.stdout.buffer
    try:
        for line in sys.stdin.buffer:
            cmd = line.strip()
            if not cmd:
                continue
            sock.sendall(cmd)
            (size,) = HEADER.unpack(read_exact(replies, 4))
            if not 0 <= size <= 64 << 20:
                raise ValueError('header announces %d bytes: out of sync?' % size)
            out.write(read_exact(replies, size))
            out.flush()
    except (EOFError, ValueError, OSError) as e:
        sys.exit('lab04 client: %s' % e)
    replies.close()
    sock.close()


if __name__ == '__main__':
    main()
