# Seed 000 ("File Upload solution Sticky Package code"), the upload server,
# transcribed faithfully from the mangled page (one recv(4), one
# recv(dic_size), then `while filesize: recv(1024)`; stores '1'+filename in
# the current directory). The page's case is mangled ("Struct.unpack ('I'"):
# the format is the lessons' 'i' (the same bytes for any real dictionary size).
# Changes for testing only: port from argv (0 = any), address printed on stderr.
import socket
import json
import struct
import sys

sk=socket.socket()
sk.bind(('127.0.0.1',int(sys.argv[1])))
sk.listen()
print('seed000 server listening on %s:%d' % sk.getsockname(), file=sys.stderr, flush=True)
conn,addr=sk.accept()
dic_size = conn.recv(4)                       # 4 bytes: the size of the dictionary
dic_size = struct.unpack('i', dic_size)[0]
dic_str = conn.recv(dic_size).decode('utf-8') # the dictionary, by its size
dic = json.loads(dic_str)                     # opt filename filesize
if dic['opt'] == 'upload':
    '''Receiving Files'''
    filename='1'+dic['filename']              # rename to avoid a duplicate name
    with open(filename,'wb') as f:
        while dic['filesize']:
            content = conn.recv(1024)
            f.write(content)
            dic['filesize'] -= len(content)
elif dic['opt'] == 'download':
    '''transferring files to clients'''
conn.close()
sk.close()
