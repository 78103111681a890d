// Options of the CUDA implicit-GEMM kernels (conv.h, conv_transpose, gemm.h).
//
// Every CUDA conv pass and the CUDA GEMM run one implicit-GEMM core
// (kernels/cuda/igemm_core.cuh) in one of a small set of compiled
// instantiations; a runtime selection maps each problem to one of them. The
// contract launchers (same signatures as the CPU references) use the default
// options; the overloads that take IgemmOptions force a math mode, a tile or a
// split-K factor (tests, benchmarks, callers that need exact FP32 results).
#pragma once

#include <cstdint>

namespace gan::kernels::cuda {

// Float math of the tensor-core path. tf32: inputs rounded to TF32 (10
// mantissa bits, like torch.backends.cudnn.allow_tf32), products summed in
// FP32 by wmma m16n16k8; ~1e-3 relative error. fp32: exact FP32 FMA.
// double always runs the FP64 FMA path whatever the mode.
enum class MathMode { tf32, fp32 };

// The process-wide default math for float (true = tf32, the default, as in
// PyTorch's cudnn.allow_tf32). Thread-safe; read at every launch.
void set_allow_tf32(bool allow);
bool allow_tf32();

// Threadblock tile of the instantiation: automatic picks by the number of
// tiles against the SM count (132 on an H100), and the narrow tile when
// N <= 16; large = 128x128x32 (256 threads), small = 64x64x32 (128 threads;
// double: 64x64x16), narrow = 128x16x32 (128 threads; float only, double
// keeps its small tile) for GEMMs with few columns: a conv pass whose N is 3
// RGB channels or 1 grey one used 3 of the small tile's 64 columns.
enum class TileChoice { automatic, large, small, narrow };

struct IgemmOptions {
  MathMode math = MathMode::tf32;
  TileChoice tile = TileChoice::automatic;
  // Split-K factor: 0 = automatic (when the problem gives fewer tiles than
  // SMs), 1 = off, n > 1 = cut the reduction into n slices reduced in a fixed
  // order by a second kernel (deterministic; no atomics). Clamped to the
  // number of BK-wide k steps.
  int split_k = 0;
};

// The defaults the contract launchers use: math from allow_tf32().
IgemmOptions default_igemm_options();

// Activation of the fused conv epilogue.
enum class Activation { identity, relu, leaky_relu, tanh };

struct ConvEpilogue {
  Activation act = Activation::identity;
  double slope = 0.01;  // leaky_relu: x < 0 -> slope * x
};

// Which conv pass a name query is about.
enum class ConvPass { fprop, dgrad, wgrad };

}  // namespace gan::kernels::cuda
