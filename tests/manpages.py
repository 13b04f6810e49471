#!/usr/bin/python3
"""Every public function (declared in include/) has a PETSc-style manual page at its definition:
a comment opening with /*@ (synopsis, collectivity, parameters, notes) right above it.  Silent on
success; lists the functions without one.

    manpages.py SOURCE_DIR
"""
import glob
import os
import re
import sys

top = sys.argv[1]
declared = set()
for h in glob.glob(os.path.join(top, "include", "*.h")):
    text = open(h).read()
    text = re.sub(r"static inline[^{;]*\{.*?\n\}", "", text, flags=re.S)  # inline helpers document themselves
    for m in re.finditer(r"^(?:PETSC_EXTERN\s+)?(?:PetscErrorCode|int|PetscBool|PetscInt|hid_t|const char \*|void|double)\s+\**(Tp\w+)\s*\(",
                         text, re.M):
        declared.add(m.group(1))
missing = []
for name in sorted(declared):
    found = False
    for c in glob.glob(os.path.join(top, "src", "**", "*.c"), recursive=True):
        text = open(c).read()
        m = re.search(r"^(?:PETSC_EXTERN\s+)?(?:PetscErrorCode|int|PetscBool|PetscInt|hid_t|const char \*|void|double)\s+\**"
                      + name + r"\s*\([^;{]*?\)\s*\{", text, re.M)
        if not m:
            continue
        found = True
        before = text[: m.start()].rstrip()
        if not before.endswith("@*/") or "/*@" not in before[before.rfind("/*"):]:
            missing.append("%s (%s)" % (name, os.path.relpath(c, top)))
        break
    if not found:
        missing.append("%s (no definition found)" % name)
if missing:
    print("FAILED: %d public functions have no manual page at their definition:\n  %s" % (len(missing), "\n  ".join(missing)))
    sys.exit(1)
