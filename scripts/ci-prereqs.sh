#!/usr/bin/env bash
# Detects (and where possible installs) what the tests use from outside Rust:
# python3 for the lessons' own programs, iproute2 for the two-host namespace test,
# iperf3 for sticky bench's outside anchor.
# Tests that need a missing tool print that they are skipped; nothing here fails CI.
set -u
have() { command -v "$1" >/dev/null 2>&1; }
if have python3; then
  echo "python3: $(python3 --version 2>&1)"
else
  echo "python3: missing, trying apt-get"
  (apt-get update -qq && apt-get install -y -qq python3) >/dev/null 2>&1 || echo "python3: could not install; interop tests will be skipped"
fi
if have ip; then
  echo "ip: $(ip -V 2>&1 | head -1)"
else
  echo "ip: missing, trying apt-get"
  (apt-get update -qq && apt-get install -y -qq iproute2) >/dev/null 2>&1 || echo "ip: could not install; the two-host test will be skipped"
fi
if have iperf3; then
  echo "iperf3: $(iperf3 --version 2>&1 | head -1)"
else
  echo "iperf3: missing, trying apt-get (sticky bench's outside anchor)"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq iperf3) >/dev/null 2>&1 \
    || echo "iperf3: could not install; sticky bench reports its anchor as SKIPPED"
fi
echo "root: $([ "$(id -u)" = 0 ] && echo yes || echo no)"
exit 0
