#!/usr/bin/env bash
# Benchmark of M1 right-hand sides for N = 1000 all-to-all (10^6 synapses, 10^6 processes):
# the engine on 1 and 2 ranks against the same right-hand side in NumPy (same BLAS, one thread),
# measured side by side, then the peak memory of a full run with the default stepper.
#
#   bash tests/bench/bench_m1.sh [BUILD_DIR]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../../build}
export OPENBLAS_NUM_THREADS=1 OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
N=1000
field() { awk -v k="$1" '{for (i = 1; i < NF; i++) if ($i == k) print $(i + 1)}'; }

printf "M1 right-hand side, N = %d all-to-all (%d synapses and processes); %s\n" $N $((N * N)) "$("$build/tripart" version)"
printf "%-5s %-26s %-26s %-9s %-26s %-10s\n" K "engine 1 rank (upd/s/core)" "NumPy (upd/s)" "ratio" "engine 2 ranks (upd/s/core)" "2-rank speed-up"
for K in 16 100; do
  e1=$(mpirun -n 1 "$build/tests/bench_rhs" -N $N -K $K)
  py=$(/usr/bin/python3 "$here/bench_numpy.py" $N $K)
  e2=$(mpirun -n 2 "$build/tests/bench_rhs" -N $N -K $K)
  t1=$(echo "$e1" | field seconds_per_rhs); u1=$(echo "$e1" | field synapse_updates_per_s_per_core)
  tp=$(echo "$py" | field seconds_per_rhs); up=$(echo "$py" | field synapse_updates_per_s_per_core)
  t2=$(echo "$e2" | field seconds_per_rhs); u2=$(echo "$e2" | field synapse_updates_per_s_per_core)
  awk -v K=$K -v t1=$t1 -v u1=$u1 -v tp=$tp -v up=$up -v t2=$t2 -v u2=$u2 'BEGIN {
    printf "%-5d %-26s %-26s %-9s %-26s %-10s\n", K, sprintf("%.3g (%.2f ms)", u1, 1e3 * t1), sprintf("%.3g (%.2f ms)", up, 1e3 * tp),
      sprintf("%.1fx", tp / t1), sprintf("%.3g (%.2f ms)", u2, 1e3 * t2), sprintf("%.2fx", t1 / t2) }'
done

out=$(mktemp -d)
echo
echo "Peak memory of full runs with the default stepper (K = 16, 2 ranks), summed over ranks:"
declare -A peak
for n in 700 $N; do
  line=$(mpirun -n 2 "$build/tripart" run -N $n -K 16 -o "$out/bench.h5" | grep -E "peak memory")
  peak[$n]=$(echo "$line" | sed -E 's/.*peak memory ([0-9.]+) MiB.*/\1/')
  echo "  N = $n ($((n * n)) synapses): $(echo "$line" | sed -E 's/^ *time *//')"
done
awk -v a=${peak[700]} -v b=${peak[$N]} -v sa=490000 -v sb=$((N * N)) 'BEGIN {
  printf "  => %.0f bytes per synapse (slope between the two runs); %.0f bytes per synapse in all at N = 1000, fixed MPI/PETSc start-up included\n",
    (b - a) * 1048576 / (sb - sa), b * 1048576 / sb }'
rm -rf "$out"
