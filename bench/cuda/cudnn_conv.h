// cuDNN as the baseline of one ConvCase pass: descriptors for the case's
// equivalent Conv2d (NCHW float, cross-correlation, groups), the fastest
// algorithm that cudnnFind*AlgorithmEx measures on the real buffers, and a
// workspace sized for that algorithm.
//
// Math: tf32 = CUDNN_TENSOR_OP_MATH (tensor cores, which for float data on
// sm_80+ means TF32 inputs with FP32 accumulation; cuDNN does not down-convert
// float to half under this mode, unlike ..._ALLOW_CONVERSION, which would
// compare a half-precision baseline with our TF32), fp32 = CUDNN_FMA_MATH (no
// tensor cores: exact FP32 FMA kernels only). NVIDIA_TF32_OVERRIDE=0 in the
// environment would silently turn TF32 off; main() reports it in the context.
#pragma once

#include <cudnn.h>

#include <string>

#include "conv_cases.h"
#include "cuda_bench.h"

namespace gan::bench_cuda {

void check_cudnn(cudnnStatus_t s, const char* what);
#define GAN_BENCH_CUDNN(call) ::gan::bench_cuda::check_cudnn((call), #call)

class CudnnConv {
 public:
  // Finds the algorithm for conv pass `pass` of c.conv on these buffers
  // (in/out/w are read or written per pass as in conv_cases.h; `result` is the
  // pass's output, of c.result_count elements), measuring on `stream` (the
  // shared handle is pointed at it: a previous benchmark's stream may be gone).
  // Throws on any cuDNN error.
  CudnnConv(cudnnHandle_t handle, cudaStream_t stream, const ConvCase& c, ConvPass pass, bool tf32,
            const float* in, const float* out, const float* w, float* result);
  ~CudnnConv();
  CudnnConv(const CudnnConv&) = delete;
  CudnnConv& operator=(const CudnnConv&) = delete;

  void run(cudaStream_t stream);        // one launch of the chosen algorithm into `result`
  const std::string& algo_name() const { return algo_name_; }  // "IMPLICIT_PRECOMP_GEMM (tensor op)"
  int algo() const { return algo_; }
  size_t workspace_bytes() const { return workspace_.size(); }

 private:
  cudnnHandle_t handle_;
  ConvPass pass_;
  const float *in_, *out_, *w_;
  float* result_;
  cudnnTensorDescriptor_t in_desc_ = nullptr, out_desc_ = nullptr;
  cudnnFilterDescriptor_t w_desc_ = nullptr;
  cudnnConvolutionDescriptor_t conv_desc_ = nullptr;
  int algo_ = -1;
  std::string algo_name_;
  DeviceBytes workspace_;
};

// One cuDNN handle per process (creating one costs ~100 ms).
cudnnHandle_t cudnn_handle();

}  // namespace gan::bench_cuda
