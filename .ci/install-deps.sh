#!/usr/bin/env bash
# Installs every Debian package Starch needs to build and test (run as root);
# clang 22 and its libFuzzer build the fuzz targets (docs/fuzzing.md).
set -euo pipefail
packages=(
  cmake ninja-build ccache g++ pkg-config
  libmlir-22-dev mlir-22-tools llvm-22-dev llvm-22-tools
  libonnx-dev libprotobuf-dev protobuf-compiler libonnx-testdata
  nlohmann-json3-dev libopenblas-dev libopenmpi-dev openmpi-bin
  libgtest-dev libbenchmark-dev libcli11-dev
  libstb-dev libjpeg62-turbo-dev libsndfile1-dev libfftw3-dev
  python3 valgrind
  clang-22 libclang-rt-22-dev
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
