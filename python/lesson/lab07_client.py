"""Seed 002 §3.1: the client of the socketserver example.

Transcribed from the lesson (which connects to 8080 while its server
listens on 8889: here the port is an argument). input() is replaced by
lines read from stdin; one send() and one recv(1024) per line, as written.
"""
import socket
import sys

port = int(sys.argv[1]) if len(sys.argv) > 1 else 8889
client = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
client.connect(('127.0.0.1', port))
for line in sys.stdin:
    msg = line.strip()
    if len(msg) == 0:
        continue
    if msg == 'q':
        break
    client.send(msg.encode('utf-8'))
    data = client.recv(1024)
    print(data.decode('utf-8'), flush=True)  # changed: flush, for pipes
client.close()
