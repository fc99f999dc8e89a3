"""Lab 06, fixed server: the lessons' upper-case UDP echo, nothing cut.

Seed 002 §3.2's ThreadingUDPServer reads with recvfrom(1024) (socketserver's
default max_packet_size is 8192; the lesson's own code uses 1024), so a
longer datagram is truncated before the server even sees it (man 7 udp).
Here the buffer is 65535 bytes, bigger than any datagram (at most 65507
bytes of payload over IPv4), and each datagram is answered at once: one
datagram in, one out, so no thread and no framing are needed -- UDP keeps
the boundaries TCP loses.

Run: python3 lab06_server.py PORT   (0 = any free port; the address is printed)
"""
import socket
import sys

BUFSIZE = 65535


def main():
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(('127.0.0.1', int(sys.argv[1])))
    print('listening on %s:%d' % sock.getsockname()[:2], flush=True)
    while True:
        data, client = sock.recvfrom(BUFSIZE)  # one whole datagram, even empty
        try:
            sock.sendto(data.upper(), client)  # bytes.upper(): ASCII letters only
        except OSError as e:  # the client is gone: serve the next one
            print('[%s:%d] %s' % (client[0], client[1], e), file=sys.stderr)


if __name__ == '__main__':
    main()
