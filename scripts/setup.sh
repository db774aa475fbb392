#!/usr/bin/env bash
# Installs what tune needs on a Debian/Ubuntu machine and builds it into build/.
# Idempotent: it only installs what is missing. Run as root or with sudo available.
#   TORCH_VERSION   PyTorch wheel to install when no `torch` is importable (default 2.13.0)
#   Torch_DIR       an unpacked LibTorch's share/cmake/Torch; skips the Python torch entirely
#   BUILD_DIR       build directory (default build)
#   TUNE_TEST_DEPS=1 also what only the tests need: Chromium and the browser tests' driver, and
#                    a PostgreSQL server (the tests start a throwaway one of their own)
# Arguments name the targets to build (default: all of them); the demo builds only `tune`.
set -euo pipefail
cd "$(dirname "$0")/.."
root_cmd=()
[ "$(id -u)" -eq 0 ] || root_cmd=(sudo)

debs=(g++ cmake make pkgconf libgtest-dev nlohmann-json3-dev libcxxopts-dev libsqlite3-dev
      libpq-dev zlib1g-dev libcpp-httplib-dev dataset-fashion-mnist libeigen3-dev liblbfgspp-dev
      libtcmalloc-minimal4)
[ "${TUNE_TEST_DEPS:-0}" = 1 ] && debs+=(chromium postgresql)
missing=()
command -v npm >/dev/null || missing+=(npm)
for p in "${debs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  "${root_cmd[@]}" apt-get install -y -q "${missing[@]}" >/dev/null 2>&1 || {
    "${root_cmd[@]}" apt-get update -q >/dev/null
    "${root_cmd[@]}" apt-get install -y -q "${missing[@]}" >/dev/null
  }
fi

# npm packages, pinned by a package-lock.json: web/ (ECharts, embedded into the report page at
# build time) and, for the tests, tests/browser/ (puppeteer-core). Fetched again only when the
# lock file changed.
npm_ci() {
  local dir=$1
  if ! cmp -s "$dir/package-lock.json" "$dir/node_modules/.tune-lock" 2>/dev/null; then
    echo "setup: fetching $dir's npm packages" >&2
    npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error >&2
    cp "$dir/package-lock.json" "$dir/node_modules/.tune-lock"
  fi
}
npm_ci web
[ "${TUNE_TEST_DEPS:-0}" = 1 ] && npm_ci tests/browser

python=${PYTHON:-python3}
cmake_args=(-DCMAKE_BUILD_TYPE=Release)
if [ -n "${Torch_DIR:-}" ]; then
  cmake_args+=("-DTorch_DIR=$Torch_DIR")
elif ! "$python" -c 'import torch' >/dev/null 2>&1; then
  echo "setup: installing torch==${TORCH_VERSION:-2.13.0} (CPU build) for $python" >&2
  "$python" -m pip install -q "torch==${TORCH_VERSION:-2.13.0}" >&2
fi
cmake_args+=("-DTUNE_PYTHON=$(command -v "$python")")

build=${BUILD_DIR:-build}
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S . -B "$build" "${generator[@]}" "${cmake_args[@]}" >&2
fi
targets=()
for t in "$@"; do targets+=(--target "$t"); done
cmake --build "$build" -j "$(nproc)" "${targets[@]}" >&2
