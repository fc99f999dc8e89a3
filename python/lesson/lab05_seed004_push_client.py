# Seed 004 ("transferring large files, solving sticky packs"), the client,
# transcribed faithfully (one recv(4), one recv(dic_len), then receive
# filesize bytes in recv(4096) calls into dic['filename'] in the current
# directory). The page's `client.resv` is a typo for recv.
# Change for testing only: port from argv.
import json
import struct
import socket
import sys

client=socket.socket()
client.connect(('127.0.0.1',int(sys.argv[1])))
dic_len=client.recv(4)
dic_len=struct.unpack('i',dic_len)[0]
dic=client.recv(dic_len)
str_dic=dic.decode('utf-8')
dic=json.loads(str_dic)
with open(dic['filename'],'wb') as f:
    while dic['filesize']:
        content=client.recv(4096)
        dic['filesize'] -= len(content)
        f.write(content)
client.close()
