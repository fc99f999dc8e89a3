"""The lesson's struct-header framing (seeds 001/002), pumped over loopback.

Usage: python3 lesson_struct_pump.py SIZE SECONDS
Prints one JSON line: {"size", "messages", "seconds", "msgs_per_sec"}.

The sender is seed 001's server: conn.send(struct.pack('i', len(data)) + data).
The receiver is seed 002's client: recv the 4-byte header, struct.unpack('i'),
then `while recv_size < total_size: recv(...)`. Two changes so that a
back-to-back stream stays correct (the lesson only ever has one reply in
flight): the header is read until all 4 bytes are there, and each body recv
asks for at most what is left of this message instead of a flat 1024.
Sender and receiver are separate processes, so the GIL is not shared.
"""
import json
import os
import socket
import struct
import sys
import time


def sender(port, size, seconds):
    conn = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    conn.connect(('127.0.0.1', port))
    data = b'x' * size
    deadline = time.time() + seconds
    n = 0
    while time.time() < deadline:
        for _ in range(64):
            conn.send(struct.pack('i', len(data)) + data)
            n += 1
    conn.close()


def recv_header(client):
    x = b''
    while len(x) < 4:
        part = client.recv(4 - len(x))
        if not part:
            return None
        x += part
    return x


def main():
    size = int(sys.argv[1])
    seconds = float(sys.argv[2])
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(('127.0.0.1', 0))
    server.listen(5)
    port = server.getsockname()[1]
    start = time.time()
    pid = os.fork()
    if pid == 0:
        server.close()
        sender(port, size, seconds)
        os._exit(0)
    client, _ = server.accept()
    messages = 0
    while True:
        x = recv_header(client)
        if x is None:
            break
        total_size = struct.unpack('i', x)[0]
        recv_size = 0
        while recv_size < total_size:
            recv_data = client.recv(min(1024, total_size - recv_size))
            if not recv_data:
                break
            recv_size += len(recv_data)
        messages += 1
    elapsed = time.time() - start
    os.waitpid(pid, 0)
    print(json.dumps({"size": size, "messages": messages, "seconds": elapsed,
                      "msgs_per_sec": messages / elapsed}))


if __name__ == '__main__':
    main()
