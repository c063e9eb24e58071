/*
 * The synth model: integer arithmetic only, so the host build and every
 * target give bit-identical outputs.
 */
#include "tvmgen_default.h"

#include <stddef.h>

#include "weights.h"

/* Pooled activations, flattened HWC: the dense layer's input. */
static uint8_t pooled[SYNTH_DENSE_IN];

/* conv + bias + relu + requantize for one output pixel of one channel */
static int32_t conv_pixel(const int8_t *in, int y, int x, int c)
{
    int32_t acc = synth_conv_bias[c];
    for (int ky = 0; ky < SYNTH_CONV_K; ky++) {
        const int8_t *row = in + (y + ky) * SYNTH_IN_W + x;
        for (int kx = 0; kx < SYNTH_CONV_K; kx++) {
            acc += (int32_t)row[kx] * (int32_t)synth_conv_weight[c][ky][kx];
        }
    }
    if (acc <= 0) {
        return 0;
    }
    /* |acc| <= 9*128*128 + |bias| and mult < 2^12 keep this within int32 */
    int32_t q = (acc * synth_conv_mult[c] + (1 << (SYNTH_REQUANT_SHIFT - 1))) >> SYNTH_REQUANT_SHIFT;
    return q > 127 ? 127 : q;
}

int32_t tvmgen_default_run(struct tvmgen_default_inputs* inputs,
                           struct tvmgen_default_outputs* outputs)
{
    if (inputs == NULL || outputs == NULL || inputs->input == NULL || outputs->output == NULL) {
        return -1;
    }
    const int8_t *in = (const int8_t *)inputs->input;
    int32_t *out = (int32_t *)outputs->output;

    /* conv 3x3 + relu + requantize, fused with maxpool 2x2/2 */
    size_t k = 0;
    for (int py = 0; py < SYNTH_POOL_H; py++) {
        for (int px = 0; px < SYNTH_POOL_W; px++) {
            for (int c = 0; c < SYNTH_CONV_CH; c++) {
                int32_t m = 0;
                for (int dy = 0; dy < 2; dy++) {
                    for (int dx = 0; dx < 2; dx++) {
                        int32_t v = conv_pixel(in, 2 * py + dy, 2 * px + dx, c);
                        if (v > m) {
                            m = v;
                        }
                    }
                }
                pooled[k++] = (uint8_t)m;
            }
        }
    }

    /* dense: |acc| <= 1352 * 127 * 128 + |bias| fits int32 */
    for (int o = 0; o < SYNTH_CLASSES; o++) {
        int32_t acc = synth_dense_bias[o];
        const int8_t *w = synth_dense_weight[o];
        for (size_t i = 0; i < SYNTH_DENSE_IN; i++) {
            acc += (int32_t)pooled[i] * (int32_t)w[i];
        }
        out[o] = acc;
    }
    return 0;
}
