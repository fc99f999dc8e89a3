# The shared harness: demo headings, verdicts, --step pauses, shared flags.
# Placeholders are { $name }; each lab's strings live in their own file.

harness-stage-heading = Stage { $n }:
harness-step-pause = [Enter] stage { $n }: { $title } — q to stop…
harness-not-seen = { $observed } — expected: { $expected }
harness-verdict-label = VERDICT:
harness-verdict-all = all { $n } stages showed the lesson's behaviour
harness-verdict-stopped = stopped by the user after { $n } stage(s); run again without q to see them all
harness-verdict-none = no stage ran
harness-verdict-failed-stage = stage { $n } ({ $title }): { $observed }
harness-verdict-not-reproduced = not reproduced — { $stages }
harness-setup-title = setup
harness-setup-expected = the demo's servers and sockets start
harness-setup-failed = the demo could not start: { $error }
harness-stage-failed = the stage could not run: { $error }
harness-unchecked-expected = a result
harness-unchecked-observed = the stage ended without a check
harness-note-label = note:
harness-capture-needs-root = capturing packets needs root or CAP_NET_RAW (try sudo)
harness-capture-off = no capture written to { $path }: { $why }; the demo runs without it
harness-capture-not-run-failed = not run: this demo could not capture packets
harness-capture-not-run-no-pcap = not run: no --pcap FILE (run as root to capture)
harness-timeline-written = timeline written to { $path }
harness-cannot-write = could not write { $path }: { $error }
harness-packets-captured = { $n } packets captured to { $path }{ $dropped } (open it in Wireshark, or: tshark -r { $path })
harness-packets-dropped = , { $n } more did not fit in memory
harness-capture-lost = capture lost { $n } of { $m } packets: the kernel dropped them while the capture fell behind (a busy machine), so the file may have holes and the cross-check is not run
harness-json-failed = could not write the JSON report: { $error }

flags-error-label = error:
flags-not-an-address = '{ $value }' is not an address: { $error }
flags-no-address = '{ $value }' resolved to no address
flags-not-seconds = '{ $value }' is not a number of seconds
flags-seconds-range = '{ $value }' seconds is out of range: give a number above 0 and at most 86400 (a day)
flags-count-too-few = '{ $value }' is too few: give at least 1
flags-not-whole = '{ $value }' is not a whole number
flags-not-a-size = '{ $value }' is not a size: give bytes, or a number with K, M or G
flags-size-too-small = '{ $value }' is too small: give at least 1 byte
flags-size-too-large = '{ $value }' is too large
flags-compat-ours = our framed format (requests framed too)
flags-compat-lesson = the lesson's own format (--compat lesson)
flags-cannot-listen = cannot listen on { $addr }: { $error }
flags-cannot-connect = cannot connect to { $addr }: { $error }
flags-listening = { $lab } server listening on { $addr }
