"""Lab 07, fixed client: the upper-case echo, each reply read whole.

Seed 002 §3.1's client sends a line and prints ONE recv(1024): a line longer
than 1024 bytes, or a reply the network cut in two, comes back in pieces and
every later reply is off by one. Two fixes, both here:
  * the lesson's own bytes (default; `lab07-concurrency server --compat
    lesson`): the reply is msg.upper(), and bytes.upper() changes ASCII
    letters only, so the reply is exactly as long as what we sent: read
    exactly that many bytes;
  * framed (`--framed`; `lab07-concurrency server --compat ours`): every
    message, both ways, is struct.pack('<I', len) + the bytes -- the fix for
    any protocol whose reply length the client cannot know in advance.

Run: python3 lab07_client.py HOST PORT [--framed]   (lines on stdin);
     each reply is printed plus a newline.
"""
import socket
import struct
import sys


def recv_exact(sock, n):
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(min(n - len(buf), 65536))
        if not chunk:  # b'': the server closed; the rest will never come
            raise EOFError('server closed after %d of %d bytes' % (len(buf), n))
        buf += chunk
    return bytes(buf)


def main():
    framed = '--framed' in sys.argv[3:]
    sock = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=30)
    out = sys.stdout.buffer
    try:
        for line in sys.stdin.buffer:
            msg = line.strip()
            if not msg:  # the lesson skips empty lines (b'' would send nothing)
                continue
            if framed:
                sock.sendall(struct.pack('<I', len(msg)) + msg)
                (size,) = struct.unpack('<I', recv_exact(sock, 4))
                if size > 64 << 20:
                    raise ValueError('header announces %d bytes: out of sync?' % size)
                reply = recv_exact(sock, size)
            else:
                sock.sendall(msg)
                reply = recv_exact(sock, len(msg))  # upper() keeps the length
            out.write(reply + b'\n')
            out.flush()
    except (EOFError, ValueError, OSError) as e:
        sys.exit('lab07 client: %s' % e)
    sock.close()


if __name__ == '__main__':
    main()
