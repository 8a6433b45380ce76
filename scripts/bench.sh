#!/usr/bin/env bash
# Runs the benchmark suite against the .deb that `make dist` built: cold
# start and memory of the installed app and of a minimal Tauri window (under
# Xvfb, through WebDriver), package and installed size, setup wall time and
# request rounds and status refresh at 150 ms latency (platform-sim), and
# the sim's inlet throughput, and the app on the dashboard with 50 dataflows
# (memory open, over refreshes, the first screen of a second launch). Figures go to target/bench/results.json (or
# BENCH_OUT) and a summary is printed. Extra arguments go to the bench
# binary, e.g. `scripts/bench.sh --only setup --setup-runs 3`.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
export CARGO_TERM_COLOR=never

./scripts/deps.sh test

target_dir="${CARGO_TARGET_DIR:-$root/target}"
out="${BENCH_OUT:-$target_dir/bench/results.json}"
deb="$(ls -t "$target_dir"/release/bundle/deb/*.deb 2>/dev/null | head -n 1 || true)"
if [ -z "$deb" ]; then
  echo "bench: no .deb under $target_dir/release/bundle/deb; run \`make dist\` first" >&2
  exit 1
fi

# The UI must exist before any cargo command (tauri embeds it). One package
# selection for the bench binary, the baseline window and the inlet
# example, so they share one release build.
npm -w ui run build >/dev/null
cargo build --release -p bench -p bench-baseline -p platform-sim --bins --example inlet_bench

# The app is measured as installed from the package, in a scratch root.
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
mkdir -m 700 "$scratch/run"
dpkg -x "$deb" "$scratch/installed"

export TAURI_DRIVER="${TAURI_DRIVER:-$root/node_modules/.bin/tauri-driver}"
export E2E_ARTIFACTS="$target_dir/bench/logs"
# As for the end-to-end tests: a private D-Bus session with an unlocked
# keyring, a virtual display, state under the scratch directory, a time limit
# (the dashboard group alone keeps windows open 2 × 10 minutes).
env XDG_DATA_HOME="$scratch/data" XDG_CONFIG_HOME="$scratch/config" \
  XDG_CACHE_HOME="$scratch/cache" XDG_RUNTIME_DIR="$scratch/run" \
  timeout 3600 dbus-run-session -- sh -c '
    echo -n bench-keyring | gnome-keyring-daemon --unlock --components=secrets >/dev/null
    exec xvfb-run -a -s "-screen 0 1280x800x24" "$@"
  ' sh "$target_dir/release/bench" \
    --out "$out" \
    --app "$scratch/installed/usr/bin/chatlio-setup" \
    --baseline "$target_dir/release/bench-baseline" \
    --deb "$deb" \
    --installed-root "$scratch/installed" \
    --inlet-bench "$target_dir/release/examples/inlet_bench" \
    "$@"
