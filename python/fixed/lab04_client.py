"""Lab 04, fixed client: the 4-byte struct header, every read in a loop.

The lesson's client (seed 001 scheme 2) does ONE recv(4) for the header and
ONE recv(msg_len) for the data. recv(n) returns what has arrived, up to n
bytes -- not n bytes -- so when the stream is cut (by the network, or by
`sticky proxy`) the header or the data comes up short, and from then on every
reply is read from the middle of the previous one. The fix is recv_exact():
call recv() again and again until all n bytes are in, and stop on b'' (the
server closed: the missing bytes will never come).

Wire (the lesson's bytes, `lab04-struct-header server --compat lesson`):
  request: the bare command;  reply: struct.pack('<i', n) + n bytes.
'<i' = 4 bytes, little-endian: what struct.pack('i') gives on x86 and ARM.
Start the server with --byte-order big and use '!i' instead.

Run: python3 lab04_client.py HOST PORT   (commands on stdin, one per line)
"""
import socket
import struct
import sys

HEADER = struct.Struct('<i')


def recv_exact(sock, n):
    """Exactly n bytes from sock, however the stream was cut."""
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(min(n - len(buf), 65536))  # returns 1..asked bytes
        if not chunk:  # b'': the server closed; the rest will never come
            raise EOFError('server closed after %d of %d bytes' % (len(buf), n))
        buf += chunk
    return bytes(buf)


def ask(sock, cmd):
    sock.sendall(cmd)  # sendall: send() may also write only part of it
    (size,) = HEADER.unpack(recv_exact(sock, HEADER.size))
    if not 0 <= size <= 64 << 20:  # a header is untrusted input: check it
        raise ValueError('header announces %d bytes: out of sync?' % size)
    return recv_exact(sock, size)


def main():
    host, port = sys.argv[1], int(sys.argv[2])
    sock = socket.create_connection((host, port), timeout=30)
    out = sys.stdout.buffer
    try:
        for line in sys.stdin.buffer:  # one command per line, like input()
            cmd = line.strip()
            if not cmd:  # sending b'' sends nothing: the server would wait forever
                continue
            out.write(ask(sock, cmd))
            out.flush()  # each reply visible at once, even through a pipe
    except (EOFError, ValueError, OSError) as e:
        sys.exit('lab04 client: %s' % e)
    sock.close()


if __name__ == '__main__':
    main()
