// Compiled only when kernels/ has our CUDA conv launchers (see CMakeLists.txt).
#include "gan/kernels/conv.h"
#include "ours.h"

namespace gan::bench_cuda {

void ours_conv(const ConvCase& c, Pass layer_pass, bool tf32, const float* in, const float* out,
               const float* w, float* result, cudaStream_t stream) {
  namespace k = gan::kernels::cuda;
  k::set_allow_tf32(tf32);
  const kernels::Stream s{stream};
  if (!c.transposed) {
    switch (layer_pass) {
      case Pass::fprop: k::conv2d_fprop<float>(c.conv, in, w, nullptr, result, s); break;
      case Pass::dgrad: k::conv2d_dgrad<float>(c.conv, out, w, result, s); break;
      case Pass::wgrad: k::conv2d_wgrad<float>(c.conv, in, out, result, s); break;
    }
    return;
  }
  // The transposed layer's x is the conv's `out`, its y the conv's `in`.
  switch (layer_pass) {
    case Pass::fprop: k::conv_transpose2d_fprop<float>(c.convt, out, w, nullptr, result, s); break;
    case Pass::dgrad: k::conv_transpose2d_dgrad<float>(c.convt, in, w, result, s); break;
    case Pass::wgrad: k::conv_transpose2d_wgrad<float>(c.convt, out, in, result, s); break;
  }
}

}  // namespace gan::bench_cuda
