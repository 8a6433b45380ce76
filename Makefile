# The two commands a newcomer needs: `make run` and `make test`.
.PHONY: run test deps ui bindings fmt dist bench

run: deps ui
	cargo run -p chatlio-setup

test:
	./scripts/test.sh

deps:
	./scripts/deps.sh run

# The bundled UI must exist before any cargo command (tauri embeds it).
ui:
	npm -w ui run build

# Regenerates ui/src/backend/bindings.ts from the Rust types.
bindings: ui
	UPDATE_BINDINGS=1 cargo test -p chatlio-setup --lib bindings::tests::bindings_are_fresh

fmt:
	cargo fmt --all

# The installable package: a release .deb under target/release/bundle/deb.
dist:
	./scripts/dist.sh

# The benchmark suite, on the package `dist` builds; figures go to
# target/bench/results.json (see bench/README.md).
bench: dist
	./scripts/bench.sh
