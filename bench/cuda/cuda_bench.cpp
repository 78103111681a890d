#include "cuda_bench.h"

#include <cmath>
#include <random>
#include <utility>

namespace gan::bench_cuda {
namespace {

struct Probe {
  bool available = false;
  std::string description;
};

const Probe& probe() {
  static const Probe p = [] {
    Probe r;
    int count = 0;
    const cudaError_t e = cudaGetDeviceCount(&count);
    if (e != cudaSuccess || count == 0) {
      (void)cudaGetLastError();  // clear the sticky error of a missing driver
      r.description = std::string("none (cudaGetDeviceCount: ") +
                      (e != cudaSuccess ? cudaGetErrorString(e) : "0 devices") + ")";
      return r;
    }
    cudaDeviceProp prop{};
    if (cudaGetDeviceProperties(&prop, 0) != cudaSuccess) {
      r.description = "none (cudaGetDeviceProperties failed)";
      return r;
    }
    r.available = true;
    r.description = std::string(prop.name) + " (sm_" + std::to_string(prop.major) +
                    std::to_string(prop.minor) + ", " + std::to_string(prop.multiProcessorCount) +
                    " SMs, " + std::to_string(prop.totalGlobalMem >> 20) + " MiB)";
    return r;
  }();
  return p;
}

}  // namespace

bool device_available() { return probe().available; }
std::string device_description() { return probe().description; }

void check_cuda(cudaError_t e, const char* what) {
  if (e != cudaSuccess) throw std::runtime_error(std::string(what) + ": " + cudaGetErrorString(e));
}

DeviceBuffer::DeviceBuffer(int64_t count) : count_(count) {
  GAN_BENCH_CUDA(cudaMalloc(reinterpret_cast<void**>(&ptr_), static_cast<size_t>(count) * sizeof(float)));
}
DeviceBuffer::~DeviceBuffer() {
  if (ptr_) cudaFree(ptr_);
}
DeviceBuffer::DeviceBuffer(DeviceBuffer&& o) noexcept
    : ptr_(std::exchange(o.ptr_, nullptr)), count_(std::exchange(o.count_, 0)) {}
DeviceBuffer& DeviceBuffer::operator=(DeviceBuffer&& o) noexcept {
  std::swap(ptr_, o.ptr_);
  std::swap(count_, o.count_);
  return *this;
}

void DeviceBuffer::fill_uniform(uint32_t seed, float lo, float hi) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(lo, hi);
  std::vector<float> h(static_cast<size_t>(count_));
  for (auto& v : h) v = u(rng);
  GAN_BENCH_CUDA(cudaMemcpy(ptr_, h.data(), h.size() * sizeof(float), cudaMemcpyHostToDevice));
  GAN_BENCH_CUDA(cudaDeviceSynchronize());  // as fill_nan: ordered before the non-blocking stream's work
}

void DeviceBuffer::fill_nan() {
  GAN_BENCH_CUDA(cudaMemset(ptr_, 0xff, static_cast<size_t>(count_) * sizeof(float)));  // 0xffffffff is a NaN
  // cudaMemset runs on the legacy default stream, which the benchmark's
  // non-blocking stream does not wait for: finish it before any kernel writes.
  GAN_BENCH_CUDA(cudaDeviceSynchronize());
}

std::vector<float> DeviceBuffer::to_host() const {
  std::vector<float> h(static_cast<size_t>(count_));
  GAN_BENCH_CUDA(cudaDeviceSynchronize());
  GAN_BENCH_CUDA(cudaMemcpy(h.data(), ptr_, h.size() * sizeof(float), cudaMemcpyDeviceToHost));
  return h;
}

DeviceBytes::DeviceBytes(size_t bytes) { resize(bytes); }
DeviceBytes::~DeviceBytes() {
  if (ptr_) cudaFree(ptr_);
}
void DeviceBytes::resize(size_t bytes) {
  if (ptr_) GAN_BENCH_CUDA(cudaFree(ptr_));
  ptr_ = nullptr;
  bytes_ = bytes;
  if (bytes > 0) GAN_BENCH_CUDA(cudaMalloc(&ptr_, bytes));
}

Timer::Timer() {
  GAN_BENCH_CUDA(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking));
  GAN_BENCH_CUDA(cudaEventCreate(&start_));
  GAN_BENCH_CUDA(cudaEventCreate(&stop_));
}
Timer::~Timer() {
  if (start_) cudaEventDestroy(start_);
  if (stop_) cudaEventDestroy(stop_);
  if (stream_) cudaStreamDestroy(stream_);
}

double Timer::seconds_per_launch(int reps, const std::function<void()>& launch) {
  GAN_BENCH_CUDA(cudaEventRecord(start_, stream_));
  for (int i = 0; i < reps; ++i) launch();
  GAN_BENCH_CUDA(cudaEventRecord(stop_, stream_));
  GAN_BENCH_CUDA(cudaEventSynchronize(stop_));
  GAN_BENCH_CUDA(cudaGetLastError());  // a failed launch inside `launch`
  float ms = 0;
  GAN_BENCH_CUDA(cudaEventElapsedTime(&ms, start_, stop_));
  return 1e-3 * static_cast<double>(ms) / reps;
}

double max_rel_error(const std::vector<float>& a, const std::vector<float>& ref) {
  if (a.size() != ref.size()) throw std::runtime_error("max_rel_error: sizes differ");
  double err = 0, scale = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    const double d = std::fabs(double(a[i]) - double(ref[i]));
    if (std::isnan(d)) return NAN;
    err = std::max(err, d);
    scale = std::max(scale, std::fabs(double(ref[i])));
  }
  return scale > 0 ? err / scale : err;
}

}  // namespace gan::bench_cuda
