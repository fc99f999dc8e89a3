"""Lab 05, fixed server: commands and files over the JSON header.

Replies are struct.pack('<i', len(json)) + JSON header + body, as seed 002
§1.3 sends them, but in ONE sendall() (the lesson's four send() calls may
each write only part). Requests are the lesson's: a bare command read with
recv(1024), or a framed header (4 bytes, then '{') for seed 000's upload
{"opt": "upload", "filename", "filesize", "md5"} and for download
{"opt": "download", "filename"}. Every read of a framed part is exact; a
name is only a name (no '/', no '..'); an upload goes to NAME.part and is
renamed only when whole and its md5 matches, so nothing half-written is ever
visible under a name a client can ask for. As in the lesson, an upload gets
no answer (a refused one is logged here on stderr).

Run: python3 lab05_server.py PORT [DIR]   (DIR default: sticky-files)
"""
import hashlib
import json
import os
import socket
import struct
import sys
import threading

from builtin_commands import run

DIR = sys.argv[2] if len(sys.argv) > 2 else 'sticky-files'
MAX_HEADER, MAX_FILE = 65536, 1 << 30  # the memory budget: files in 64 KiB pieces


class Refused(Exception):
    """A request we say no to; the stream is still in step."""


class Conn:
    """A socket plus bytes already received: recv(1024) may hold more than the
    command (an upload's header and first file bytes)."""
    def __init__(self, sock):
        self.sock, self.pending = sock, b''

    def exact(self, n):
        while len(self.pending) < n:
            chunk = self.sock.recv(65536)
            if not chunk:  # b'': the client closed mid-message
                raise EOFError('client closed after %d of %d bytes' % (len(self.pending), n))
            self.pending += chunk
        data, self.pending = self.pending[:n], self.pending[n:]
        return data


def reply(sock, header, body=b''):
    data = json.dumps(header, sort_keys=True, separators=(',', ':'),
                      ensure_ascii=False).encode('utf-8')
    sock.sendall(struct.pack('<i', len(data)) + data + body)


def safe(name):
    if not name or name in ('.', '..') or '/' in name or '\\' in name or '\0' in name:
        raise Refused('refused file name %r' % name)
    return name


def upload(conn, h):
    size = int(h['filesize'])
    if not 0 <= size <= MAX_FILE:  # too big to skip over: end this client
        raise ValueError('filesize %d is over the %d-byte limit' % (size, MAX_FILE))
    try:
        name = safe(h['filename'])
    except Refused:
        while size:  # read the body anyway, so the next request is read in step
            size -= len(conn.exact(min(size, 65536)))
        raise
    md5, part = hashlib.md5(), os.path.join(DIR, name + '.part')
    with open(part, 'wb') as f:
        while size:
            piece = conn.exact(min(size, 65536))
            md5.update(piece)
            f.write(piece)
            size -= len(piece)
    if h.get('md5') not in (None, md5.hexdigest()):
        os.remove(part)
        raise Refused('md5 mismatch for %s: nothing stored' % name)
    os.replace(part, os.path.join(DIR, name))  # whole and checked: now visible


def download(sock, h):
    try:
        name = safe(h['filename'])
        path = os.path.join(DIR, name)
        if not os.path.isfile(path) or name.endswith('.part'):
            raise Refused('no file "%s" to send' % name)
    except Refused as e:  # a download is always answered, even "no"
        return reply(sock, {'ok': False, 'error': str(e), 'total_size': 0})
    with open(path, 'rb') as f:
        data = f.read()
    reply(sock, {'ok': True, 'opt': 'download', 'filename': name,
                 'filesize': len(data), 'md5': hashlib.md5(data).hexdigest()}, data)


def serve(sock, peer):
    conn = Conn(sock)
    with sock:
        sock.settimeout(300)  # a silent client must not hold its thread forever
        try:
            while True:
                first = conn.pending or sock.recv(1024)  # the lesson's request: one recv
                if not first:
                    return
                conn.pending = first
                # Framed? 4 bytes of a plausible header length, then '{' (as our server checks).
                framed = (len(first) >= 5 and first[4:5] == b'{'
                          and 2 <= struct.unpack('<i', first[:4])[0] <= MAX_HEADER)
                if not framed:  # a bare command
                    conn.pending = b''
                    out, err = run(first)
                    reply(sock, {'total_size': len(out + err), 'stdout_size': len(out),
                                 'stderr_size': len(err),
                                 'md5': hashlib.md5(out + err).hexdigest()}, out + err)
                    continue
                (size,) = struct.unpack('<i', conn.exact(4))
                if not 2 <= size <= MAX_HEADER:
                    raise ValueError('header length %d is out of range' % size)
                h = json.loads(conn.exact(size).decode('utf-8'))
                try:
                    if h.get('opt') == 'upload':
                        upload(conn, h)
                    elif h.get('opt') == 'download':
                        download(sock, h)
                    else:
                        raise ValueError('unknown request "opt": %r' % h.get('opt'))
                except Refused as e:  # in sync: log it, go on serving
                    print('[%s:%d] refused: %s' % (peer[0], peer[1], e), file=sys.stderr)
        except (EOFError, ValueError, KeyError, OSError) as e:  # end this client only
            print('[%s:%d] %s' % (peer[0], peer[1], e), file=sys.stderr)


def main():
    os.makedirs(DIR, exist_ok=True)
    listener = socket.create_server(('127.0.0.1', int(sys.argv[1])))
    print('listening on %s:%d' % listener.getsockname()[:2], flush=True)
    while True:
        sock, peer = listener.accept()
        threading.Thread(target=serve, args=(sock, peer), daemon=True).start()


if __name__ == '__main__':
    main()
