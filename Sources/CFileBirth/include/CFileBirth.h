#ifndef LOGWATCH_CFILEBIRTH_H
#define LOGWATCH_CFILEBIRTH_H
#include <stdint.h>

/// When the file at `path` was created (wall clock, nanoseconds since the epoch), from
/// statx(2). Unlike the status change time, renaming a file does not change it.
/// Returns 0 and sets *nanoseconds, or -1 when the file system or the kernel does not say.
int logwatch_birth_time(const char *path, int64_t *nanoseconds);

#endif
