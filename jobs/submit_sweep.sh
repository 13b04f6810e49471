#!/bin/bash
# Submit sweep.sbatch as an array over its whole grid, then gather.sbatch after every task succeeded.
# Variables (K_LIST, SEEDS, ARGS, RESULTS, TABLE, ...) pass through to both jobs.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
export TRIPART_HOME=${TRIPART_HOME:-$(dirname "$here")}
read -r -a Ks <<<"${K_LIST:-5 10 20 40}"
read -r -a seeds <<<"${SEEDS:-1 2}"
n=$((${#Ks[@]} * ${#seeds[@]}))
array=$(sbatch --parsable --export=ALL --array=0-$((n - 1)) "$here/sweep.sbatch")
gather=$(sbatch --parsable --export=ALL --dependency=afterok:"${array%%;*}" "$here/gather.sbatch")
echo "sweep array $array ($n tasks), gather job $gather"
