#!/usr/bin/env bash
# Checks that every target (library, binaries, tests, benches) compiles for
# Windows and passes clippy there: the students' laptops are often Windows.
# scripts/wine-check.sh then runs the demos themselves under Wine.
exec "$(dirname "$0")/target-check.sh" x86_64-pc-windows-gnu Windows
