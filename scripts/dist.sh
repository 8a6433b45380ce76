#!/usr/bin/env bash
# Builds the installable packages: a release build of the app bundled by
# Tauri's bundler into a .deb and an .rpm (name, version, description,
# icons, desktop entry, category, runtime dependencies from
# src-tauri/tauri.conf.json; the .rpm is written by the bundler itself, no
# rpmbuild and no download).
# AppImage is not built: its bundler downloads AppRun from GitHub at build
# time. macOS (.app, .dmg) and Windows (NSIS, MSI) bundles are configured in
# tauri.conf.json and build with `npx tauri build` on those systems.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"

./scripts/deps.sh run

target_dir="${CARGO_TARGET_DIR:-$root/target}"
bundle_dir="$target_dir/release/bundle/deb"
rpm_dir="$target_dir/release/bundle/rpm"
# Only this build's packages are left in the bundle directories, so nothing
# downstream (the install test, the benchmarks) picks up a stale one.
rm -f "$bundle_dir"/*.deb "$rpm_dir"/*.rpm

# `tauri build` runs the UI build first (build.beforeBuildCommand), then
# `cargo build --release` with the workspace's release profile.
npx tauri build --ci --bundles deb,rpm

deb="$(ls -t "$bundle_dir"/*.deb | head -n 1)"
echo
echo "package: $deb"
echo "size:    $(stat -c %s "$deb") bytes"
dpkg-deb --field "$deb" Package Version Architecture Installed-Size Depends Recommends

rpm="$(ls -t "$rpm_dir"/*.rpm | head -n 1)"
echo
echo "package: $rpm"
echo "size:    $(stat -c %s "$rpm") bytes"
