"""Lab 03, fixed client: the length as text, "ok", then read until complete.

Seed 001 scheme 1: the server sends the reply's length as digits (b'1443'),
waits for our b'ok', then sends the reply. The lesson's client reads the
digits with recv(1024) -- fine, the server sends nothing more until the ok --
and then the reply with ONE recv(int(length)). recv(n) returns what has
arrived, up to n bytes, so a reply cut by the network comes up short and the
rest is read as the next "length". The fix: recv_exact(), a loop until all
bytes are in, stopping on b'' (the server closed).

A limit no client can fix: the digits end wherever one recv() ends. Should the
network cut b'1443' into b'14' | b'43', this client answers ok after b'14'.
Only an end mark fixes that: our own format (`--compat ours`) sends b'1443\\n'.

Wire: `lab03-length-ack server --compat lesson` (stdout only, no stderr).
Run:  python3 lab03_client.py HOST PORT   (commands on stdin, one per line)
"""
import socket
import sys


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
    sock.sendall(cmd)
    digits = sock.recv(1024)  # the length text: alone, until we say ok
    if not digits:
        raise EOFError('server closed before sending a length')
    if not digits.isdigit() or len(digits) > 12:  # check before int()
        raise ValueError('expected length digits, got %r' % digits[:40])
    sock.sendall(b'ok')
    return recv_exact(sock, int(digits))


def main():
    sock = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=30)
    out = sys.stdout.buffer
    try:
        for line in sys.stdin.buffer:  # one command per line, like input()
            cmd = line.strip()
            if not cmd:  # sending b'' sends nothing: the server would wait forever
                continue
            out.write(ask(sock, cmd))
            out.flush()
    except (EOFError, ValueError, OSError) as e:
        sys.exit('lab03 client: %s' % e)
    sock.close()


if __name__ == '__main__':
    main()
