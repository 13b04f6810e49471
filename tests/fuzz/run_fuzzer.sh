#!/usr/bin/env bash
# Coverage-guided fuzzing of the loaders (libFuzzer, AddressSanitizer, UndefinedBehaviorSanitizer),
# for a stated budget; not run by CI.  Builds tests/fuzz/fuzz_loaders.c with clang into BUILD
# (default build-fuzz), runs each kind's fuzzer for SECONDS (default 600) from the kept corpus, and
# merges what it found into tests/fuzz/corpus/KIND (only inputs that add coverage), which the ctest
# tests fuzz_replay_KIND replay in every build.  A crash leaves crash-* in BUILD/findings/KIND and
# stops the script with its status; inputs after which HDF5 objects stayed open are kept there as leak-*.
#
#   bash tests/fuzz/run_fuzzer.sh [SECONDS_PER_KIND] [KINDS...]       e.g.  bash tests/fuzz/run_fuzzer.sh 3600
#
# Needs clang and its libFuzzer (Debian: clang, libclang-rt-dev).
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
budget=${1:-600}
shift || true
kinds=("$@")
[ ${#kinds[@]} -gt 0 ] || kinds=(patterns network partition checkpoint table)
build=${BUILD:-$src/build-fuzz}
jobs=${JOBS:-$(nproc)}
CC=${CC:-clang} cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTRIPART_NATIVE=OFF -DTRIPART_FUZZ=ON >/dev/null
cmake --build "$build" -j"$jobs" --target $(printf 'tripart-fuzz-%s ' "${kinds[@]}") >/dev/null
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OPENBLAS_NUM_THREADS=1
# Open MPI, PMIx and HDF5 keep allocations to exit by design; loaders that leave HDF5 objects open
# are caught by the harness itself.  HDF5 asks malloc for whatever size a corrupt header gives and
# copes with NULL, as it gets in production where no node has that memory: single allocations over
# 2 GiB return NULL (ASan would otherwise touch an eighth of their size in shadow memory)
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1:allocator_may_return_null=1:max_allocation_size_mb=2048 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
shm=${TP_FUZZ_SHM:-/dev/shm}
export TRIPART_PROBE_TIMEOUT=5 # a file that hangs HDF5 is refused well before the fuzzer calls it a timeout
for kind in "${kinds[@]}"; do
  corpus=$src/tests/fuzz/corpus/$kind
  work=$build/findings/$kind
  mkdir -p "$work/new"
  export TP_FUZZ_DIR=$shm/tripart-fuzz-$kind # the inputs as files (and leak-*.h5: inputs after which HDF5 objects stayed open)
  mkdir -p "$TP_FUZZ_DIR"
  start=$(date +%s)
  # -rss_limit_mb: a loader must refuse sizes it cannot hold before it allocates them
  "$build/tests/tripart-fuzz-$kind" "$work/new" "$corpus" -max_total_time="$budget" -max_len=65536 \
    -rss_limit_mb=4096 -malloc_limit_mb=4096 -timeout=30 -artifact_prefix="$work/" -print_final_stats=1 \
    >"$work/log" 2>&1 || {
    echo "tripart-fuzz-$kind: a finding after $(($(date +%s) - start)) s; see $work/log and $work/crash-*"
    exit 1
  }
  before=$(find "$corpus" -type f | wc -l)
  "$build/tests/tripart-fuzz-$kind" -merge=1 "$corpus" "$work/new" >>"$work/log" 2>&1
  after=$(find "$corpus" -type f | wc -l)
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$work/log" | tail -1 | grep -o '[0-9]*$' || echo '?')
  leaks=$(find "$TP_FUZZ_DIR" -name 'leak-*' | wc -l)
  find "$TP_FUZZ_DIR" -name 'leak-*' -exec mv {} "$work/" \;
  rm -rf "$TP_FUZZ_DIR"
  echo "$kind: $budget s, $runs inputs run, corpus $before -> $after files, $leaks inputs left HDF5 objects open (in $work)"
done
