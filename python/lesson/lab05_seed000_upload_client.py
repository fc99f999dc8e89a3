# Seed 000 ("File Upload solution Sticky Package code"), the upload client,
# transcribed faithfully from the mangled page.
# Changes for testing only: port from argv; the menu choice '1' (upload) and
# the file path come from argv instead of input(), and it uploads once.
import socket
import os
import json
import struct
import sys

sk=socket.socket()
sk.connect(('127.0.0.1',int(sys.argv[1])))
l = ['upload','download']
for i,v in enumerate(l):
    print(i+1, v)
dic = {'opt': None,'filename': None,'filesize': None}
opt = '1'                                     # input("Please enter feature options >>>")
if opt == '1':
    '''upload'''
    file_dir = sys.argv[2]                    # input('Please enter file path >>>')
    file_name = os.path.basename(file_dir)
    file_size = os.path.getsize(file_dir)
    dic['opt'] = l[int(opt)-1]
    dic['filename'] = file_name
    dic['filesize'] = file_size
    dic_str = json.dumps(dic)                 # serialize the dictionary
    dic_size = len(dic_str)                   # the size of the dictionary
    ds = struct.pack('i', dic_size)
    sk.send(ds + dic_str.encode('utf-8'))
    with open(file_dir,'rb') as f:
        while file_size:
            content = f.read(1024)
            sk.send(content)
            file_size -= len(content)
elif opt == '2':
    '''download'''
    pass
else:
    print('wrong')
sk.close()
