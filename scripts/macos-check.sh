#!/usr/bin/env bash
# Checks that every target compiles for macOS and passes clippy there:
# lab 02's TCP_CONNECTION_INFO reader is macOS-only code that Linux never
# compiles. Apple's linker and SDK are not needed, so nothing is linked or
# run (docs/platforms.md says what was never run on a real Mac).
exec "$(dirname "$0")/target-check.sh" x86_64-apple-darwin macOS
