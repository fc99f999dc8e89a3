#!/usr/bin/env bash
# Builds the Windows binaries (release, x86_64-pc-windows-gnu) and runs every
# lab's demo under Wine with `sticky.exe labs`: the closest this Linux CI gets
# to a student's Windows laptop. Wine runs the Windows build against Wine's
# Winsock, which forwards to Linux's sockets: it catches Windows-only code
# paths (error numbers, WSARecvFrom's truncation, path and console handling),
# not Windows' own TCP stack.
#
# Needs rustup's target, the MinGW linker (Debian: gcc-mingw-w64-x86-64) and
# Wine (Debian: wine64). A missing one is installed with apt-get when this
# runs as root and the install finishes within 5 minutes (set
# STICKY_NO_APT=1 to never install); otherwise this prints `SKIPPED: why`.
# Fails when it ran and a lab did not reproduce.
set -euo pipefail
cd "$(dirname "$0")/.."
target=x86_64-pc-windows-gnu
out="${CARGO_TARGET_DIR:-target}/$target/release"
skip() { echo "SKIPPED: Wine check: $*"; exit 0; }
have() { command -v "$1" >/dev/null 2>&1; }

# apt-get install PACKAGE, only as root and only if it is quick.
apt_quick() {
  [ "${STICKY_NO_APT:-0}" = 1 ] && return 1
  [ "$(id -u)" = 0 ] && have apt-get || return 1
  echo "Wine check: installing $1 with apt-get (at most 5 minutes)"
  timeout 300 sh -c "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $1" >/dev/null 2>&1
}

if ! rustup target list --installed 2>/dev/null | grep -qx "$target"; then
  rustup target add "$target" >/dev/null 2>&1 || skip "rustup could not install the $target target here"
fi
if ! have x86_64-w64-mingw32-gcc; then
  apt_quick gcc-mingw-w64-x86-64 || skip "no MinGW linker (x86_64-w64-mingw32-gcc; Debian: apt-get install gcc-mingw-w64-x86-64)"
fi
find_wine() {
  for w in wine64 /usr/lib/wine/wine64 wine; do
    if have "$w"; then command -v "$w"; return 0; fi
  done
  return 1
}
wine=$(find_wine) || { apt_quick wine64 && wine=$(find_wine); } ||
  skip "no Wine (Debian: apt-get install wine64)"

echo "Wine check: building the Windows binaries (release, $target)"
nice cargo build --release --target "$target" --bins --quiet

# A private Wine prefix, so nothing in \$HOME changes; its wineserver is
# stopped on the way out.
export WINEPREFIX="$PWD/${CARGO_TARGET_DIR:-target}/wine-prefix" WINEDEBUG=-all
wineserver=$(dirname "$wine")/wineserver
trap '[ -x "$wineserver" ] && "$wineserver" -k >/dev/null 2>&1 || true' EXIT

# Rust's standard library (1.78+) imports bcryptprimitives.dll, which Debian
# 12's Wine 8.0 lacks ("bcryptprimitives.dll not found", exit code 53). Real
# Windows 10 and 11 have it; for such a Wine, a small stand-in is put next
# to the .exe files (scripts/wine/bcryptprimitives.c).
if ! timeout 120 "$wine" "$out/sticky.exe" --version >/dev/null 2>&1; then
  x86_64-w64-mingw32-gcc -shared -O2 -o "$out/bcryptprimitives.dll" \
    scripts/wine/bcryptprimitives.c -ladvapi32
  echo "Wine check: this Wine lacks bcryptprimitives.dll; using scripts/wine/bcryptprimitives.c"
fi
version=$(timeout 120 "$wine" "$out/sticky.exe" --version 2>&1) || {
  echo "Wine check: sticky.exe does not start under $("$wine" --version 2>/dev/null || echo Wine): $version"
  exit 1
}
echo "Wine check: $version under $("$wine" --version 2>/dev/null || echo Wine)"
timeout 1200 "$wine" "$out/sticky.exe" --color never labs --timeout 300
echo "Wine check: every lab reproduces as a Windows program under Wine"
