/* Options the options database of PETSc 3.18 has no reader for. */
#include <tputil.h>
#include <errno.h>
#include <stdlib.h>

/*@C
  TpOptionsInt64_Private - Reads a 64-bit integer option inside PetscOptionsBegin()/PetscOptionsEnd()
  (use it as TpOptionsInt64(opt, text, man, current, &value, &set))

  Collective

  Input Parameters:
+ PetscOptionsObject - the options block (in scope between PetscOptionsBegin() and PetscOptionsEnd())
. opt     - the option, e.g. "-stepper_max_steps"
. text    - its help
. man     - the manual page it belongs to
- current - its value now (the default shown by -help)

  Output Parameters:
+ value - the value (untouched when the option is not given)
- set   - whether it was given (may be NULL)

  Notes:
  Refuses values that are not whole decimal numbers within 64 bits, naming the option and the text.

.seealso: `TpStepperSetFromOptions()`
@*/
PetscErrorCode TpOptionsInt64_Private(PetscOptionItems *PetscOptionsObject, const char opt[], const char text[],
                                      const char man[], PetscInt64 current, PetscInt64 *value, PetscBool *set)
{
  char buf[64], cur[64];
  PetscBool flg;

  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(cur, sizeof(cur), "%" PetscInt64_FMT, current));
  PetscCall(PetscStrncpy(buf, cur, sizeof(buf)));
  PetscCall(PetscOptionsString(opt, text, man, cur, buf, sizeof(buf), &flg));
  if (flg) {
    char *end;
    long long v;
    errno = 0;
    v     = strtoll(buf, &end, 10);
    PetscCheck(end != buf && !*end && errno != ERANGE, PetscOptionsObject->comm, PETSC_ERR_ARG_WRONG,
               "Option %s must be a whole number within 64 bits; got '%s'", opt, buf);
    *value = (PetscInt64)v;
  }
  if (set) *set = flg;
  PetscFunctionReturn(0);
}

/*@C
  TpListNames - The names of a registry, comma-separated, for messages and help

  Not Collective

  Input Parameters:
+ list - a PetscFunctionList (models, couplings, stepper types)
- len  - room in buf

  Output Parameter:
. buf - e.g. "ts, fixed, iterate, none"

.seealso: `TpModelListTypes()`
@*/
PetscErrorCode TpListNames(PetscFunctionList list, char *buf, size_t len)
{
  const char **names;
  int n;

  PetscFunctionBegin;
  PetscCall(PetscFunctionListGet(list, &names, &n));
  buf[0] = 0;
  for (int q = 0; q < n && names[q]; q++) {
    if (q) PetscCall(PetscStrlcat(buf, ", ", len));
    PetscCall(PetscStrlcat(buf, names[q], len));
  }
  PetscCall(PetscFree(names));
  PetscFunctionReturn(0);
}
