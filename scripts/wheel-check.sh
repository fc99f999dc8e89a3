#!/usr/bin/env bash
# Builds the pip wheel (maturin's `bin` bindings), installs it into a fresh
# venv, and runs `sticky labs --only lab01-naive-recv` from that venv: what a
# student with pip and no Rust workflow gets. Prints `SKIPPED: why` when
# python3's venv or maturin cannot be had; fails when it ran and did not work.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if ! python3 -m venv "$work/build" >/dev/null 2>&1; then
  echo "SKIPPED: wheel check: python3 -m venv is not available"
  exit 0
fi
if ! "$work/build/bin/pip" install -q "maturin>=1.5,<2" >/dev/null 2>&1; then
  echo "SKIPPED: wheel check: maturin could not be installed from PyPI"
  exit 0
fi
# Reuse the test build's dependencies.
CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}" "$work/build/bin/maturin" build --release --quiet -o "$work/wheels"
python3 -m venv "$work/student"
"$work/student/bin/pip" install -q "$work"/wheels/sticky_lab-*.whl
for bin in lab01-naive-recv lab02-nagle lab03-length-ack lab04-struct-header lab05-json-header \
           lab06-udp-vs-tcp lab07-concurrency sticky; do
  [ -x "$work/student/bin/$bin" ] || { echo "wheel check: $bin is not on the venv's PATH"; exit 1; }
done
PATH="$work/student/bin:$PATH" sticky --color never labs --only lab01-naive-recv
echo "wheel check: the wheel installs all 8 binaries and lab 01 reproduces from the venv"
