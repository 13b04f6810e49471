#!/usr/bin/env bash
# The sanitizer build: AddressSanitizer and UndefinedBehaviorSanitizer, portable kernels (the vector
# paths are chosen at run time, so the AVX2 or AVX-512 code of this CPU runs under the sanitizers
# too, which valgrind cannot run).  Builds the program and the unit tests, then runs the unit
# tests, the twins of M1 and M2/M3 on 1 and 2 ranks, and a short run of each stepper type with a
# checkpoint and a restart, and the loaders' fuzz corpus.  Silent on success; any report of the
# sanitizers fails it.
#
#   bash tests/sanitize.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
src=$1
build=$2/sanitize
cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTRIPART_NATIVE=OFF -DTRIPART_SANITIZE=ON \
  -DTRIPART_WERROR=ON >/dev/null
cmake --build "$build" -j"$(nproc)" --target tripart-bin test_vmath test_twin test_attractor_twin test_diffusion \
  tripart-fuzz-replay >/dev/null
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1 OPENBLAS_NUM_THREADS=1
# Open MPI, PMIx and HDF5 keep allocations to exit by design: leaks are not ours to report here
# (PETSc's own -malloc_dump checks tripart's); everything else the sanitizers see fails the test.
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1:halt_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
log=$tmp/log
check() { # command...: must succeed without any sanitizer report
  if ! "$@" >"$log" 2>&1 || grep -qE "ERROR: AddressSanitizer|runtime error:|ERROR: LeakSanitizer" "$log"; then
    echo "FAILED under the sanitizers: $*"
    cat "$log"
    exit 1
  fi
}
mpi() { mpirun --oversubscribe --allow-run-as-root -n "$@"; }
check "$build/tests/test_vmath"
for np in 1 2; do
  check mpi $np "$build/tests/test_twin" -connectivity all -naam_coupling hebbian,diffusion -K 3 -naam_block_synapses 30
  check mpi $np "$build/tests/test_twin" -connectivity spatial -N 20 -degree 5 -spatial_dim 2 -spatial_tiles 2 \
    -spatial_links 3 -spatial_gap_junctions 4 -naam_coupling hebbian,diffusion -K 3 -naam_block_synapses 9
  check mpi $np "$build/tests/test_attractor_twin" -model gated -N 13 -K 5
  check mpi $np "$build/tests/test_diffusion" -connectivity spatial -N 120 -degree 8 -spatial_dim 3 -spatial_tiles 2
done
T=$build/tripart
for case in "-N 40 -K 3 -ts_max_time 4 -save_synapses" \
  "-model gated -N 30 -K 5 -ts_max_time 3" \
  "-model oracle -N 30 -K 5" \
  "-model decay -N 30 -connectivity random -degree 4 -stepper_max_time 3" \
  "-model jacobi -N 30 -connectivity random -degree 4" \
  "-model spiking -spiking_brunel_order 40 -stepper_max_time 20" \
  "-model spiking -spiking_populations N:300,S:20,T:6 -spiking_N_positions uniform -spiking_N_extent 300,300
   -spiking_projections N-N,S-T,T-N -spiking_N-N_rule distance -spiking_N-N_kernel gaussian -spiking_N-N_sigma 20
   -spiking_N_poisson_rate 12000 -spiking_N_poisson_weight 18 -spiking_S_poisson_rate 15000 -spiking_S_poisson_weight 25
   -spiking_S-T_rule fixed_indegree -spiking_S-T_indegree 3 -spiking_S-T_synapse tsodyks_markram -spiking_S-T_weight 400
   -spiking_T-N_rule fixed_indegree -spiking_T-N_indegree 1 -spiking_record_V 1 -spiking_record_I_syn
   -spiking_N_record_spikes 50 -stepper_max_time 20"; do
  # shellcheck disable=SC2086
  check mpi 2 "$T" $case -quiet -o "$tmp/a.h5" -checkpoint "$tmp/a.ckpt" -checkpoint_final -malloc_dump
  # shellcheck disable=SC2086
  check mpi 2 "$T" $case -quiet -o "$tmp/b.h5" -restart "$tmp/a.ckpt" -malloc_dump
done
check mpi 2 "$T" sweep -models gated,naam,oracle,decay -N 16 -K 2,4 -flips 1 -trials 2 -ts_max_time 1 -quiet \
  -o "$tmp/s.h5" -malloc_dump
# the loaders' fuzz corpus (tests/fuzz): HDF5 asks malloc for what a corrupt header says and copes
# with NULL, as in production
for kind in patterns network partition checkpoint table; do
  ASAN_OPTIONS=$ASAN_OPTIONS:allocator_may_return_null=1:max_allocation_size_mb=2048 TRIPART_PROBE_TIMEOUT=5 TP_FUZZ_DIR=$tmp \
    check "$build/tests/tripart-fuzz-replay" "$kind" "$src"/tests/fuzz/corpus/"$kind"/*
done
