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
