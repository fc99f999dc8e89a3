"""The built-in commands of sticky-lab's servers, byte for byte (src/kit/runner.rs).

The lessons' servers run whatever arrives through a real shell
(subprocess.Popen(cmd, shell=True)): a remote shell, and output that differs
from machine to machine. Our servers answer a few built-in commands instead,
so every classroom sees the same bytes and a checker can compute what a
reply must be. run(command_bytes) returns (stdout, stderr) as bytes.
"""
import re
import time

MAX_OUTPUT = 1 << 20  # output beyond 1 MiB (stdout and stderr together) is cut
TIMEOUT = 5.0         # seconds a command may run (only `sleep` can take long)

BUILTINS = [
    ("help", "show this list of commands (longer than 1024 bytes, on purpose)"),
    ("ls", "list the files of a small imaginary project, one per line"),
    ("dir", "the same listing in the style of a Windows console"),
    ("seq N", "print the numbers 1 to N, one per line"),
    ("bytes N", "print exactly N bytes: a repeating alphabet, then a newline"),
    ("zh", "print a few lines of Chinese text (multi-byte UTF-8, or GBK)"),
    ("echo TEXT", "print TEXT back"),
    ("upper TEXT", "print TEXT in upper case, like the lessons' echo server"),
    ("err TEXT", "print TEXT on stderr and exit with status 1"),
    ("sleep S", "wait S seconds (stopped at the server's timeout)"),
    ("yes", "print 'y' forever (stopped at the server's output cap)"),
    ("whoami", "print the name this server runs commands as"),
    ("pwd", "print the server's imaginary working directory"),
]

HELP = ("sticky-lab built-in commands\n============================\n"
        "These commands behave the same on every machine, so a lab shows the\n"
        "same bytes in every classroom. The lessons' servers run whatever the\n"
        "client sends through a real shell; this server only does that when it\n"
        "is started with --exec shell.\n\n"
        + "".join("  %-12s %s\n" % row for row in BUILTINS) +
        "\nWhy is this text so long? The lessons' client reads every reply with\n"
        "one recv(1024). A reply longer than 1024 bytes cannot fit: the first\n"
        "1024 bytes are printed, and the rest waits in the kernel's receive\n"
        "buffer until the *next* recv(1024), which belongs to the next command.\n"
        "From then on every answer is the tail of the previous one. That is the\n"
        "sticky-packet bug (粘包), and this text is long enough to show it.\n\n"
        "Limits: every command is stopped at the server's timeout, its output is\n"
        "cut at the server's cap, and its standard input is closed.\n")
LS = "Cargo.toml\nREADME.md\ndocs\nlabs\nnotes-粘包.txt\nsrc\ntarget\ntests\n"
DIR = (" Volume in drive C is LAB\n Directory of C:\\sticky-lab\n\n"
       + "".join("2024-05-10  %s    %-5s %9s %s\n" % r for r in [
           ("09:30", "<DIR>", "", "docs"), ("09:30", "<DIR>", "", "labs"),
           ("09:30", "<DIR>", "", "src"), ("09:31", "", "1,375", "Cargo.toml"),
           ("09:31", "", "  532", "README.md")])
       + "               2 File(s)          1,907 bytes\n")
ZH = ("粘包问题:TCP 是流式协议,数据像水流一样粘在一起,没有任何边界区分。\n"
      "解决的核心法门就是:每次都收干净,不要任何残留。\n"
      "只有 TCP 有粘包现象,UDP 永远不会粘包。\n")


def count(arg, what):
    if not re.fullmatch(r"\+?[0-9]+", arg.strip()):
        raise ValueError("sticky: %s needs a whole number, got '%s'\n" % (what, arg))
    return int(arg)


def text(line):
    """(stdout, stderr) as text for one command line."""
    parts = re.split(r"\s", line, maxsplit=1)  # Rust: split_once(char::is_whitespace)
    name, arg = parts[0], (parts[1].strip() if len(parts) > 1 else "")
    fixed = {"help": HELP, "?": HELP, "ls": LS, "dir": DIR, "zh": ZH, "中文": ZH,
             "whoami": "sticky\n", "pwd": "/home/sticky/lab\n"}
    if name in fixed:
        return fixed[name], ""
    if name == "echo":
        return arg + "\n", ""
    if name == "upper":
        return arg.upper() + "\n", ""
    if name == "err":
        return "", arg + "\n"
    if name == "yes":
        return "y\n" * (MAX_OUTPUT // 2 + 1), ""
    try:
        if name == "seq":
            n, out, size = count(arg, "seq"), [], 0
            for i in range(1, n + 1):
                if size > MAX_OUTPUT:
                    break
                out.append("%d\n" % i)
                size += len(out[-1])
            return "".join(out), ""
        if name == "bytes":
            n = min(count(arg, "bytes"), MAX_OUTPUT + 1)
            body = "abcdefghijklmnopqrstuvwxyz" * (n // 26 + 1)
            return (body[:n - 1] + "\n") if n else "", ""
    except ValueError as e:
        return "", str(e)
    if name == "sleep":
        try:
            secs = float(arg)
        except ValueError:
            secs = -1.0
        if not secs >= 0.0 or secs == float("inf"):
            return "", "sticky: sleep needs a number of seconds, got '%s'\n" % arg
        time.sleep(min(secs, TIMEOUT))
        if secs > TIMEOUT:
            return "", "sticky: sleep %s: stopped at the %gs timeout\n" % (arg, TIMEOUT)
        return "", ""
    if name == "":
        return "", "sticky: empty command\n"
    return "", "sticky: unknown command '%s' (try 'help')\n" % name


def run(command):
    """(stdout, stderr) as UTF-8 bytes for the command bytes a client sent."""
    try:
        line = command.decode("utf-8").strip()
    except UnicodeDecodeError as e:
        return b"", ("sticky: command is not valid UTF-8 (bad byte at offset %d)\n"
                     % e.start).encode()
    out, err = (s.encode("utf-8") for s in text(line))
    out = out[:MAX_OUTPUT]                    # the cap is on both together
    return out, err[:MAX_OUTPUT - len(out)]
