# Seed 002 §3.2, "基于UDP协议的使用": the upper-case echo server on
# socketserver.ThreadingUDPServer, transcribed from the mangled lesson text.
#
# Changes: the port is argv[1] (0 picks a free one), and the bound address
# is printed on stderr as "... listening on HOST:PORT" so tests can find it.
import socketserver
import sys


class MyRequestHanlde(socketserver.BaseRequestHandler):
    def handle(self):
        client_data = self.request[0]
        server = self.request[1]
        client_address = self.client_address
        print('客户端发来的数据%s' % client_data)
        server.sendto(client_data.upper(), client_address)


s = socketserver.ThreadingUDPServer(("127.0.0.1", int(sys.argv[1])), MyRequestHanlde)
print('lab06 python server listening on %s:%d' % s.server_address, file=sys.stderr, flush=True)
s.serve_forever()
