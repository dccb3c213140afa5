#!/usr/bin/env bash
# Installs the toolkit matrix the tests compare against into a project-local
# directory (default .toolkits/ in the repository, gitignored): NVIDIA's pip
# wheels of NVRTC and nvJitLink for CUDA 12.9 and 13.5, and nvdisasm 13.5.
#
#   .toolkits/cuda-12.9/      nvidia-cuda-nvrtc-cu12 + nvidia-nvjitlink-cu12 12.9.*
#   .toolkits/cuda-13.5/      nvidia-cuda-nvrtc + nvidia-nvjitlink 13.5.*
#   .toolkits/nvdisasm-13.5/  nvidia-cuda-nvdisasm 13.5.* (used by the tests only)
#
# Each set is a `pip install --target` directory of its own, so the sets never
# overwrite each other. sm121-probe itself never needs them: only the toolkit
# matrix tests (tests/toolkits/) and the build check against the CUDA 12.9
# headers (tests/build/) do. `make test` runs this script.
#
# Idempotent: a set whose libraries and stamp are present is not touched, and
# nothing is downloaded. When a set is missing and PyPI cannot be reached the
# script fails (exit 1), so the tests cannot pass silently without the matrix;
# SM121PROBE_SKIP_TOOLKIT_MATRIX=1 turns that failure into a notice, and the
# matrix tests then report themselves skipped.
#
# Environment: SM121PROBE_TOOLKITS_DIR (default <repo>/.toolkits),
# PYTHON (default python3), SM121PROBE_SKIP_TOOLKIT_MATRIX.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="${SM121PROBE_TOOLKITS_DIR:-$repo/.toolkits}"
python="${PYTHON:-python3}"

log() { printf 'install-toolkits: %s\n' "$*"; }

# name | pip requirements | files that must exist afterwards (relative to the set)
sets=(
  "cuda-12.9|nvidia-cuda-nvrtc-cu12==12.9.* nvidia-nvjitlink-cu12==12.9.*|nvidia/cuda_nvrtc/lib/libnvrtc.so.12 nvidia/nvjitlink/lib/libnvJitLink.so.12 nvidia/cuda_nvrtc/include/nvrtc.h nvidia/nvjitlink/include/nvJitLink.h"
  "cuda-13.5|nvidia-cuda-nvrtc==13.5.* nvidia-nvjitlink==13.5.*|nvidia/cu13/lib/libnvrtc.so.13 nvidia/cu13/lib/libnvJitLink.so.13"
  "nvdisasm-13.5|nvidia-cuda-nvdisasm==13.5.*|nvidia/cu13/bin/nvdisasm"
)

give_up() {
  if [ "${SM121PROBE_SKIP_TOOLKIT_MATRIX:-}" = "1" ]; then
    log "$*"
    log "SM121PROBE_SKIP_TOOLKIT_MATRIX=1: continuing; the toolkit matrix tests will be skipped"
    exit 0
  fi
  log "$*"
  log "the toolkit matrix tests need these wheels; set SM121PROBE_SKIP_TOOLKIT_MATRIX=1 to skip them explicitly"
  exit 1
}

complete() {  # set dir, stamp text, files...
  local dir="$1" stamp="$2"
  shift 2
  [ -f "$dir/.sm121probe-stamp" ] && [ "$(cat "$dir/.sm121probe-stamp")" = "$stamp" ] || return 1
  local f
  for f in "$@"; do [ -e "$dir/$f" ] || return 1; done
}

todo=()
for s in "${sets[@]}"; do
  IFS='|' read -r name reqs files <<<"$s"
  # shellcheck disable=SC2086
  if complete "$dest/$name" "$reqs" $files; then continue; fi
  todo+=("$s")
done
if [ ${#todo[@]} -eq 0 ]; then
  log "all toolkit sets present in $dest"
  exit 0
fi

command -v "$python" >/dev/null 2>&1 || give_up "$python not found (needed to install the wheels with pip)"
"$python" -m pip --version >/dev/null 2>&1 || give_up "$python has no pip (needed to install the wheels)"

mkdir -p "$dest"
for s in "${todo[@]}"; do
  IFS='|' read -r name reqs files <<<"$s"
  tmp="$dest/.$name.tmp"
  rm -rf "$tmp"
  log "installing $name: $reqs"
  # shellcheck disable=SC2086
  if ! PIP_ROOT_USER_ACTION=ignore "$python" -m pip install --quiet --disable-pip-version-check --no-deps \
      --no-input --timeout 30 --retries 1 --target "$tmp" $reqs; then
    rm -rf "$tmp"
    give_up "pip could not install $name ($reqs): is PyPI reachable?"
  fi
  for f in $files; do
    if [ ! -e "$tmp/$f" ]; then
      rm -rf "$tmp"
      give_up "$name: the wheels installed, but $f is missing (did the wheel layout change?)"
    fi
  done
  printf '%s' "$reqs" >"$tmp/.sm121probe-stamp"
  rm -rf "${dest:?}/$name"
  mv "$tmp" "$dest/$name"
done
log "toolkit sets in $dest: $(cd "$dest" && ls -d */ | tr -d / | tr '\n' ' ')"
