"""Seed 002 §3.1: socketserver.ThreadingTCPServer, the upper-case echo.

Transcribed from the lesson; only the port is an argument (0: any free port)
and the listening address is printed so tests can find it.
"""
import socketserver
import sys


class MyRequestHandle(socketserver.BaseRequestHandler):
    def handle(self):
        # 如果tcp协议,self.request=>conn
        print(self.client_address, file=sys.stderr, flush=True)
        while True:
            try:
                msg = self.request.recv(1024)
                if len(msg) == 0:
                    break
                self.request.send(msg.upper())
            except Exception:
                break
        self.request.close()


port = int(sys.argv[1]) if len(sys.argv) > 1 else 8889
s = socketserver.ThreadingTCPServer(('127.0.0.1', port), MyRequestHandle)
host, port = s.server_address
print('lab07 python server listening on %s:%d' % (host, port), file=sys.stderr, flush=True)
s.serve_forever()
