/*
 * The platform hook of TVM's C runtime that this firmware implements
 * (firmware/mlf/runtime/backend.c), for projects whose MLF tarball has no
 * runtime/include.
 */
#ifndef ALLHW_TVM_CRT_PLATFORM_H
#define ALLHW_TVM_CRT_PLATFORM_H

#include "tvm/runtime/crt/error_codes.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Print "TVMPlatformAbort: code <code>" and end the program (exit code 4). */
void __attribute__((noreturn)) TVMPlatformAbort(tvm_crt_error_t code);

#ifdef __cplusplus
}
#endif

#endif
