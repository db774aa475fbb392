#!/usr/bin/env bash
# Builds here, for the lent GPU machine, the programs scripts/gpu_check.sh runs (tune,
# bench_fused, test_gpu, test_train), against a CUDA LibTorch of the machine's version, and stages them in
# .device/prebuilt with the shared libraries that machine lacks (SQLite, libpq, cpp-httplib and
# what they load), so that its few minutes go to running rather than compiling. gpu_check.sh
# uses them when they start there and builds there otherwise.
#   TORCH_SITE  site-packages holding the CUDA torch (same version as the GPU machine's: 2.11.0
#               +cu130), e.g. from `pip install --no-deps torch==2.11.0` into a separate venv
#   NVRTC       libnvrtc.so.13 (PyPI nvidia-cuda-nvrtc), which Torch's CMake files ask for
#   CUDA_HOME   the CUDA toolkit (nvcc, cudart headers); default /usr/local/cuda-13.0
# Run from the project root after `bash ../shared/gpu/prepare.sh`; the binaries embed this
# checkout's path, which gpu_check.sh recreates there as a link.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${TORCH_SITE:?name the site-packages of a CUDA torch 2.11}" "${NVRTC:?name libnvrtc.so.13}"
cuda=${CUDA_HOME:-/usr/local/cuda-13.0}
build=build-dev
cmake -S . -B $build -G Ninja -DCMAKE_BUILD_TYPE=Release \
  ${CMAKE_CXX_COMPILER_LAUNCHER:+-DCMAKE_CXX_COMPILER_LAUNCHER=$CMAKE_CXX_COMPILER_LAUNCHER} \
  -DTorch_DIR="$TORCH_SITE/torch/share/cmake/Torch" -DCMAKE_CUDA_COMPILER="$cuda/bin/nvcc" \
  -DCUDA_TOOLKIT_ROOT_DIR="$cuda" -DCUDAToolkit_ROOT="$cuda" \
  -DCUDA_NVRTC_LIB="$NVRTC" -DCUDA_nvrtc_LIBRARY="$NVRTC" \
  -DCMAKE_EXE_LINKER_FLAGS=-Wl,--allow-shlib-undefined \
  -DCMAKE_GTEST_DISCOVER_TESTS_DISCOVERY_MODE=PRE_TEST >/tmp/gpu_prebuild.log 2>&1 ||
  { tail -30 /tmp/gpu_prebuild.log && exit 1; }
cmake --build $build --target tune bench_fused test_gpu test_train -- -j"${JOBS:-2}"
stage=.device/prebuilt
rm -rf $stage && mkdir -p $stage/lib
pwd >$stage/ROOT
tar -cJf $stage/bin.tar.xz $build/tune $build/bench/bench_fused $build/tests/test_gpu \
  $build/tests/test_train
# Every library the programs load from the system, except glibc's, libstdc++ and libgcc, which
# the GPU machine (Ubuntu 24.04) has in newer versions; LibTorch and CUDA come from its torch.
ldd $build/tune $build/tests/test_gpu | awk '$2 == "=>" && $3 ~ /^\// { print $3 }' | sort -u |
  grep -v -E '/(libc|libm|libpthread|librt|libdl|libutil|libresolv|libstdc\+\+|libgcc_s)\.so' |
  grep -v -E 'torch|c10|cuda|nvrtc' | while read -r lib; do cp -L "$lib" $stage/lib/; done
tar -cJf $stage/lib.tar.xz -C $stage lib && rm -rf $stage/lib
du -sh .device | sed 's/^/carry size: /'
