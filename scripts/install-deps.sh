#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages sm121-probe needs to build and test.
# Idempotent: only packages that are missing are installed. Uses sudo when not root.
# The CUDA toolkit itself (nvcc, NVRTC, nvJitLink, cuda.h) is not an apt package
# here; the script checks for it and explains what to do if it is absent.
set -euo pipefail

packages=(
  build-essential cmake make pkg-config
  libcli11-dev libfmt-dev nlohmann-json3-dev
  libgtest-dev libgmock-dev
  libvalijson-dev libzstd-dev liblz4-dev
  libxml2-utils
  clang-14 libclang-rt-14-dev
)

log() { printf 'install-deps: %s\n' "$*"; }

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
  log "this script supports Debian/Ubuntu (apt) only; install these yourself: ${packages[*]}"
  exit 1
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  log "all packages present"
else
  SUDO=()
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO=(sudo); else
      log "not root and no sudo; please install: ${missing[*]}"; exit 1
    fi
  fi
  log "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${SUDO[@]}" apt-get update -qq
  "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

cuda_root="${CUDA_HOME:-/usr/local/cuda}"
for f in include/cuda.h include/nvrtc.h include/nvJitLink.h; do
  if [ ! -e "$cuda_root/$f" ]; then
    log "CUDA toolkit not found at $cuda_root (missing $f)."
    log "Install the CUDA Toolkit 12.9 or newer (NVIDIA's apt repository: package cuda-toolkit-13-0) or set CUDA_HOME."
    exit 1
  fi
done
log "CUDA toolkit: $cuda_root"
