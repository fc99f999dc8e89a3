# Seed 002 §3.2, "基于UDP协议的使用": the client of the upper-case UDP echo
# server, transcribed from the mangled lesson text.
#
# Changes, so that tests can drive it (the protocol is untouched: one
# sendto() of the UTF-8 line, one recvfrom(1024), print the result):
#   * the server is 127.0.0.1 and its port is argv[1] (the lesson's remote
#     address is never used);
#   * messages come from argv[2:], or one per line of stdin, instead of
#     an input() loop;
#   * a 5-second timeout, so a lost reply fails the test instead of hanging.
# Like the lesson, an empty line is sent as an empty datagram.
import socket
import sys

port = int(sys.argv[1])
if len(sys.argv) > 2:
    msgs = sys.argv[2:]
else:
    msgs = (line.rstrip('\n') for line in sys.stdin)  # lazily, line by line

client = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
client.settimeout(5)
for msg in msgs:
    msg = msg.strip()
    client.sendto(msg.encode('utf-8'), ('127.0.0.1', port))
    res = client.recvfrom(1024)
    print(res, flush=True)
client.close()
