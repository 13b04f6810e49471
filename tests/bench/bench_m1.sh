#!/usr/bin/env bash
# Benchmark of M1 right-hand sides for N = 1000 all-to-all (10^6 synapses, 10^6 processes):
# the engine on 1 and 2 ranks against the same right-hand side in NumPy (same BLAS, one thread) and in
# PyTorch (float64, one thread; skipped with a message where it is not installed), measured side by
# side; the roofline (bytes moved, bandwidth against a STREAM triad of the same run, tanh rate);
# then the peak memory of a full run with the default stepper.
#
#   bash tests/bench/bench_m1.sh [BUILD_DIR]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../../build}
export OPENBLAS_NUM_THREADS=1 OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
N=1000
field() { awk -v k="$1" '{for (i = 1; i < NF; i++) if ($i == k) print $(i + 1)}'; }

printf "M1 right-hand side, N = %d all-to-all (%d synapses and processes); %s; CPU: %s\n" $N $((N * N)) \
  "$("$build/tripart" version)" "$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')"
printf "%-4s %-24s %-24s %-24s %-8s %-8s %-24s %-8s\n" K "engine 1 rank (upd/s)" "NumPy (upd/s)" "PyTorch (upd/s)" \
  "/NumPy" "/PyTorch" "engine 2 ranks (upd/s/core)" "speed-up"
roof=()
for K in 16 100; do
  e1=$(mpirun -n 1 "$build/tests/bench_rhs" -N $N -K $K)
  py=$(/usr/bin/python3 "$here/bench_numpy.py" $N $K)
  pt=$(/usr/bin/python3 "$here/bench_torch.py" $N $K)
  e2=$(mpirun -n 2 "$build/tests/bench_rhs" -N $N -K $K)
  t1=$(echo "$e1" | field seconds_per_rhs); u1=$(echo "$e1" | field synapse_updates_per_s_per_core)
  tp=$(echo "$py" | field seconds_per_rhs); up=$(echo "$py" | field synapse_updates_per_s_per_core)
  tt=$(echo "$pt" | field seconds_per_rhs); ut=$(echo "$pt" | field synapse_updates_per_s_per_core)
  t2=$(echo "$e2" | field seconds_per_rhs); u2=$(echo "$e2" | field synapse_updates_per_s_per_core)
  [ -n "$tt" ] || { tt=0; ut=0; echo "  (PyTorch skipped: $pt)"; }
  awk -v K=$K -v t1=$t1 -v u1=$u1 -v tp=$tp -v up=$up -v tt=$tt -v ut=$ut -v t2=$t2 -v u2=$u2 'BEGIN {
    torch = "-"; vs = "-"
    if (tt > 0) { torch = sprintf("%.3g (%.2f ms)", ut, 1e3 * tt); vs = sprintf("%.1fx", tt / t1) }
    printf "%-4d %-24s %-24s %-24s %-8s %-8s %-24s %-8s\n", K, sprintf("%.3g (%.2f ms)", u1, 1e3 * t1),
      sprintf("%.3g (%.2f ms)", up, 1e3 * tp), torch, sprintf("%.1fx", tp / t1), vs, sprintf("%.3g (%.2f ms)", u2, 1e3 * t2),
      sprintf("%.2fx", t1 / t2) }'
  for e in "$e1" "$e2"; do
    r="$K"
    for k in ranks bytes_per_rhs_per_rank achieved_GBps_per_rank triad_GBps_per_rank roofline_fraction tanh_peak_per_s \
      tanh_share dgemm_GFlops bound_s of_bound kernels; do r="$r $(echo "$e" | field $k)"; done
    roof+=("$r")
  done
done
echo
echo "Roofline of the engine's right-hand side (32 bytes per synapse must move: read s, p, write ds, dp), per rank,"
echo "against a STREAM triad run on every rank at once in the same run; activations at the kernels' peak in cache;"
echo "bound: the larger of the bytes at the triad's rate and the compute (2 tanh per synapse at that peak + the"
echo "hebbian products' 4 K flops per synapse at a 1000^3 DGEMM's rate, measured in the same run):"
printf "%-4s %-6s %-11s %-14s %-11s %-9s %-15s %-11s %-11s %-10s %-9s %s\n" K ranks "MB per RHS" "achieved GB/s" "triad GB/s" \
  "of triad" "tanh peak (/s)" "tanh share" "DGEMM GF/s" "bound ms" "of bound" kernels
for r in "${roof[@]}"; do
  set -- $r
  awk -v K=$1 -v R=$2 -v b=$3 -v a=$4 -v t=$5 -v f=$6 -v p=$7 -v s=$8 -v g=$9 -v bd=${10} -v ob=${11} -v k="${12}" 'BEGIN {
    printf "%-4d %-6d %-11.1f %-14.2f %-11.2f %-9s %-15.3g %-11s %-11.1f %-10.2f %-9s %s\n", K, R, b / 1e6, a, t,
      sprintf("%.0f%%", 100 * f), p, sprintf("%.0f%%", 100 * s), g, 1e3 * bd, sprintf("%.0f%%", 100 * ob), k }'
done

out=$(mktemp -d)
echo
echo "A whole step of the default stepper (adaptive RK 3bs, every step restarted for exact restarts), K = 16, 1 rank,"
echo "from -log_view: outside the right-hand sides, PETSc's stage combinations and copies, and the recorder:"
mpirun -n 1 "$build/tripart" run -N $N -K 16 -ts_max_time 10 -quiet -o "$out/step.h5" -log_view >"$out/log" 2>&1
awk -v nsyn=$((N * N)) -v n=$N '
  $1 == "TSStep" { steps = $2; step = $4 }
  $1 == "TpRHS" { rhsn = $2; rhs = $4 }
  $1 == "TpObserve" { obs = $4 }
  $1 ~ /^Vec/ && $1 != "VecSet" { vec += $4; t[$1] = $4 }
  END {
    if (!steps) { print "  (no TSStep line in -log_view)"; exit }
    printf "  %d steps, %.2f right-hand sides per step; per step %.2f ms: right-hand sides %.0f%%, vector operations %.0f%%", steps, rhsn / steps, 1e3 * step / steps, 100 * rhs / step, 100 * vec / step
    for (k in t) if (t[k] > 0.01 * step) printf ", %s %.0f%%", k, 100 * t[k] / step
    printf ", the recorder (energy and observables every step, -monitor_every 1) %.0f%%", 100 * obs / step
    printf "\n  (state %d doubles: each pass over one vector moves %.0f MB)\n", 2 * nsyn + n, 8e-6 * (2 * nsyn + n)
  }' "$out/log"
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
