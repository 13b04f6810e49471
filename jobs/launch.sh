# shellcheck shell=bash
# Sourced by the batch scripts.
#   tp_launcher NTASKS          sets the array TP_LAUNCH to the launcher command: srun where SLURM
#                               provides it (and its PMIx plugin), mpirun otherwise; LAUNCHER=srun|mpirun forces one
#   tp_launch NTASKS PROG ARGS  runs PROG on NTASKS ranks with it; its status, or 1 when the launcher
#                               said 0 but the file after -o in ARGS was not written (tp_launched)
#   tp_modules                  loads the site's MODULES, if any
#   tp_status STATUS FILE       the exit status to act on: 3 when tripart left FILE.stopped (a
#                               signal or the stop file ended it with FILE saved), even where the
#                               launcher returned another (mpirun sent SIGTERM exits 1); else STATUS
#   tp_launched STATUS OUT MARK the exit status to act on: 1 when STATUS is 0 but OUT is not newer
#                               than the file MARK made before the launch (SLURM 22.05's srun returns
#                               0 when a step fails to launch: "task 0 launch failed"); else STATUS
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
  local out="" prev="" a mark status=0
  for a in "$@"; do
    if [ "$prev" = -o ]; then out=$a; fi
    prev=$a
  done
  mark=$(mktemp)
  "${TP_LAUNCH[@]}" "$@" || status=$?
  status=$(tp_launched "$status" "$out" "$mark")
  rm -f "$mark"
  return "$status"
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

tp_launched() {
  if [ "$1" -eq 0 ] && [ -n "$2" ] && ! [ "$2" -nt "$3" ]; then
    echo "tripart: the launcher returned 0 but $2 was not written: the job step never ran (see the launcher's messages above)" >&2
    echo 1
  else
    echo "$1"
  fi
}
