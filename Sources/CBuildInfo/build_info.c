// The commit rides in a header that `make` writes (Scripts/stamp-commit.sh) and git ignores; a change of it
// recompiles only this file, so a new commit never rebuilds the rest of the package.
#include "CBuildInfo.h"
#if __has_include("commit.h")
#include "commit.h"
#endif
#ifndef HREXPORT_COMMIT
#define HREXPORT_COMMIT "unknown"
#endif

const char *hrexport_build_commit(void) { return HREXPORT_COMMIT; }
