#!/usr/bin/env bash
# Installs everything archlab needs to build and test on Debian/Ubuntu (the CUDA toolkit is
# expected to be there already; without it archlab builds for the CPU only).
set -euo pipefail

packages=(
  build-essential cmake pkg-config git
  libhdf5-dev libboost-dev libtomlplusplus-dev libcli11-dev
  libgtest-dev libgmock-dev googletest libbenchmark-dev libeigen3-dev
  python3 python3-pip
  clang  # the fuzz targets (scripts/fuzz.sh): libFuzzer, ASan, UBSan
  libopenmpi-dev openmpi-bin
)
# libFuzzer's runtime has a package of its own on Debian 12 (on older releases clang ships it).
if apt-cache show libclang-rt-dev >/dev/null 2>&1; then packages+=(libclang-rt-dev); fi

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
fi

# Python packages of the analysis package (python/) and its tests, from PyPI.
python3 -m pip --version >/dev/null 2>&1 || { echo "pip is missing" >&2; exit 1; }
python_packages=(h5py numpy pandas matplotlib pytest)
python3 - <<'PY' 2>/dev/null || python3 -m pip install --quiet --disable-pip-version-check "${python_packages[@]}" || \
  python3 -m pip install --quiet --disable-pip-version-check --break-system-packages "${python_packages[@]}"
import h5py, numpy, pandas, matplotlib, pytest
PY
