#!/bin/sh
# Installs the gungraun-runner binary whose version matches the `gungraun`
# library in Cargo.lock (the two must match exactly, or the instruction-count
# benches refuse to run). Idempotent: does nothing when the right version is
# already on PATH.
set -eu
cd "$(dirname "$0")/.."

version=$(awk '/^name = "gungraun"$/ { getline; gsub(/"/, "", $3); print $3; exit }' Cargo.lock)
if [ -z "$version" ]; then
    echo "install-runner: no gungraun entry in Cargo.lock" >&2
    exit 1
fi

# valgrind first: the runner is useless without it.
if ! command -v valgrind >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "install-runner: installing valgrind"
        apt-get update -qq && apt-get install -y -qq valgrind >/dev/null
    fi
    if ! command -v valgrind >/dev/null 2>&1; then
        echo "install-runner: valgrind is not installed (apt-get install valgrind)" >&2
        exit 1
    fi
fi

if command -v gungraun-runner >/dev/null 2>&1; then
    installed=$(gungraun-runner --version 2>/dev/null | awk '{ print $NF }')
    if [ "$installed" = "$version" ]; then
        echo "install-runner: gungraun-runner $version already installed"
        exit 0
    fi
fi

echo "install-runner: installing gungraun-runner $version"
exec cargo install gungraun-runner --version "$version" --locked
