# The tools of the `sticky` binary: `sticky labs` (the preflight) so far.

sticky-cmd-labs-about = Instructor preflight: run every lab's demo and show which lessons reproduce here.
sticky-cmd-labs-examples =
    Examples:
      sticky labs
      sticky labs --timeout 30 --only lab01-naive-recv,lab07-concurrency
      sticky labs --json > preflight.json
      sticky labs --lang zh                # the table and every demo in Chinese
labs-running = running { $lab } demo…
labs-col-lab = lab
labs-col-lesson = lesson
labs-col-result = result
labs-col-time = time
labs-col-verdict = verdict / why not
labs-seconds = { $seconds } s
labs-summary = { $ok } of { $n } lessons reproduce on this machine
labs-status-reproduced = reproduced
labs-status-failed = failed (exit { $code })
labs-status-not-found = not found
labs-status-cannot-start = cannot start
labs-status-timed-out = timed out ({ $seconds } s)
labs-no-binary = no binary at { $path } (build it: cargo build --release)
labs-no-verdict = no verdict before the time limit
labs-unknown-only = --only { $name }: no lab has that name; the labs are { $labs }
labs-no-dir = cannot tell where the lab binaries are: pass --dir

# The machine check before the demos: default ports and Python.
machine-port = { $proto } port { $port } ({ $lab })
machine-port-free = free
machine-port-taken = taken ({ $error }): `{ $lab } server` will not start without --addr; who holds it: { $who }
machine-python = python
machine-python-found = Python { $version } ({ $name })
machine-python-missing = no python3, python or py runs Python 3 here: the lessons' own programs (python/lesson/) need one (python.org, or apt install python3)
machine-col-check = this machine
machine-col-ready = ready
machine-col-found = found
machine-yes = yes
machine-no = NO
machine-all-ready = every default port is free and Python 3 runs
machine-not-ready = { $n } machine check(s) not ready (the demos below do not need them)
machine-either = { $a } or { $b }
