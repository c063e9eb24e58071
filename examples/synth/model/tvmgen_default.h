/*
 * Entry point of the "synth" model, shaped like the C interface microTVM's
 * AOT executor generates (tvmgen_default.h):
 *   input  "input":  int8  [1, 28, 28, 1]  (NHWC)
 *   output "output": int32 [1, 10]
 */
#ifndef TVMGEN_DEFAULT_H_
#define TVMGEN_DEFAULT_H_

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Sizes in bytes, as microTVM defines them. */
#define TVMGEN_DEFAULT_INPUT_SIZE 784
#define TVMGEN_DEFAULT_OUTPUT_SIZE 40

/*!
 * \brief Input tensor pointers for TVM module "default"
 */
struct tvmgen_default_inputs {
    void* input;
};

/*!
 * \brief Output tensor pointers for TVM module "default"
 */
struct tvmgen_default_outputs {
    void* output;
};

/*!
 * \brief entrypoint function for TVM module "default"
 * \param inputs Input tensors for the module (int8_t[784], not modified)
 * \param outputs Output tensors for the module (int32_t[10])
 * \return 0 on success
 */
int32_t tvmgen_default_run(struct tvmgen_default_inputs* inputs,
                           struct tvmgen_default_outputs* outputs);

#ifdef __cplusplus
}
#endif

#endif /* TVMGEN_DEFAULT_H_ */
