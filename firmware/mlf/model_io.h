/*
 * The only contract between the generic MLF firmware (firmware/mlf) and the
 * code generated for one model (model_io.c, written by src/mlf/): the
 * model's tensors, in declaration order, and one call that runs it.
 */
#ifndef ALLHW_MODEL_IO_H
#define ALLHW_MODEL_IO_H

#include <stdint.h>

typedef enum { MODEL_INT8, MODEL_UINT8, MODEL_INT16, MODEL_INT32, MODEL_FLOAT32 } model_dtype_t;

typedef struct {
    const char *name;    /* the tensor's name in the MLF metadata */
    model_dtype_t dtype;
    uint32_t count;      /* number of elements, not bytes */
    void *data;          /* count elements of dtype, aligned 16 */
} model_tensor_t;

extern const model_tensor_t model_inputs[];
extern const uint32_t model_input_count;
extern const model_tensor_t model_outputs[];
extern const uint32_t model_output_count;
extern const char model_name[]; /* the MLF module name, e.g. "default" */

/* Run the model on model_inputs into model_outputs: 0 on success, else TVM's error code. */
int32_t model_run(void);

#endif
