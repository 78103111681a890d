// Spatial resampling, NCHW, PyTorch semantics: average pooling (the
// discriminator's downsampling) and nearest / bilinear upsampling (the
// generator's). Each forward has its backward beside it; backward outputs
// are overwritten, never accumulated into.
#pragma once

#include <cstdint>

#include "gan/kernels/common.h"

namespace gan::kernels {

// x [N, C, H_in, W_in] -> y [N, C, H_out, W_out],
// H_out = floor((H_in + 2*pad_h - kh) / stride_h) + 1 (floor mode, as ceil_mode=False).
// Window (oh, ow) covers rows [oh*stride_h - pad_h, +kh) clipped to the padded input;
// the divisor is the window area inside the padded input (count_include_pad)
// or the number of real input pixels in it (not count_include_pad).
struct Pool2dParams {
  int64_t n = 0, c = 0, h_in = 0, w_in = 0, kh = 0, kw = 0, stride_h = 0, stride_w = 0,
          pad_h = 0, pad_w = 0;
  bool count_include_pad = true;
  int64_t h_out = 0, w_out = 0;  // filled by avg_pool2d_infer
};

// Replaces stride 0 by the kernel size, fills h_out/w_out and validates
// (positive sizes, 0 <= pad <= kernel/2 as PyTorch requires, output >= 1x1).
// Throws KernelError "avg_pool2d: ...".
void avg_pool2d_infer(Pool2dParams& p);

// x [N, C, H_in, W_in] <-> y [N, C, H_out, W_out]; output sizes are given.
// nearest:  src = min(floor(dst * in / out), in - 1)
// bilinear: align_corners: src = dst * (in-1)/(out-1)  (0 when out == 1)
//           otherwise:     src = max((dst + 0.5) * in/out - 0.5, 0)
struct Upsample2dParams {
  int64_t n = 0, c = 0, h_in = 0, w_in = 0, h_out = 0, w_out = 0;
  bool align_corners = false;  // bilinear only
};

// Validates positive sizes; throws KernelError naming `kernel`. The upsample
// launchers call it; exposed so the engine can check before allocating.
void upsample2d_check(const Upsample2dParams& p, const char* kernel = "upsample2d");

namespace cpu {

// The launchers re-check p (avg_pool2d_infer on a copy must give the same h_out/w_out).
template <class T>
void avg_pool2d_fprop(const Pool2dParams& p, const T* x, T* y, Stream s = {});
template <class T>
void avg_pool2d_bprop(const Pool2dParams& p, const T* dy, T* dx, Stream s = {});
template <class T>
void upsample_nearest2d_fprop(const Upsample2dParams& p, const T* x, T* y, Stream s = {});
template <class T>
void upsample_nearest2d_bprop(const Upsample2dParams& p, const T* dy, T* dx, Stream s = {});
template <class T>
void upsample_bilinear2d_fprop(const Upsample2dParams& p, const T* x, T* y, Stream s = {});
template <class T>
void upsample_bilinear2d_bprop(const Upsample2dParams& p, const T* dy, T* dx, Stream s = {});

}  // namespace cpu
}  // namespace gan::kernels

// CUDA kernels (kernels/cuda/resample.cu): the same launchers on device
// pointers; same validation; backward passes are deterministic gathers.
namespace gan::kernels::cuda {

template <class T>
void avg_pool2d_fprop(const Pool2dParams& p, const T* x, T* y, Stream s = {});
template <class T>
void avg_pool2d_bprop(const Pool2dParams& p, const T* dy, T* dx, Stream s = {});
template <class T>
void upsample_nearest2d_fprop(const Upsample2dParams& p, const T* x, T* y, Stream s = {});
template <class T>
void upsample_nearest2d_bprop(const Upsample2dParams& p, const T* dy, T* dx, Stream s = {});
template <class T>
void upsample_bilinear2d_fprop(const Upsample2dParams& p, const T* x, T* y, Stream s = {});
template <class T>
void upsample_bilinear2d_bprop(const Upsample2dParams& p, const T* dy, T* dx, Stream s = {});

}  // namespace gan::kernels::cuda
