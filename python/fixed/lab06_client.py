"""Lab 06, fixed client: UDP, with a receive buffer as big as any datagram.

UDP keeps boundaries: one sendto() is one datagram is one recvfrom(). But a
datagram longer than the buffer passed to recvfrom() is cut to that size and
the rest is thrown away, silently (man 7 udp: MSG_TRUNC). The lesson's
client (seed 002 §3.2) uses recvfrom(1024); a 2000-byte reply loses 976 bytes
and nothing says so. The largest UDP payload is 65507 bytes over IPv4
(65535 minus 8 bytes of UDP header and 20 of IP header), so a 65535-byte
buffer holds any datagram whole. UDP may also lose a datagram: we wait 5 s
for each reply, then say so instead of hanging.

Wire: `lab06-udp-vs-tcp server --bufsize 65535` (our server cuts at its own
--bufsize too; 1024 by default, as the lesson's).
Run:  python3 lab06_client.py HOST PORT   (one datagram per stdin line; an
      empty line is an empty datagram). Each reply is printed plus a newline.
"""
import socket
import sys

BUFSIZE = 65535  # >= the largest datagram: nothing is ever cut


def main():
    server = (sys.argv[1], int(sys.argv[2]))
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.settimeout(5)  # a lost datagram must not hang the client
    out = sys.stdout.buffer
    for line in sys.stdin.buffer:
        msg = line.rstrip(b'\r\n')  # keep spaces: they are part of the message
        sock.sendto(msg, server)
        try:
            while True:
                reply, addr = sock.recvfrom(BUFSIZE)
                if addr[1] == server[1]:  # a stray datagram from elsewhere: ignore
                    break
        except socket.timeout:
            sys.exit('lab06 client: no reply within 5 s (UDP may lose datagrams)')
        except OSError as e:  # e.g. ICMP port unreachable: no server there
            sys.exit('lab06 client: %s' % e)
        out.write(reply + b'\n')
        out.flush()
    sock.close()


if __name__ == '__main__':
    main()
