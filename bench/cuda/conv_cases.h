// The convolution layers of DCGAN-64 and DCGAN-28 (models/dcgan.h), at batch
// 64 and 128, as benchmark cases.
//
// Every case carries the Conv2d it is expressed as for cuDNN: a Conv2d layer is
// itself; a ConvTranspose2d layer is the Conv2d whose dgrad is its fprop
// (conv_transpose2d_as_conv2d: its output is the conv's input). The layer's
// passes map onto that conv's passes:
//
//   layer pass     Conv2d layer        ConvTranspose2d layer
//   fprop          conv fprop          conv dgrad  (cudnnConvolutionBackwardData)
//   dgrad          conv dgrad          conv fprop  (cudnnConvolutionForward)
//   wgrad          conv wgrad          conv wgrad with x and dy swapped
//
// so the buffers are always the conv's: `in` [N, C, H, W], `out` [N, K, P, Q]
// and `w` [K, C/groups, R, S], and every pass costs the same
// 2*N*K*P*Q*(C/groups)*R*S FLOPs.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "gan/kernels/conv.h"

namespace gan::bench_cuda {

enum class Pass { fprop, dgrad, wgrad };
enum class ConvPass { fprop, dgrad, wgrad };  // of the equivalent Conv2d
const char* pass_name(Pass p);

struct ConvCase {
  std::string name;    // "dcgan64/G1_convT_100x1x1_to_512x4x4_k4s1p0/n64"
  bool transposed = false;
  kernels::Conv2dParams conv;            // the equivalent Conv2d (always valid)
  kernels::ConvTranspose2dParams convt;  // the layer itself when transposed

  ConvPass conv_pass(Pass layer_pass) const;
  int64_t in_count() const { return conv.n * conv.c_in * conv.h_in * conv.w_in; }
  int64_t out_count() const { return conv.n * conv.c_out * conv.h_out * conv.w_out; }
  int64_t w_count() const { return conv.c_out * (conv.c_in / conv.groups) * conv.kh * conv.kw; }
  double flops() const {  // one pass, any of the three
    return 2.0 * double(out_count()) * double((conv.c_in / conv.groups) * conv.kh * conv.kw);
  }
  // Element count of the buffer `pass` writes (out, in or w).
  int64_t result_count(Pass layer_pass) const;
};

// DCGAN-64 (features 64, 3 channels) and DCGAN-28 (features 32, 1 channel),
// each layer at batch 64 and 128: 2 * (10 + 6) cases.
const std::vector<ConvCase>& dcgan_conv_cases();

}  // namespace gan::bench_cuda
