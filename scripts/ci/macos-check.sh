#!/usr/bin/env bash
# Checks that caro-cli compiles for macOS (aarch64-apple-darwin), so a
# Linux-only call (/proc, prctl, epoll...) cannot slip in unnoticed (issue 14).
# `cargo check` builds no final binary, so no macOS SDK or linker is needed:
# only a C compiler for the bundled SQLite, which `zig cc` (ziglang from PyPI,
# with macOS's libc headers inside) provides. Everything it installs stays in
# target/ci/ except the Rust target's standard library, which rustup keeps.
set -euo pipefail
cd "$(dirname "$0")/../.."

TARGET=aarch64-apple-darwin
ZIGLANG_VERSION=0.15.2
ci=$PWD/target/ci
venv=$ci/zig-venv

rustup target add "$TARGET" >/dev/null 2>&1 || rustup target add "$TARGET"
if [ "$("$venv/bin/python" -m ziglang version 2>/dev/null)" != "$ZIGLANG_VERSION" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "ziglang==$ZIGLANG_VERSION"
fi

# cc-rs passes clang's --target=arm64-apple-macosx, which zig refuses (it
# spells the architecture aarch64); the wrapper gives zig its own -target.
mkdir -p "$ci/bin"
cat >"$ci/bin/zig-cc" <<WRAPPER
#!/bin/sh
for arg do
  shift
  case "\$arg" in --target=*) ;; *) set -- "\$@" "\$arg" ;; esac
done
exec "$venv/bin/python" -m ziglang cc -target aarch64-macos "\$@"
WRAPPER
cat >"$ci/bin/zig-ar" <<WRAPPER
#!/bin/sh
exec "$venv/bin/python" -m ziglang ar "\$@"
WRAPPER
chmod +x "$ci/bin/zig-cc" "$ci/bin/zig-ar"

CC_aarch64_apple_darwin=$ci/bin/zig-cc AR_aarch64_apple_darwin=$ci/bin/zig-ar \
  cargo check -p caro-cli --all-targets --target "$TARGET"
echo "caro-cli compiles for $TARGET"
