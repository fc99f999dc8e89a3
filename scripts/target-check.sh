#!/usr/bin/env bash
# Usage: scripts/target-check.sh TARGET NAME
# Checks that every target (library, binaries, tests, benches) compiles for
# another platform's TARGET triple and passes clippy there. `cargo check` and
# `clippy` need only that target's standard library, not its linker or SDK,
# so nothing is linked or run. Prints `SKIPPED: why` when rustup cannot
# install the target; fails on any error or clippy warning.
set -euo pipefail
cd "$(dirname "$0")/.."
target=$1 name=$2
if ! rustup target list --installed 2>/dev/null | grep -qx "$target"; then
  if ! rustup target add "$target" >/dev/null 2>&1; then
    echo "SKIPPED: $name check: rustup could not install the $target target here"
    exit 0
  fi
fi
cargo clippy --target "$target" --all-targets -- -D warnings
echo "$name check: every target compiles for $target with no clippy warning (not linked, not run)"
