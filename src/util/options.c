/* Options the options database of PETSc 3.18 has no reader for. */
#include <tputil.h>
#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

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

/* ------------------------------------------------------------------ options files, before PetscInitialize() */

/* Whether this process is the first of the job, before MPI is initialised (for a message printed once). */
static int FirstOfJob(void)
{
  const char *vars[] = {"OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK", "SLURM_PROCID", NULL};
  for (int q = 0; vars[q]; q++) {
    const char *v = getenv(vars[q]);
    if (v) return atoi(v) == 0;
  }
  return 1;
}

#define TP_OPTIONS_FILE_DEPTH 16

static int CheckOptionsFile(const char *path, const char *from, dev_t *dev, ino_t *ino, int depth, char *msg,
                            size_t len);

/* The words of an options string; every "-options_file NAME" is checked (as PETSc reads it). */
static int CheckOptionsWords(char *s, const char *from, dev_t *dev, ino_t *ino, int depth, char *msg, size_t len)
{
  char *save = NULL, *w;
  for (w = strtok_r(s, " \t\r\n", &save); w; w = strtok_r(NULL, " \t\r\n", &save)) {
    if (strcmp(w, "-options_file")) continue;
    w = strtok_r(NULL, " \t\r\n", &save);
    if (!w) {
      snprintf(msg, len, "Option -options_file (in %s) has no file name", from);
      return 1;
    }
    if (CheckOptionsFile(w, from, dev, ino, depth, msg, len)) return 1;
  }
  return 0;
}

static int CheckOptionsFile(const char *path, const char *from, dev_t *dev, ino_t *ino, int depth, char *msg,
                            size_t len)
{
  struct stat sb;
  FILE *fp;
  char line[4096], where[PETSC_MAX_PATH_LEN + 64];
  int bad = 0, ln = 0;

  if (stat(path, &sb) || !(fp = fopen(path, "r"))) {
    snprintf(msg, len, "Cannot read options file '%s' (option -options_file %s): %s", path, from, strerror(errno));
    return 1;
  }
  if (!S_ISREG(sb.st_mode)) {
    snprintf(msg, len, "Options file '%s' (option -options_file %s) is not a regular file", path, from);
    fclose(fp);
    return 1;
  }
  for (int q = 0; q < depth; q++)
    if (dev[q] == sb.st_dev && ino[q] == sb.st_ino) {
      snprintf(msg, len, "Options file '%s' (option -options_file %s) includes itself, directly or through others",
               path, from);
      fclose(fp);
      return 1;
    }
  if (depth == TP_OPTIONS_FILE_DEPTH) {
    snprintf(msg, len, "Options file '%s' (in %s) is nested more than %d deep", path, from, TP_OPTIONS_FILE_DEPTH);
    fclose(fp);
    return 1;
  }
  dev[depth] = sb.st_dev;
  ino[depth] = sb.st_ino;
  while (!bad && fgets(line, sizeof(line), fp)) {
    char *hash = strchr(line, '#');
    ln++;
    if (hash) *hash = 0; /* PETSc's comments */
    snprintf(where, sizeof(where), "%s, line %d", path, ln);
    bad = CheckOptionsWords(line, where, dev, ino, depth + 1, msg, len);
  }
  fclose(fp);
  return bad;
}

/*@C
  TpOptionsFilesCheck - Before PetscInitialize(): every options file the command line and PETSC_OPTIONS name, and
  those they name, can be read, and none includes itself (PETSc would print a raw dump, or recurse until it crashes)

  Not Collective; call on every rank before MPI is initialised

  Input Parameters:
+ argc - the arguments of main()
- argv - the arguments of main()

  Returns:
  0, or 1 after printing one message (on the first rank of the job)

.seealso: `TpOptionsCheckValues()`
@*/
int TpOptionsFilesCheck(int argc, char **argv)
{
  dev_t dev[TP_OPTIONS_FILE_DEPTH + 1];
  ino_t ino[TP_OPTIONS_FILE_DEPTH + 1];
  char msg[2 * PETSC_MAX_PATH_LEN + 256] = "";
  int bad                                = 0;
  const char *env                        = getenv("PETSC_OPTIONS");

  for (int i = 1; i < argc && !bad; i++) {
    if (strcmp(argv[i], "-options_file")) continue;
    if (i + 1 >= argc) {
      snprintf(msg, sizeof(msg), "Option -options_file (on the command line) has no file name");
      bad = 1;
    } else
      bad = CheckOptionsFile(argv[++i], "on the command line", dev, ino, 0, msg, sizeof(msg));
  }
  if (!bad && env) {
    char *copy = strdup(env);
    if (copy) bad = CheckOptionsWords(copy, "PETSC_OPTIONS", dev, ino, 0, msg, sizeof(msg));
    free(copy);
  }
  if (bad && FirstOfJob()) fprintf(stderr, "tripart: error: %s\n", msg);
  return bad;
}

/* ------------------------------------------------------------------ values */

/* Options whose values are names (a file called "inf" is a file), and options that may be infinite. */
static const char *const NameOptions[] = {
    "o", "checkpoint", "patterns_file", "network_file", "partition", "restart", "stop_file", "options_file", NULL};
static const char *const InfiniteOptions[] = {"ts_max_time", "stepper_max_time", "ts_adapt_dt_max", NULL};

static PetscBool InList(const char *name, const char *const *list)
{
  for (int q = 0; list[q]; q++)
    if (!strcmp(name, list[q])) return PETSC_TRUE;
  return PETSC_FALSE;
}

/*@C
  TpOptionsCheckValues - Refuses option values that are NaN, infinite (except for the end times, where infinity
  means "until -ts_max_steps"), subnormal, or beyond the range of a double, naming the option and the value

  Collective

  Input Parameter:
. comm - the communicator of the run (every rank holds the same options)

  Notes:
  Every number of a value is checked, also each of a comma-separated list (-ts_adapt_clip 0.1,10), for PETSc's
  options as for tripart's; values that are not numbers are left to the readers of the options.

.seealso: `TpOptionsCheckUnused()`
@*/
PetscErrorCode TpOptionsCheckValues(MPI_Comm comm)
{
  PetscInt n;
  char **names, **values;
  char msg[512] = "";

  PetscFunctionBegin;
  PetscCall(PetscOptionsLeftGet(NULL, &n, &names, &values));
  for (PetscInt q = 0; q < n && !msg[0]; q++) {
    char buf[1024], *save = NULL, *w;
    if (!values[q] || InList(names[q], NameOptions)) continue;
    PetscCall(PetscStrncpy(buf, values[q], sizeof(buf)));
    for (w = strtok_r(buf, ",", &save); w && !msg[0]; w = strtok_r(NULL, ",", &save)) {
      char *end;
      double v;
      errno = 0;
      v     = strtod(w, &end);
      if (end == w || *end) continue; /* not a number */
      if (isnan(v))
        PetscCall(PetscSNPrintf(msg, sizeof(msg), "Option -%s must be a number; got %s", names[q], values[q]));
      else if (isinf(v) && (v < 0 || !InList(names[q], InfiniteOptions)))
        PetscCall(PetscSNPrintf(msg, sizeof(msg), "Option -%s must be finite; got %s%s", names[q], values[q],
                                errno == ERANGE ? " (beyond the range of a double)" : ""));
      else if (v != 0 && fpclassify(v) == FP_SUBNORMAL)
        PetscCall(PetscSNPrintf(msg, sizeof(msg), "Option -%s: %s is below the smallest normal double (%.3g)", names[q],
                                values[q], DBL_MIN));
      else if (v == 0 && errno == ERANGE)
        PetscCall(PetscSNPrintf(msg, sizeof(msg), "Option -%s: %s is below the smallest double and would read as 0",
                                names[q], values[q]));
    }
  }
  PetscCall(PetscOptionsLeftRestore(NULL, &n, &names, &values));
  PetscCheck(!msg[0], comm, PETSC_ERR_ARG_OUTOFRANGE, "%s", msg);
  PetscFunctionReturn(0);
}

/* ------------------------------------------------------------------ options given but not read */

/* Help lines captured from a describing pass: "  -name <...": takes a value; "  -name: <...": a flag. */
static char *help_text = NULL;
static size_t help_len = 0, help_max = 0;

static PetscErrorCode (*SavedVFPrintf)(FILE *, const char[], va_list) = NULL;

/* PETSc prints help on the first rank through PetscVFPrintf() (PetscHelpPrintf(), and the lists of types): keep
   what goes to stdout there. */
static PetscErrorCode CaptureHelp(FILE *fd, const char format[], va_list ap)
{
  char line[8192];
  int k;

  if (fd != PETSC_STDOUT) return SavedVFPrintf(fd, format, ap);
  k = vsnprintf(line, sizeof(line), format, ap);
  if (k < 0) return 0;
  if ((size_t)k >= sizeof(line)) k = sizeof(line) - 1;
  if (help_len + (size_t)k + 1 > help_max) {
    size_t m = PetscMax(2 * help_max, help_len + (size_t)k + 1 + 65536);
    char *t  = realloc(help_text, m);
    if (!t) return 0; /* suggestions are a courtesy */
    help_text = t;
    help_max  = m;
  }
  memcpy(help_text + help_len, line, (size_t)k + 1);
  help_len += (size_t)k;
  return 0;
}

/* How the help of the describing pass lists option `name` (without the dash): 0 not listed, 1 a flag, 2 takes a
   value. */
static int HelpKind(const char *name)
{
  size_t l = strlen(name);
  for (const char *p = help_text; p && (p = strstr(p, name)); p += l) {
    if (p < help_text + 1 || p[-1] != '-' || (p >= help_text + 2 && p[-2] != ' ' && p[-2] != '\n')) continue;
    if (p[l] == ':') return 1;                    /* "-quiet: <FALSE : FALSE>" */
    if (p[l] == ' ' && p[l + 1] == '<') return 2; /* "-N <now 500 : formerly 500>" */
    if (p[l] == ' ') return 1;                    /* "-ts_monitor ascii[:[filename]...": a viewer, may be bare */
  }
  return 0;
}

/* Optimal string alignment distance of two names (short: options). */
static int Distance(const char *a, const char *b)
{
  int la = (int)strlen(a), lb = (int)strlen(b), d[64][64];
  if (la > 62 || lb > 62) return 1000;
  for (int i = 0; i <= la; i++) d[i][0] = i;
  for (int j = 0; j <= lb; j++) d[0][j] = j;
  for (int i = 1; i <= la; i++)
    for (int j = 1; j <= lb; j++) {
      int c = a[i - 1] != b[j - 1], m = PetscMin(d[i - 1][j] + 1, d[i][j - 1] + 1);
      m = PetscMin(m, d[i - 1][j - 1] + c);
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) m = PetscMin(m, d[i - 2][j - 2] + 1);
      d[i][j] = m;
    }
  return d[la][lb];
}

/* The listed option nearest to `name`, if near enough to be a slip. */
static void Nearest(const char *name, char *best, size_t len)
{
  int bd  = 1000;
  best[0] = 0;
  for (const char *p = help_text; p && (p = strstr(p, "\n  -")); p++) {
    char cand[64];
    int k = 0, d;
    for (const char *c = p + 4; *c && k < 63 && (isalnum((unsigned char)*c) || *c == '_'); c++) cand[k++] = *c;
    cand[k] = 0;
    if (!k) continue;
    d = Distance(name, cand);
    if (d < bd) {
      bd = d;
      snprintf(best, len, "%s", cand);
    }
  }
  if (strlen(name) >= 3 && bd <= PetscMax(1, (int)strlen(name) / 4)) return;
  best[0] = 0; /* or the option it begins: -stepper for -stepper_type */
  for (const char *p = help_text; p && (p = strstr(p, "\n  -")); p++) {
    size_t l = strlen(name);
    if (!strncmp(p + 4, name, l) && p[4 + l] == '_') {
      int k = 0;
      for (const char *c = p + 4; *c && k < (int)len - 1 && (isalnum((unsigned char)*c) || *c == '_'); c++)
        best[k++] = *c;
      best[k] = 0;
      return;
    }
  }
  for (const char *p = help_text; p && (p = strstr(p, "\n  -"));
       p++) { /* or a model's: -naam_diffusion for -diffusion */
    char cand[64];
    int k    = 0;
    size_t l = strlen(name);
    for (const char *c = p + 4; *c && k < 63 && (isalnum((unsigned char)*c) || *c == '_'); c++) cand[k++] = *c;
    cand[k] = 0;
    if ((size_t)k > l + 1 && !strcmp(cand + k - l, name) && cand[k - l - 1] == '_') {
      snprintf(best, len, "%s", cand);
      return;
    }
  }
}

/* For an option of another model (-naam_tau_n with -model hopfield): " (an option of -model naam; this run's
   model is hopfield)", from the help of -model. */
static void OtherModel(const char *name, char *note, size_t len)
{
  const char *line = help_text ? strstr(help_text, "\n  -model <now ") : NULL, *list, *end;
  char current[64] = "", word[64];

  note[0] = 0;
  if (!line) return;
  sscanf(line + strlen("\n  -model <now "), "%63s", current);
  end  = strchr(line + 1, '\n');
  list = strstr(line, "(one of) ");
  if (!list || (end && list > end)) return;
  for (list += 9; sscanf(list, "%63s", word) == 1 && (!end || list < end); list += strlen(word) + 1) {
    size_t l = strlen(word);
    if (word[0] == '(') break;
    if (strcmp(word, current) && !strncmp(name, word, l) && name[l] == '_') {
      snprintf(note, len, " (an option of -model %s; this run's model is %s)", word, current);
      return;
    }
  }
}

/* Whether a word of the options is an option's name rather than a value (-5 and -.5 are values). */
static PetscBool IsName(const char *w)
{
  return w[0] == '-' && w[1] && !isdigit((unsigned char)w[1]) && w[1] != '.' && strcasecmp(w + 1, "inf") &&
                 strcasecmp(w + 1, "infinity")
             ? PETSC_TRUE
             : PETSC_FALSE;
}

/* Options read only during or at the end of a solve or of the program (viewers, logs, -snes_test_jacobian), which
   a check before the run cannot see read (TpOptionsWarnUnread() reports them after the run). */
static PetscBool ReadLater(const char *name)
{
  size_t l = strlen(name);
  return (l >= 4 && !strcmp(name + l - 4, "view")) || strstr(name, "_view_") || !strncmp(name, "log", 3) ||
                 !strncmp(name, "options_", 8) || !strncmp(name, "malloc", 6) || !strncmp(name, "objects_", 8) ||
                 !strcmp(name, "memory_view") || strstr(name, "_test_")
             ? PETSC_TRUE
             : PETSC_FALSE;
}

/*@C
  TpOptionsCheckUnused - Refuses options that were given but never read (misspelt, or for another model or
  stepper), and options that need a value given without one, naming the nearest real option; before the run

  Collective

  Input Parameters:
+ comm     - the communicator of the subcommand
. command  - its name ("run", "sweep", ...), for the message
- describe - the subcommand itself: run with -help set, it lists every option it reads (called only when an
             option is in doubt, with PETSc's help printer captured)

  Options Database Key:
. -allow_unused_options - report such options as a warning and go on (for wrapper scripts that pass options
                          some runs do not read)

  Notes:
  Viewers and logs (-ts_view, -log_view, ...) are read at the end and not checked here.

.seealso: `TpOptionsCheckValues()`
@*/
PetscErrorCode TpOptionsCheckUnused(MPI_Comm comm, const char *command, PetscErrorCode (*describe)(int *))
{
  PetscInt n, nbare = 0;
  char **names, **values, *all = NULL, msg[2048] = "";
  PetscBool allow = PETSC_FALSE, doubt = PETSC_FALSE;
  PetscMPIInt rank;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(PetscOptionsGetBool(NULL, NULL, "-allow_unused_options", &allow, NULL));
  PetscCall(PetscOptionsLeftGet(NULL, &n, &names, &values));
  for (PetscInt q = 0; q < n; q++)
    if (!ReadLater(names[q])) doubt = PETSC_TRUE;
  PetscCall(
      PetscOptionsGetAll(NULL, &all)); /* options given without a value: in doubt until the help calls them flags */
  {
    char *save = NULL, *w, *prev = NULL;
    for (w = strtok_r(all, " ", &save); w; prev = w, w = strtok_r(NULL, " ", &save))
      if (prev && prev[0] == '-' && IsName(w)) nbare++;
    if (prev && prev[0] == '-') nbare++;
  }
  PetscCall(PetscFree(all));
  if (doubt || nbare) { /* the subcommand again in help mode, its help kept on the first rank */
    PetscErrorCode ierr;
    int status = 0;
    help_len   = 0;
    if (help_text) help_text[0] = 0;
    /* PETSc prints each options section once, and counts as printed every section read so far */
    PetscCall(PetscOptionsHelpPrintedDestroy(&PetscOptionsHelpPrintedSingleton));
    PetscCall(PetscOptionsSetValue(NULL, "-help", NULL));
    SavedVFPrintf = PetscVFPrintf;
    PetscVFPrintf = CaptureHelp;
    PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
    ierr = describe(&status);
    PetscCall(PetscPopErrorHandler());
    PetscVFPrintf = SavedVFPrintf;
    PetscCall(PetscOptionsClearValue(NULL, "-help"));
    PetscCall(PetscOptionsHelpPrintedDestroy(&PetscOptionsHelpPrintedSingleton));
    if (ierr) help_len = 0; /* no help to go by: report unread options without suggestions */
  }
  if (!rank) {
    for (PetscInt q = 0; q < n && !msg[0]; q++) {
      char best[64], note[160];
      if (ReadLater(names[q])) continue;
      OtherModel(names[q], note, sizeof(note));
      if (note[0])
        best[0] = 0;
      else
        Nearest(names[q], best, sizeof(best));
      PetscCall(PetscSNPrintf(msg, sizeof(msg), "Option -%s%s%s was given but %s%s does not read it%s%s%s%s", names[q],
                              values[q] ? " " : "", values[q] ? values[q] : "",
                              strcmp(command, "run") && strcmp(command, "sweep") ? "tripart " : "this ", command, note,
                              best[0] ? "; did you mean -" : "", best,
                              best[0]   ? "?"
                              : note[0] ? ""
                                        : " (see -help)"));
    }
    if (!msg[0] && nbare && help_len) { /* a read option given with no value, which takes one */
      char *save = NULL, *w, *prev = NULL;
      PetscCall(PetscOptionsGetAll(NULL, &all));
      for (w = strtok_r(all, " ", &save);; prev = w, w = strtok_r(NULL, " ", &save)) {
        if (prev && prev[0] == '-' && (!w || IsName(w)) && HelpKind(prev + 1) == 2) {
          PetscCall(PetscSNPrintf(msg, sizeof(msg), "Option %s needs a value", prev));
          allow = PETSC_FALSE;
          break;
        }
        if (!w) break;
      }
      PetscCall(PetscFree(all));
    }
  }
  PetscCall(PetscOptionsLeftRestore(NULL, &n, &names, &values));
  PetscCallMPI(MPI_Bcast(msg, sizeof(msg), MPI_CHAR, 0, comm));
  PetscCallMPI(MPI_Bcast(&allow, 1, MPIU_BOOL, 0, comm));
  if (msg[0] && allow) {
    PetscCall(PetscFPrintf(comm, PETSC_STDERR, "tripart: warning: %s (going on: -allow_unused_options)\n", msg));
    PetscFunctionReturn(0);
  }
  PetscCheck(!msg[0], comm, PETSC_ERR_ARG_WRONG, "%s%s", msg,
             strstr(msg, "needs a value") ? "" : " (-allow_unused_options lets such options through)");
  PetscFunctionReturn(0);
}

/*@C
  TpOptionsWarnUnread - After a subcommand: a warning for each option still never read (those TpOptionsCheckUnused()
  leaves to the end: viewers, logs)

  Collective

  Input Parameter:
. comm - the communicator of the subcommand

.seealso: `TpOptionsCheckUnused()`
@*/
PetscErrorCode TpOptionsWarnUnread(MPI_Comm comm)
{
  PetscInt n;
  char **names, **values;

  PetscFunctionBegin;
  PetscCall(PetscOptionsLeftGet(NULL, &n, &names, &values));
  for (PetscInt q = 0; q < n; q++)
    if (ReadLater(names[q]) && strcmp(names[q], "options_left")) /* the others were reported before the run */
      PetscCall(PetscFPrintf(comm, PETSC_STDERR, "tripart: warning: option -%s%s%s was never read\n", names[q],
                             values[q] ? " " : "", values[q] ? values[q] : ""));
  PetscCall(PetscOptionsLeftRestore(NULL, &n, &names, &values));
  PetscFunctionReturn(0);
}

/*@C
  TpOptionsNameOfValue - "Option -N: " for the option whose value is the one a message of PETSc's options
  database quotes ("Input string 2x0 has no integer value"), which names no option

  Not Collective

  Input Parameter:
. mess - PETSc's message

  Output Parameter:
. named - "Option NAME: ", or "" when no option (or no item of a list) has that value

.seealso: `TpCatchEnd()`
@*/
void TpOptionsNameOfValue(const char *mess, char *named, size_t len)
{
  const char *keys[] = {"Input string ", "Unknown logical value: ", NULL};
  char value[256] = "", *all = NULL, *save = NULL, *w, *prev = NULL;
  size_t k = 0;

  for (int q = 0; keys[q] && !value[0]; q++) {
    const char *v = mess ? strstr(mess, keys[q]) : NULL;
    if (!v) continue;
    v += strlen(keys[q]);
    for (k = 0; v[k] && v[k] != ' ' && k < sizeof(value) - 1; k++) value[k] = v[k];
    value[k] = 0;
  }
  if (!value[0] || PetscOptionsGetAll(NULL, &all)) return;
  for (w = strtok_r(all, " ", &save); w; prev = w, w = strtok_r(NULL, " ", &save)) {
    char *hit = strstr(w, value); /* also one item of a list: -ts_adapt_clip 1,abc */
    if (!prev || prev[0] != '-' || !hit) continue;
    if ((hit != w && hit[-1] != ',') || (hit[strlen(value)] && hit[strlen(value)] != ',')) continue;
    snprintf(named, len, "Option %s: ", prev);
    break;
  }
  PetscFree(all);
}
