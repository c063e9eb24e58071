/*
 * The part of TVM's C runtime API that microTVM-generated AOT code (both the
 * unpacked and the packed calling convention) refers to, for projects whose
 * MLF tarball has no runtime/include. Written from TVM's documented C API;
 * the type codes are part of its ABI.
 */
#ifndef ALLHW_TVM_C_RUNTIME_API_H
#define ALLHW_TVM_C_RUNTIME_API_H

#include <stddef.h>
#include <stdint.h>

#include "dlpack/dlpack.h"

#ifndef TVM_DLL
#define TVM_DLL
#endif
#define TVM_WEAK __attribute__((weak))
#define TVM_ATTRIBUTE_UNUSED __attribute__((unused))

#ifdef __cplusplus
extern "C" {
#endif

typedef int64_t tvm_index_t;

typedef enum {
    kTVMArgInt = kDLInt,
    kTVMArgFloat = kDLFloat,
    kTVMOpaqueHandle = 3U,
    kTVMNullptr = 4U,
    kTVMDataType = 5U,
    kDLDevice = 6U,
    kTVMDLTensorHandle = 7U,
    kTVMObjectHandle = 8U,
    kTVMModuleHandle = 9U,
    kTVMPackedFuncHandle = 10U,
    kTVMStr = 11U,
    kTVMBytes = 12U,
    kTVMNDArrayHandle = 13U,
    kTVMObjectRValueRefArg = 14U,
    kTVMExtBegin = 15U,
    kTVMExtEnd = 128U,
} TVMArgTypeCode;

typedef DLTensor *TVMArrayHandle;

typedef union {
    int64_t v_int64;
    double v_float64;
    void *v_handle;
    const char *v_str;
    DLDataType v_type;
    DLDevice v_device;
} TVMValue;

typedef struct {
    const char *data;
    size_t size;
} TVMByteArray;

typedef void *TVMModuleHandle;
typedef void *TVMFunctionHandle;
typedef void *TVMRetValueHandle;
typedef void *TVMStreamHandle;
typedef void *TVMObjectHandle;

/* Record why the last call failed (firmware/mlf/runtime/backend.c keeps the pointer). */
TVM_DLL void TVMAPISetLastError(const char *msg);
/* The message of the last TVMAPISetLastError, or "" when there was none. */
TVM_DLL const char *TVMGetLastError(void);

#ifdef __cplusplus
}
#endif

#endif
