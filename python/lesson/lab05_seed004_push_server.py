# Seed 004 ("transferring large files, solving sticky packs"), the server,
# transcribed faithfully: on connect it sends struct.pack('i', len(json)),
# the JSON {'filename', 'filesize'}, then the file in 4096-byte reads.
# Changes for testing only: port (0 = any) and file path from argv,
# 127.0.0.1 instead of '', address printed on stderr.
import os
import json
import socket
import struct
import sys

server=socket.socket()
server.bind(('127.0.0.1',int(sys.argv[1])))
server.listen()
print('seed004 server listening on %s:%d' % server.getsockname(), file=sys.stderr, flush=True)
conn, addr=server.accept()
# file path, filename, file size to transfer
filepath = sys.argv[2]
filename=os.path.basename(filepath)
filesize=os.path.getsize(filepath)
dic={'filename':filename,'filesize':filesize}
# dictionary to json, then to bytes
str_dic=json.dumps(dic).encode('utf-8')
# the byte length of the json, packed into 4 bytes with struct
len_dic=struct.pack('i',len(str_dic))
conn.send(len_dic)  # the length of the json
conn.send(str_dic)  # the json
with open(filepath,'rb') as f:
    while filesize:
        content=f.read(4096)
        conn.send(content)
        filesize -= len(content)
conn.close()
server.close()
