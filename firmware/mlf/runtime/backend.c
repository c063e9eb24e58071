/*
 * The project's own TVM backend runtime: what AOT code generated with
 * --runtime=crt --executor=aot calls, written from the facts of TVM's C API
 * (no TVM source copied). The workspace is a LIFO stack over one static
 * arena of ALLHW_WORKSPACE_BYTES (the MLF metadata's workspace size): AOT
 * code frees its scratch buffers in reverse order of allocation, and the
 * size TVM plans is the peak of the live blocks, each rounded up to 16 bytes
 * (letscope.tar: 16 + 512 + 512 + 2048 = 3088), so blocks carry no header.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "board.h"
#include "text_out.h"
#include "tvm/runtime/c_backend_api.h"
#include "tvm/runtime/c_runtime_api.h"
#include "tvm/runtime/crt/error_codes.h"
#include "tvm/runtime/crt/platform.h"

#ifndef ALLHW_WORKSPACE_BYTES
#error "ALLHW_WORKSPACE_BYTES (the model's workspace size in bytes) must be defined"
#endif

/* Most blocks live at once (nested allocations); AOT code holds a few. */
#ifndef ALLHW_WORKSPACE_MAX_BLOCKS
#define ALLHW_WORKSPACE_MAX_BLOCKS 64
#endif

#define WORKSPACE_ALIGN 16u

/* A zero-byte arena is not valid C: keep one aligned unit, never handed out.
 * Its symbol, allhw_workspace, is the workspace in the ELF's memory report. */
static uint8_t allhw_workspace[ALLHW_WORKSPACE_BYTES > 0 ? ALLHW_WORKSPACE_BYTES : WORKSPACE_ALIGN]
    __attribute__((aligned(WORKSPACE_ALIGN)));
static size_t arena_top;
static size_t block_start[ALLHW_WORKSPACE_MAX_BLOCKS];
static size_t block_count;

static const char *last_error = "";

void TVMAPISetLastError(const char *msg)
{
    last_error = msg != NULL ? msg : "";
}

const char *TVMGetLastError(void)
{
    return last_error;
}

void *TVMBackendAllocWorkspace(int device_type, int device_id, uint64_t nbytes,
                               int dtype_code_hint, int dtype_bits_hint)
{
    (void)device_type;
    (void)device_id;
    (void)dtype_code_hint;
    (void)dtype_bits_hint;
    uint64_t free_bytes = (uint64_t)ALLHW_WORKSPACE_BYTES - arena_top;
    uint64_t rounded = (nbytes + (WORKSPACE_ALIGN - 1u)) & ~(uint64_t)(WORKSPACE_ALIGN - 1u);
    if (rounded < nbytes || rounded > free_bytes) {
        TVMAPISetLastError("workspace exhausted (ALLHW_WORKSPACE_BYTES too small for the model)");
        return NULL;
    }
    if (block_count == ALLHW_WORKSPACE_MAX_BLOCKS) {
        TVMAPISetLastError("too many workspace blocks live at once (ALLHW_WORKSPACE_MAX_BLOCKS)");
        return NULL;
    }
    block_start[block_count++] = arena_top;
    void *block = &allhw_workspace[arena_top];
    arena_top += (size_t)rounded;
    return block;
}

int TVMBackendFreeWorkspace(int device_type, int device_id, void *ptr)
{
    (void)device_type;
    (void)device_id;
    if (block_count == 0 || ptr != (void *)&allhw_workspace[block_start[block_count - 1]]) {
        TVMAPISetLastError("workspace freed out of order (not the last block allocated)");
        return kTvmErrorPlatformStackAllocBadFree;
    }
    arena_top = block_start[--block_count];
    return 0;
}

void TVMPlatformAbort(tvm_crt_error_t code)
{
    char line[48];
    size_t n = put_str(line, "TVMPlatformAbort: code ");
    n += put_i32(line + n, (int32_t)code);
    line[n++] = '\n';
    board_write(line, n);
    board_exit(4);
}
