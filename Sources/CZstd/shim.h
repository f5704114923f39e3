#ifndef LOGWATCH_CZSTD_SHIM_H
#define LOGWATCH_CZSTD_SHIM_H
#include <zstd.h>
#include <zstd_errors.h>
#endif
