#!/bin/sh
# Installs cargo-fuzz, pinned, unless that version is already installed.
# Idempotent; used by `cargo xtask fuzz`, `cargo xtask verify` and .ci/run.
set -eu
version=0.13.2

if installed=$(cargo fuzz --version 2>/dev/null); then
    case "$installed" in
        *" $version"*) echo "install.sh: cargo-fuzz $version already installed"; exit 0 ;;
    esac
    echo "install.sh: found $installed, installing $version instead"
fi
echo "install.sh: installing cargo-fuzz $version"
exec cargo install cargo-fuzz --version "$version" --locked
