# Seed 002 §1.3 ("解决粘包问题---终极版"), the client, transcribed faithfully,
# including its ONE recv(header_len) for the JSON header.
# Changes for testing only: the port comes from argv, and commands are read
# from stdin lines instead of input() (the loop ends at end of input).
import struct
import json
import sys
from socket import *

client=socket(AF_INET,SOCK_STREAM)
client.connect(('127.0.0.1',int(sys.argv[1])))

for line in sys.stdin:
    cmd=line.strip()
    if len(cmd) == 0:continue
    client.send(cmd.encode('utf-8'))

    # 接收端
    # 1、先手4个字节,从中提取接下来要收的头的长度
    x=client.recv(4)
    header_len=struct.unpack('i',x)[0]

    # 2、接收头,并解析
    json_str_bytes=client.recv(header_len)
    json_str=json_str_bytes.decode('utf-8')
    header_dic=json.loads(json_str)
    print(header_dic)
    total_size=header_dic["total_size"]

    # 3、接收真实的数据
    recv_size = 0
    while recv_size < total_size:
        recv_data=client.recv(1024)
        recv_size+=len(recv_data)
        print(recv_data.decode('utf-8'),end='')
    else:
        print(flush=True)  # changed: flush, for pipes
