/* Signals that end a run early but cleanly: SIGTERM, SIGINT and SIGUSR1 (what SLURM sends before a
   time limit) only set a flag; runs poll it after each step and sweeps between trials, then save
   what they have and exit with status 3. */
#include <tputil.h>
#include <signal.h>
#include <string.h>

static volatile sig_atomic_t tp_signal = 0;

static void OnSignal(int sig)
{
  tp_signal = sig;
}

/*@C
  TpCatchSignals - Catches SIGTERM, SIGINT and SIGUSR1 into a flag, without PETSc

  Not Collective

  Notes:
  For use before PetscInitialize(), so that a signal during start-up cannot kill a run; call
  TpCatchSignalsPetsc() after it, over PETSc's own handlers.  SIGXFSZ is ignored: a file-size limit
  then makes writes fail with EFBIG, reported like a full disk.
  Returns non-zero on failure (it is not a PETSc function).

.seealso: `TpCatchSignalsPetsc()`, `TpSignalCaught()`
@*/
int TpCatchSignals(void)
{
  struct sigaction sa;

  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  signal(SIGXFSZ, SIG_IGN);
  return sigaction(SIGTERM, &sa, NULL) || sigaction(SIGINT, &sa, NULL) || sigaction(SIGUSR1, &sa, NULL);
}

/*@C
  TpCatchSignalsPetsc - Catches SIGTERM, SIGINT and SIGUSR1 into a flag, over PETSc's handlers

  Not Collective

.seealso: `TpCatchSignals()`, `TpSignalCaught()`
@*/
PetscErrorCode TpCatchSignalsPetsc(void)
{
  PetscFunctionBegin;
  PetscCheck(!TpCatchSignals(), PETSC_COMM_SELF, PETSC_ERR_SYS, "Cannot install signal handlers");
  PetscFunctionReturn(0);
}

/*@C
  TpSignalCaught - The last caught signal, or 0

  Not Collective

  Notes:
  Ranks may see a signal at different times: whoever acts on it reduces the flag over the ranks first.

.seealso: `TpCatchSignals()`
@*/
int TpSignalCaught(void)
{
  return tp_signal;
}

/*@C
  TpSignalName - The name of a signal, for messages

  Not Collective

  Input Parameter:
. sig - the signal

.seealso: `TpSignalCaught()`
@*/
const char *TpSignalName(int sig)
{
  static char buf[32];
  switch (sig) {
  case SIGTERM:
    return "SIGTERM";
  case SIGINT:
    return "SIGINT";
  case SIGUSR1:
    return "SIGUSR1";
  default:
    snprintf(buf, sizeof(buf), "signal %d", sig);
    return buf;
  }
}
