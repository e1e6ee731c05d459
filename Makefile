# The README's commands. Each target installs what it needs (idempotently),
# so `make demo` and `make test` work on a fresh machine.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c

WASM_BINDGEN_VERSION := 0.2.130
WASM_TARGET := wasm32-unknown-unknown
WASM_OUT := sync-daemon/wasm
DAEMON := sync-daemon

.PHONY: setup rust-setup node-setup wasm daemon build test lint rust-test js-test demo bench clean

setup: rust-setup node-setup

rust-setup:
	@rustup target add $(WASM_TARGET) >/dev/null 2>&1 || rustup target add $(WASM_TARGET)
	@if [ "$$(wasm-bindgen --version 2>/dev/null | cut -d' ' -f2)" != "$(WASM_BINDGEN_VERSION)" ]; then \
	  echo "installing wasm-bindgen-cli $(WASM_BINDGEN_VERSION) (about 3 minutes, once)"; \
	  cargo install wasm-bindgen-cli --version =$(WASM_BINDGEN_VERSION); \
	fi

# npm ci only when the lock file changed since the last install.
node-setup: $(DAEMON)/node_modules/.installed
$(DAEMON)/node_modules/.installed: $(DAEMON)/package.json $(DAEMON)/package-lock.json
	cd $(DAEMON) && npm ci --legacy-peer-deps --no-audit --no-fund
	touch $@

wasm: rust-setup
	@# `testing` exports sealWithNonce/sealRecordWithNonce for the daemon's
	@# caro-sync-daemon/testing subpath (its vector tests); the package root hides them.
	cargo build --release --lib -p crypto-core --features testing --target $(WASM_TARGET)
	wasm-bindgen --target nodejs --out-dir $(WASM_OUT) target/$(WASM_TARGET)/release/crypto_core.wasm
	@# The package is ESM; wasm-bindgen's nodejs output is CommonJS.
	echo '{"type":"commonjs"}' > $(WASM_OUT)/package.json

# The daemon's JS build: caro-cli's end-to-end tests and the demo run it.
daemon: node-setup wasm
	cd $(DAEMON) && npm run build

build: setup daemon
	cargo build --release -p caro-cli

lint: rust-setup
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings

rust-test: daemon
	cargo test --workspace

js-test: daemon
	cd $(DAEMON) && npx tsc --noEmit
	cd $(DAEMON) && npx vitest run
	cd $(DAEMON) && node scripts/pack-check.mjs

test: setup lint rust-test js-test

demo: build
	bash scripts/demo.sh

bench: build
	@for script in scripts/bench/*.sh; do bash "$$script"; done

clean:
	cargo clean
	rm -rf $(WASM_OUT) $(DAEMON)/dist $(DAEMON)/node_modules
