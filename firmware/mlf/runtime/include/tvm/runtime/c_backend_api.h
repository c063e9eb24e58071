/*
 * The backend calls of TVM's C API that microTVM-generated AOT code makes,
 * for projects whose MLF tarball has no runtime/include. Implemented in
 * firmware/mlf/runtime/backend.c.
 */
#ifndef ALLHW_TVM_C_BACKEND_API_H
#define ALLHW_TVM_C_BACKEND_API_H

#include <stdint.h>

#include "tvm/runtime/c_runtime_api.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The signature of a packed-API operator function. */
typedef int (*TVMBackendPackedCFunc)(TVMValue *args, int *type_codes, int num_args,
                                     TVMValue *out_ret_value, int *out_ret_tcode,
                                     void *resource_handle);

/*
 * Scratch memory for one operator, freed in reverse order of allocation.
 * Returns NULL (and sets the last error) when the workspace is exhausted.
 */
TVM_DLL void *TVMBackendAllocWorkspace(int device_type, int device_id, uint64_t nbytes,
                                       int dtype_code_hint, int dtype_bits_hint);
/* 0 on success; nonzero when ptr is not the most recent allocation still live. */
TVM_DLL int TVMBackendFreeWorkspace(int device_type, int device_id, void *ptr);

#ifdef __cplusplus
}
#endif

#endif
