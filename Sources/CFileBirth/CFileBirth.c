#define _GNU_SOURCE
#include "CFileBirth.h"
#include <fcntl.h>
#include <sys/stat.h>

int logwatch_birth_time(const char *path, int64_t *nanoseconds) {
#ifdef STATX_BTIME
    struct statx sx;
    if (statx(AT_FDCWD, path, 0, STATX_BTIME, &sx) != 0) return -1;
    if (!(sx.stx_mask & STATX_BTIME)) return -1;
    *nanoseconds = (int64_t)sx.stx_btime.tv_sec * 1000000000 + sx.stx_btime.tv_nsec;
    return 0;
#else
    (void)path;
    (void)nanoseconds;
    return -1;
#endif
}
