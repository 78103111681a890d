#include "cudnn_conv.h"

#include <algorithm>
#include <stdexcept>

namespace gan::bench_cuda {
namespace {

// Upper bound of the workspace offered to cudnnFind*Ex: algorithms needing
// more are not considered (DCGAN's largest im2col is ~200 MiB at batch 128).
constexpr size_t kMaxSearchWorkspace = size_t(1) << 30;

const char* fwd_name(int a) {
  switch (a) {
    case CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM: return "IMPLICIT_GEMM";
    case CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM: return "IMPLICIT_PRECOMP_GEMM";
    case CUDNN_CONVOLUTION_FWD_ALGO_GEMM: return "GEMM";
    case CUDNN_CONVOLUTION_FWD_ALGO_DIRECT: return "DIRECT";
    case CUDNN_CONVOLUTION_FWD_ALGO_FFT: return "FFT";
    case CUDNN_CONVOLUTION_FWD_ALGO_FFT_TILING: return "FFT_TILING";
    case CUDNN_CONVOLUTION_FWD_ALGO_WINOGRAD: return "WINOGRAD";
    case CUDNN_CONVOLUTION_FWD_ALGO_WINOGRAD_NONFUSED: return "WINOGRAD_NONFUSED";
  }
  return "?";
}
const char* bwd_data_name(int a) {
  switch (a) {
    case CUDNN_CONVOLUTION_BWD_DATA_ALGO_0: return "BWD_DATA_ALGO_0";
    case CUDNN_CONVOLUTION_BWD_DATA_ALGO_1: return "BWD_DATA_ALGO_1";
    case CUDNN_CONVOLUTION_BWD_DATA_ALGO_FFT: return "BWD_DATA_FFT";
    case CUDNN_CONVOLUTION_BWD_DATA_ALGO_FFT_TILING: return "BWD_DATA_FFT_TILING";
    case CUDNN_CONVOLUTION_BWD_DATA_ALGO_WINOGRAD: return "BWD_DATA_WINOGRAD";
    case CUDNN_CONVOLUTION_BWD_DATA_ALGO_WINOGRAD_NONFUSED: return "BWD_DATA_WINOGRAD_NONFUSED";
  }
  return "?";
}
const char* bwd_filter_name(int a) {
  switch (a) {
    case CUDNN_CONVOLUTION_BWD_FILTER_ALGO_0: return "BWD_FILTER_ALGO_0";
    case CUDNN_CONVOLUTION_BWD_FILTER_ALGO_1: return "BWD_FILTER_ALGO_1";
    case CUDNN_CONVOLUTION_BWD_FILTER_ALGO_FFT: return "BWD_FILTER_FFT";
    case CUDNN_CONVOLUTION_BWD_FILTER_ALGO_3: return "BWD_FILTER_ALGO_3";
    case CUDNN_CONVOLUTION_BWD_FILTER_ALGO_WINOGRAD_NONFUSED: return "BWD_FILTER_WINOGRAD_NONFUSED";
    case CUDNN_CONVOLUTION_BWD_FILTER_ALGO_FFT_TILING: return "BWD_FILTER_FFT_TILING";
  }
  return "?";
}

int i32(int64_t v) { return static_cast<int>(v); }

// Picks the fastest successful result of a cudnnFind*Ex call (they come sorted
// by time), remembers its math type on the descriptor, and names it.
template <class Perf, class NameFn>
const Perf& fastest(const Perf* perf, int returned, const char* pass, NameFn name) {
  for (int i = 0; i < returned; ++i)
    if (perf[i].status == CUDNN_STATUS_SUCCESS) return perf[i];
  std::string tried;
  for (int i = 0; i < returned; ++i)
    tried += std::string(i ? ", " : "") + name(int(perf[i].algo)) + "=" + cudnnGetErrorString(perf[i].status);
  throw std::runtime_error(std::string("cuDNN ") + pass + ": no algorithm succeeded (" + tried + ")");
}

}  // namespace

void check_cudnn(cudnnStatus_t s, const char* what) {
  if (s != CUDNN_STATUS_SUCCESS) throw std::runtime_error(std::string(what) + ": " + cudnnGetErrorString(s));
}

cudnnHandle_t cudnn_handle() {
  static cudnnHandle_t h = [] {
    cudnnHandle_t r = nullptr;
    GAN_BENCH_CUDNN(cudnnCreate(&r));
    return r;
  }();
  return h;
}

CudnnConv::CudnnConv(cudnnHandle_t handle, cudaStream_t stream, const ConvCase& c, ConvPass pass, bool tf32,
                     const float* in, const float* out, const float* w, float* result)
    : handle_(handle), pass_(pass), in_(in), out_(out), w_(w), result_(result) {
  GAN_BENCH_CUDNN(cudnnSetStream(handle_, stream));
  const auto& p = c.conv;
  GAN_BENCH_CUDNN(cudnnCreateTensorDescriptor(&in_desc_));
  GAN_BENCH_CUDNN(cudnnCreateTensorDescriptor(&out_desc_));
  GAN_BENCH_CUDNN(cudnnCreateFilterDescriptor(&w_desc_));
  GAN_BENCH_CUDNN(cudnnCreateConvolutionDescriptor(&conv_desc_));
  GAN_BENCH_CUDNN(cudnnSetTensor4dDescriptor(in_desc_, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, i32(p.n), i32(p.c_in),
                                             i32(p.h_in), i32(p.w_in)));
  GAN_BENCH_CUDNN(cudnnSetFilter4dDescriptor(w_desc_, CUDNN_DATA_FLOAT, CUDNN_TENSOR_NCHW, i32(p.c_out),
                                             i32(p.c_in / p.groups), i32(p.kh), i32(p.kw)));
  GAN_BENCH_CUDNN(cudnnSetConvolution2dDescriptor(conv_desc_, i32(p.pad_h), i32(p.pad_w), i32(p.stride_h),
                                                  i32(p.stride_w), i32(p.dil_h), i32(p.dil_w),
                                                  CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT));
  GAN_BENCH_CUDNN(cudnnSetConvolutionGroupCount(conv_desc_, i32(p.groups)));
  GAN_BENCH_CUDNN(cudnnSetConvolutionMathType(conv_desc_, tf32 ? CUDNN_TENSOR_OP_MATH : CUDNN_FMA_MATH));
  int dims[4] = {};
  GAN_BENCH_CUDNN(cudnnGetConvolution2dForwardOutputDim(conv_desc_, in_desc_, w_desc_, &dims[0], &dims[1],
                                                        &dims[2], &dims[3]));
  if (dims[0] != p.n || dims[1] != p.c_out || dims[2] != p.h_out || dims[3] != p.w_out)
    throw std::runtime_error(c.name + ": cuDNN's output shape differs from conv2d_infer's");
  GAN_BENCH_CUDNN(cudnnSetTensor4dDescriptor(out_desc_, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, dims[0], dims[1],
                                             dims[2], dims[3]));

  // The search workspace: the largest any algorithm of this pass asks for, capped.
  size_t search = 0;
  const auto grow = [&](cudnnStatus_t s, size_t bytes) {
    if (s == CUDNN_STATUS_SUCCESS && bytes <= kMaxSearchWorkspace) search = std::max(search, bytes);
  };
  switch (pass_) {
    case ConvPass::fprop: {
      for (int a = 0; a < CUDNN_CONVOLUTION_FWD_ALGO_COUNT; ++a) {
        size_t b = 0;
        grow(cudnnGetConvolutionForwardWorkspaceSize(handle_, in_desc_, w_desc_, conv_desc_, out_desc_,
                                                     cudnnConvolutionFwdAlgo_t(a), &b), b);
      }
      workspace_.resize(search);
      cudnnConvolutionFwdAlgoPerf_t perf[CUDNN_CONVOLUTION_FWD_ALGO_COUNT];
      int returned = 0;
      GAN_BENCH_CUDNN(cudnnFindConvolutionForwardAlgorithmEx(
          handle_, in_desc_, in_, w_desc_, w_, conv_desc_, out_desc_, result_, CUDNN_CONVOLUTION_FWD_ALGO_COUNT,
          &returned, perf, workspace_.data(), workspace_.size()));
      const auto& best = fastest(perf, returned, "forward", fwd_name);
      algo_ = int(best.algo);
      algo_name_ = fwd_name(algo_);
      GAN_BENCH_CUDNN(cudnnSetConvolutionMathType(conv_desc_, best.mathType));
      workspace_.resize(best.memory);
      algo_name_ += best.mathType == CUDNN_TENSOR_OP_MATH ? " (tensor op)" : " (fma)";
      break;
    }
    case ConvPass::dgrad: {
      for (int a = 0; a < CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT; ++a) {
        size_t b = 0;
        grow(cudnnGetConvolutionBackwardDataWorkspaceSize(handle_, w_desc_, out_desc_, conv_desc_, in_desc_,
                                                          cudnnConvolutionBwdDataAlgo_t(a), &b), b);
      }
      workspace_.resize(search);
      cudnnConvolutionBwdDataAlgoPerf_t perf[CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT];
      int returned = 0;
      GAN_BENCH_CUDNN(cudnnFindConvolutionBackwardDataAlgorithmEx(
          handle_, w_desc_, w_, out_desc_, out_, conv_desc_, in_desc_, result_,
          CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT, &returned, perf, workspace_.data(), workspace_.size()));
      const auto& best = fastest(perf, returned, "backward data", bwd_data_name);
      algo_ = int(best.algo);
      algo_name_ = bwd_data_name(algo_);
      GAN_BENCH_CUDNN(cudnnSetConvolutionMathType(conv_desc_, best.mathType));
      workspace_.resize(best.memory);
      algo_name_ += best.mathType == CUDNN_TENSOR_OP_MATH ? " (tensor op)" : " (fma)";
      break;
    }
    case ConvPass::wgrad: {
      for (int a = 0; a < CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT; ++a) {
        size_t b = 0;
        grow(cudnnGetConvolutionBackwardFilterWorkspaceSize(handle_, in_desc_, out_desc_, conv_desc_, w_desc_,
                                                            cudnnConvolutionBwdFilterAlgo_t(a), &b), b);
      }
      workspace_.resize(search);
      cudnnConvolutionBwdFilterAlgoPerf_t perf[CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT];
      int returned = 0;
      GAN_BENCH_CUDNN(cudnnFindConvolutionBackwardFilterAlgorithmEx(
          handle_, in_desc_, in_, out_desc_, out_, conv_desc_, w_desc_, result_,
          CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT, &returned, perf, workspace_.data(), workspace_.size()));
      const auto& best = fastest(perf, returned, "backward filter", bwd_filter_name);
      algo_ = int(best.algo);
      algo_name_ = bwd_filter_name(algo_);
      GAN_BENCH_CUDNN(cudnnSetConvolutionMathType(conv_desc_, best.mathType));
      workspace_.resize(best.memory);
      algo_name_ += best.mathType == CUDNN_TENSOR_OP_MATH ? " (tensor op)" : " (fma)";
      break;
    }
  }
}

CudnnConv::~CudnnConv() {
  if (conv_desc_) cudnnDestroyConvolutionDescriptor(conv_desc_);
  if (w_desc_) cudnnDestroyFilterDescriptor(w_desc_);
  if (out_desc_) cudnnDestroyTensorDescriptor(out_desc_);
  if (in_desc_) cudnnDestroyTensorDescriptor(in_desc_);
}

void CudnnConv::run(cudaStream_t stream) {
  GAN_BENCH_CUDNN(cudnnSetStream(handle_, stream));
  const float one = 1.f, zero = 0.f;  // result = 1 * conv + 0 * result (overwrite)
  switch (pass_) {
    case ConvPass::fprop:
      GAN_BENCH_CUDNN(cudnnConvolutionForward(handle_, &one, in_desc_, in_, w_desc_, w_, conv_desc_,
                                              cudnnConvolutionFwdAlgo_t(algo_), workspace_.data(),
                                              workspace_.size(), &zero, out_desc_, result_));
      break;
    case ConvPass::dgrad:
      GAN_BENCH_CUDNN(cudnnConvolutionBackwardData(handle_, &one, w_desc_, w_, out_desc_, out_, conv_desc_,
                                                   cudnnConvolutionBwdDataAlgo_t(algo_), workspace_.data(),
                                                   workspace_.size(), &zero, in_desc_, result_));
      break;
    case ConvPass::wgrad:
      GAN_BENCH_CUDNN(cudnnConvolutionBackwardFilter(handle_, &one, in_desc_, in_, out_desc_, out_, conv_desc_,
                                                     cudnnConvolutionBwdFilterAlgo_t(algo_), workspace_.data(),
                                                     workspace_.size(), &zero, w_desc_, result_));
      break;
  }
}

}  // namespace gan::bench_cuda
