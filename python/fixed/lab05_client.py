"""Lab 05, fixed client: the JSON header, every read exact; files with md5.

Seed 002 §1.3 ("ultimate version") frames each reply as three parts:
struct.pack('<i', len(json)) + the JSON header + the body of
header['total_size'] bytes. Its client reads the JSON with ONE
recv(header_len): cut inside the header, json.loads() gets half a dict and
fails. Here every part is read with recv_exact() (loop; b'' = closed).

Commands (one per stdin line):
  any text    a command; prints the body (stdout + stderr)
  put PATH    upload, seed 000's header {"opt": "upload", "filename",
              "filesize"} plus "md5"; the lesson's server answers nothing
  get NAME    download {"opt": "download", "filename"}; the reply header
              carries "filesize" and "md5": checked before the file is kept
Wire: `lab05-json-header server --compat lesson` (a bare command, or a
framed upload/download header). Run: python3 lab05_client.py HOST PORT
"""
import hashlib
import json
import os
import socket
import struct
import sys


class Refused(Exception):
    """A request the other side said no to; the stream is still in step."""


def recv_exact(sock, n):
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(min(n - len(buf), 65536))
        if not chunk:  # b'': the server closed; the rest will never come
            raise EOFError('server closed after %d of %d bytes' % (len(buf), n))
        buf += chunk
    return bytes(buf)


def send_header(sock, header):
    data = json.dumps(header).encode('utf-8')
    sock.sendall(struct.pack('<i', len(data)) + data)


def recv_header(sock):
    (size,) = struct.unpack('<i', recv_exact(sock, 4))
    if not 2 <= size <= 65536:  # untrusted: check before allocating
        raise ValueError('header length %d: out of sync?' % size)
    header = json.loads(recv_exact(sock, size).decode('utf-8'))
    if not header.get('ok', True):  # the server refused (missing file, bad name)
        raise Refused(header.get('error', 'refused'))
    return header


def put(sock, path):
    if not os.path.isfile(path):
        raise Refused('no file %r here to put' % path)
    with open(path, 'rb') as f:
        data = f.read()
    send_header(sock, {'opt': 'upload', 'filename': os.path.basename(path),
                       'filesize': len(data), 'md5': hashlib.md5(data).hexdigest()})
    sock.sendall(data)
    return 'put %s: %d bytes sent\n' % (os.path.basename(path), len(data))


def get(sock, name):
    send_header(sock, {'opt': 'download', 'filename': name})
    header = recv_header(sock)
    data = recv_exact(sock, header['filesize'])
    if hashlib.md5(data).hexdigest() != header['md5']:
        raise ValueError('md5 mismatch for %s: not kept' % name)
    keep = os.path.basename(header['filename'])  # never a path the peer chose
    with open(keep + '.part', 'wb') as f:
        f.write(data)
    os.replace(keep + '.part', keep)  # visible under its name only when whole
    return 'get %s: %d bytes, md5 %s ok\n' % (keep, len(data), header['md5'])


def main():
    sock = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=30)
    out = sys.stdout.buffer
    for line in sys.stdin.buffer:
        cmd = line.strip()
        if not cmd:
            continue
        word, _, arg = cmd.decode('utf-8', 'replace').partition(' ')
        try:
            if word == 'put':
                reply = put(sock, arg.strip()).encode()
            elif word == 'get':
                reply = get(sock, arg.strip()).encode()
            else:
                sock.sendall(cmd)
                reply = recv_exact(sock, recv_header(sock)['total_size'])
        except Refused as e:  # refused, in sync: say so, go on
            reply = ('error: %s\n' % e).encode()
        except (EOFError, ValueError, KeyError, OSError) as e:
            sys.exit('lab05 client: %s' % e)
        out.write(reply)
        out.flush()
    sock.close()


if __name__ == '__main__':
    main()
