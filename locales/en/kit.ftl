# The kit's person-facing lines: server logs, the runner's notices to
# clients, the proxies' logs. Wire bytes and the built-in commands' output
# (help, ls, dir, zh) are not here: they are the same in every language.

kit-server-thread-failed = server: could not start a thread for { $peer }: { $error }
kit-server-accept-failed = server: accept failed: { $error }
kit-server-connected = {"["}{ $peer }] connected
kit-server-closed = {"["}{ $peer }] closed
kit-server-error = {"["}{ $peer }] error: { $error }
kit-server-no-deadline = server: no request deadline (could not start its thread: { $error })
kit-server-deadline = {"["}{ $peer }] request deadline: { $bytes } bytes of a request in { $seconds } s, still not answered (deadline { $limit }); closing
kit-server-failed = server on { $addr }: { $error }
kit-idle = client sent nothing for { $wait } (idle timeout)
kit-shell-local = warning: --exec shell runs every command a client sends through the real shell (reachable from this machine only, on { $addr })
kit-shell-remote = WARNING: --exec shell on { $addr } with --allow-remote: anyone who can reach this address can run commands as this user
kit-shell-refused = refusing to run the real shell on non-loopback address { $addr }: that is a remote shell for anyone who can reach it (add --allow-remote if you mean it)

# The runner's notices, sent to the client as the command's stderr (in the
# server's --encoding, like the built-ins' output).
kit-runner-too-long = sticky: the command is { $len } bytes, over the { $max }-byte limit for one command
kit-runner-not-utf8 = sticky: command is not valid UTF-8 (bad byte at offset { $offset })
kit-runner-not-count = sticky: { $what } needs a whole number, got '{ $arg }'
kit-runner-sleep-stopped = sticky: sleep { $arg }: stopped at the { $timeout } timeout
kit-runner-sleep-not-number = sticky: sleep needs a number of seconds, got '{ $arg }'
kit-runner-empty = sticky: empty command
kit-runner-unknown = sticky: unknown command '{ $command }' (try 'help')
kit-runner-no-shell = sticky: could not start the shell: { $error }
kit-runner-stopped = sticky: stopped at the { $timeout } timeout

# The chaos proxies' logs.
kit-proxy-accept-failed = proxy: accept failed: { $error }
kit-proxy-conn-failed = proxy: connection { $conn }: { $error }
kit-proxy-cannot-reach = cannot reach the server at { $addr }: { $error }
kit-udp-proxy-decision = udp proxy: { $way } #{ $index } { $action }
