#ifndef LOGWATCH_CZLIB_SHIM_H
#define LOGWATCH_CZLIB_SHIM_H
#include <zlib.h>

/// inflateInit2 is a macro in zlib.h; Swift cannot call macros.
static inline int logwatch_inflateInit2(z_streamp strm, int windowBits) {
    return inflateInit2(strm, windowBits);
}
#endif
