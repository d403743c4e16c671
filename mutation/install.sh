#!/bin/sh
# Installs cargo-mutants, pinned, unless that version is already installed.
# Idempotent; used by `cargo xtask mutation`.
set -eu
version=27.1.0

if installed=$(cargo mutants --version 2>/dev/null); then
    case "$installed" in
        *" $version"*) echo "install.sh: cargo-mutants $version already installed"; exit 0 ;;
    esac
    echo "install.sh: found $installed, installing $version instead"
fi
echo "install.sh: installing cargo-mutants $version"
exec cargo install cargo-mutants --version "$version" --locked
