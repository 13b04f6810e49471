#!/usr/bin/env bash
# Set up tripart on Debian 12 and either run the default simulation or the whole test suite.
#
#   bash jobs/quickstart.sh        install what is missing, build, run M1 (N = 500) on 2 ranks, plot it
#   bash jobs/quickstart.sh test   install what is missing, build with -Werror, run every test with ctest
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-run}
case "$mode" in run | test) ;; *) echo "usage: bash jobs/quickstart.sh [run|test]" >&2; exit 2 ;; esac

packages=(build-essential cmake pkg-config petsc-dev libopenmpi-dev openmpi-bin libhdf5-openmpi-dev
  libopenblas-dev python3-numpy python3-h5py python3-matplotlib dataset-fashion-mnist slurm-wlm munge procps)
if [ "$mode" = test ]; then # the tests' independent integrations, and Brian2 itself for one of them
  packages+=(python3-scipy python3-brian)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "== installing: ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

werror=OFF
[ "$mode" = test ] && werror=ON
echo "== building (build/)"
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DTRIPART_WERROR=$werror >/dev/null
cmake --build build -j"$(nproc)"

export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
if [ "$mode" = test ]; then
  echo "== testing"
  exec ctest --test-dir build --output-on-failure -j2
fi
echo "== running the default simulation: M1, N = 500 all-to-all, K = 10, 10 % of the cue flipped, 2 ranks"
mpirun -n 2 build/tripart run -o tripart-run.h5
/usr/bin/python3 analysis/plot_run.py tripart-run.h5 tripart-run.png
