#!/usr/bin/env bash
# Installs what the app needs on Debian 12 / Ubuntu 22.04+: system packages,
# then the npm packages of the workspace. `deps.sh run` installs what building
# and running needs; `deps.sh test` adds the headless test tools.
set -euo pipefail
cd "$(dirname "$0")/.."

mode="${1:-run}"

build_packages=(
  build-essential pkg-config curl wget file
  libwebkit2gtk-4.1-dev libssl-dev libxdo-dev libayatana-appindicator3-dev librsvg2-dev
  libdbus-1-dev dbus
)
# dbus-x11 is left out on purpose: with it, a keyring call made with DISPLAY
# set and no session bus autolaunches a bus and hangs on a GUI unlock prompt.
test_packages=(
  xvfb xauth webkit2gtk-driver gnome-keyring libsecret-tools keyutils imagemagick xclip
  python3 python3-venv
)

packages=("${build_packages[@]}")
if [ "$mode" = "test" ]; then packages+=("${test_packages[@]}"); fi

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if [ "${#missing[@]}" -gt 0 ]; then
  install=(apt-get install -y --no-install-recommends "${missing[@]}")
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "deps: this machine has no apt-get. Install the equivalents of: ${missing[*]}" >&2
    exit 1
  fi
  if [ "$(id -u)" -eq 0 ]; then
    echo "deps: installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${install[@]}" -qq
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    echo "deps: installing ${missing[*]} with sudo"
    sudo apt-get update -qq
    sudo DEBIAN_FRONTEND=noninteractive "${install[@]}" -qq
  else
    echo "deps: these packages are missing. Run this, then try again:" >&2
    echo "  sudo apt-get update && sudo ${install[*]}" >&2
    exit 1
  fi
fi

for tool in cargo node npm; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    case "$tool" in
      cargo) echo "deps: Rust is missing. Install it with rustup (https://rustup.rs), then try again." >&2 ;;
      *) echo "deps: Node.js 20 or newer with npm is missing: sudo apt-get install nodejs npm" >&2 ;;
    esac
    exit 1
  fi
done
node_major="$(node -p 'process.versions.node.split(".")[0]')"
if [ "$node_major" -lt 20 ]; then
  echo "deps: Node.js $(node -v) is too old; version 20 or newer is needed." >&2
  exit 1
fi

# npm ci only when the lock file changed since the last install, so repeated
# runs stay fast while a fresh clone always installs.
stamp="node_modules/.deps-stamp"
lock_hash="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lock_hash" ]; then
  # `npm install`, not `npm ci`: the lock file can only hold the optional
  # platform binaries (tauri CLI, tauri-driver) of registries that serve them,
  # and `npm ci` refuses a lock without every platform's entry. With the lock
  # present, `npm install` installs exactly the locked versions.
  npm install --no-audit --no-fund --loglevel=error
  echo "$lock_hash" > "$stamp"
fi
