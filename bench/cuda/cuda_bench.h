// Shared pieces of gan_bench_cuda: device detection (the "skipped: no CUDA
// device" rule), error checks that throw, device buffers, CUDA-event timing,
// and the comparison of two device results.
//
// Timing: a benchmark iteration is `reps` back-to-back launches on one stream
// between two CUDA events; the iteration time handed to Google Benchmark
// (UseManualTime + SetIterationTime) is the event time divided by reps, so the
// Time column is the time of ONE launch, without host launch gaps between
// iterations and without the synchronizations.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace gan::bench_cuda {

inline constexpr const char* kNoDevice = "skipped: no CUDA device";

// True when cudaGetDeviceCount finds at least one device. The first call also
// records why not (driver missing, no device), for the context header.
bool device_available();
std::string device_description();  // "NVIDIA H100 80GB HBM3 (sm_90, 132 SMs)" or "none (<reason>)"

// Throwing checks: the message names the call and the library's error string.
void check_cuda(cudaError_t e, const char* what);
#define GAN_BENCH_CUDA(call) ::gan::bench_cuda::check_cuda((call), #call)

// A float buffer in device memory (cudaMalloc), freed on destruction.
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  explicit DeviceBuffer(int64_t count);
  ~DeviceBuffer();
  DeviceBuffer(DeviceBuffer&& o) noexcept;
  DeviceBuffer& operator=(DeviceBuffer&& o) noexcept;
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;

  float* data() const { return ptr_; }
  int64_t count() const { return count_; }
  void fill_uniform(uint32_t seed, float lo = -1.f, float hi = 1.f);  // host RNG, one copy up
  void fill_nan();                                                  // poison before a result is written
  std::vector<float> to_host() const;

 private:
  float* ptr_ = nullptr;
  int64_t count_ = 0;
};

// Raw device bytes (workspaces).
class DeviceBytes {
 public:
  DeviceBytes() = default;
  explicit DeviceBytes(size_t bytes);
  ~DeviceBytes();
  DeviceBytes(const DeviceBytes&) = delete;
  DeviceBytes& operator=(const DeviceBytes&) = delete;
  void resize(size_t bytes);  // discards the contents
  void* data() const { return ptr_; }
  size_t size() const { return bytes_; }

 private:
  void* ptr_ = nullptr;
  size_t bytes_ = 0;
};

// A stream and two events, owned.
class Timer {
 public:
  Timer();
  ~Timer();
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;
  cudaStream_t stream() const { return stream_; }
  // Seconds per launch of `launch` (which must enqueue on stream()), averaged
  // over `reps` back-to-back launches between two events.
  double seconds_per_launch(int reps, const std::function<void()>& launch);

 private:
  cudaStream_t stream_ = nullptr;
  cudaEvent_t start_ = nullptr, stop_ = nullptr;
};

// max |a - b| / max |ref| over the elements; NaN anywhere gives NaN (so a
// `!(err <= tol)` check fails on it). Sizes must match.
double max_rel_error(const std::vector<float>& a, const std::vector<float>& ref);

// Launches per timed iteration, and the accuracy bound of ours vs the library:
// TF32 (10-bit mantissa inputs) vs exact FP32 accumulation orders.
inline constexpr int kRepsPerIteration = 20;
// Google Benchmark's MinTime counts the manual (per-launch) time, so a
// benchmark really runs MinTime * kRepsPerIteration of launches (twice that for
// an "ours" entry, which times the library too). 0.01 s of per-launch time is
// 0.2 s of launches: thousands for a DCGAN layer. (MinTime(0.2) made each entry
// 4-8 s, and the 138 entries of the GPU check's filter ran past its 95 s.)
inline constexpr double kMinManualTime = 0.2 / kRepsPerIteration;
inline constexpr double kTf32Tolerance = 2e-2;
inline constexpr double kFp32Tolerance = 1e-4;

}  // namespace gan::bench_cuda
