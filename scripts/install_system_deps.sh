#!/usr/bin/env bash
# System packages that the browser and JupyterHub tests (and a local hub) need.
#
#   - Debian: chromium (driven by Playwright through executable_path; never a downloaded browser),
#             fonts-noto-cjk (Japanese in the browser and in matplotlib) and postgresql (the tests
#             start their own throw-away server for the PostgreSQL gradebook; the package's own
#             cluster is not used) and bubblewrap (each grading kernel runs in its own namespaces
#             with only its submission's folder writable).
#   - npm:    configurable-http-proxy, JupyterHub's proxy, into the git-ignored .node/ of the
#             repository (no global install): .node/node_modules/.bin/configurable-http-proxy
#
# Idempotent: does nothing when everything is already there. Non-interactive.
# Needs root (or sudo) for apt-get the first time; Node.js and npm must be on PATH.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NODE_PREFIX="${EBPM_NODE_PREFIX:-$ROOT/.node}"
CHP_VERSION="${EBPM_CHP_VERSION:-5.3.0}"
APT_PACKAGES=(chromium fonts-noto-cjk postgresql bubblewrap)

missing=()
for package in "${APT_PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$package")
    fi
done
if ((${#missing[@]})); then
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then
        SUDO="sudo"
    fi
    echo "apt-get install ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -x "$NODE_PREFIX/node_modules/.bin/configurable-http-proxy" ]; then
    if ! command -v npm >/dev/null 2>&1; then
        echo "npm が見つかりません。Node.js と npm を入れてから実行してください。" >&2
        exit 1
    fi
    echo "npm install configurable-http-proxy@$CHP_VERSION into $NODE_PREFIX"
    mkdir -p "$NODE_PREFIX"
    npm install --prefix "$NODE_PREFIX" --no-audit --no-fund --silent \
        "configurable-http-proxy@$CHP_VERSION" >/dev/null
fi
