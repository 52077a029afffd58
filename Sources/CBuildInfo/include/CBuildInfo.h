#ifndef HREXPORT_CBUILDINFO_H
#define HREXPORT_CBUILDINFO_H

/// The commit hrexport was built from (`3c6bd6c`), or "unknown" when built outside `make`.
const char *hrexport_build_commit(void);

#endif
