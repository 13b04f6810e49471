# Sourced by the batch scripts.
#   tp_launcher NTASKS          sets the array TP_LAUNCH to the launcher command: srun where SLURM
#                               provides it (and its PMIx plugin), mpirun otherwise; LAUNCHER=srun|mpirun forces one
#   tp_launch NTASKS PROG ARGS  runs PROG on NTASKS ranks with it
#   tp_modules                  loads the site's MODULES, if any
#   tp_status STATUS FILE       the exit status to act on: 3 when tripart left FILE.stopped (a
#                               signal or the stop file ended it with FILE saved), even where the
#                               launcher returned another (mpirun sent SIGTERM exits 1); else STATUS
tp_launcher() {
  if [ "${LAUNCHER:-auto}" = auto ]; then
    LAUNCHER=mpirun
    if [ -n "${SLURM_JOB_ID:-}" ] && command -v srun >/dev/null 2>&1 && srun --mpi=list 2>&1 | grep -q pmix; then
      LAUNCHER=srun
    fi
  fi
  if [ "$LAUNCHER" = srun ]; then
    TP_LAUNCH=(srun --mpi=pmix --ntasks="$1")
  else
    if [ "$(id -u)" -eq 0 ]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi
    TP_LAUNCH=(mpirun --oversubscribe -n "$1")
  fi
}

tp_launch() {
  tp_launcher "$1"
  shift
  "${TP_LAUNCH[@]}" "$@"
}

tp_modules() {
  if [ -n "${MODULES:-}" ] && command -v module >/dev/null 2>&1; then
    # shellcheck disable=SC2086
    module load $MODULES
  fi
}

tp_status() {
  if [ "$1" -ne 3 ] && [ -f "$2.stopped" ] && grep -qx 'status 3' "$2.stopped"; then
    echo 3
  else
    echo "$1"
  fi
}
