// Host side of the deferred index check (gan/kernels/index_fault.h,
// index_fault.cuh): the per-device claim word and host-mapped report, and
// raise_index_fault().
#include <gan/kernels/portable.h>

#include <array>
#include <mutex>
#include <string>

#include "cuda_common.cuh"
#include "gan/kernels/index_fault.h"
#include "index_fault.cuh"

namespace gan::kernels::cuda {
namespace detail {
namespace {

constexpr int kMaxDevices = 16;
constexpr const char* kNames[] = {"embedding_fprop", "embedding_bprop", "cross_entropy_fprop", "cross_entropy_bprop"};

struct DeviceSink {
  unsigned* claim = nullptr;           // device memory
  IndexFaultReport* report = nullptr;  // host memory (mapped under nvcc)
  IndexFaultReport* report_dev = nullptr;  // the report as the device addresses it
};

std::mutex g_mutex;
std::array<DeviceSink, kMaxDevices> g_sinks;

#if !defined(__CUDACC__)
unsigned g_sim_claim = 0;          // the emulator: plain host memory
IndexFaultReport g_sim_report{};
#endif

int current_device(const char* name) {
#if defined(__CUDACC__)
  int dev = 0;
  const cudaError_t e = cudaGetDevice(&dev);
  if (e != cudaSuccess) fail(name, std::string("index check: cudaGetDevice: ") + cudaGetErrorString(e));
  if (dev < 0 || dev >= kMaxDevices) fail(name, "index check: device " + std::to_string(dev) + " beyond the 16 supported");
  return dev;
#else
  (void)name;
  return 0;
#endif
}

}  // namespace

IndexFaultSink index_fault_sink(IndexFaultKernel kernel, const char* name) {
  const int dev = current_device(name);
  const std::lock_guard<std::mutex> lock(g_mutex);
  DeviceSink& s = g_sinks[static_cast<size_t>(dev)];
  if (!s.claim) {
#if defined(__CUDACC__)
    auto ok = [&](cudaError_t e, const char* what) {
      if (e != cudaSuccess) fail(name, std::string("index check: ") + what + ": " + cudaGetErrorString(e));
    };
    void* claim = nullptr;
    void* report = nullptr;
    void* report_dev = nullptr;
    ok(cudaMalloc(&claim, sizeof(unsigned)), "cudaMalloc");
    ok(cudaMemset(claim, 0, sizeof(unsigned)), "cudaMemset");
    ok(cudaHostAlloc(&report, sizeof(IndexFaultReport), cudaHostAllocMapped | cudaHostAllocPortable), "cudaHostAlloc");
    ok(cudaHostGetDevicePointer(&report_dev, report, 0), "cudaHostGetDevicePointer");
    static_cast<IndexFaultReport*>(report)->flag = 0u;
    s.claim = static_cast<unsigned*>(claim);
    s.report = static_cast<IndexFaultReport*>(report);
    s.report_dev = static_cast<IndexFaultReport*>(report_dev);
#else
    s.claim = &g_sim_claim;
    s.report = s.report_dev = &g_sim_report;
#endif
  }
  return {s.claim, s.report_dev, kernel};
}

}  // namespace detail

void raise_index_fault() {
  using namespace detail;
  IndexFaultReport fault{};
  {
    const std::lock_guard<std::mutex> lock(g_mutex);
    DeviceSink* hit = nullptr;
    for (DeviceSink& s : g_sinks)
      if (s.report && s.report->flag != 0u) {
        hit = &s;
        break;
      }
    if (!hit) return;
    fault.kernel = hit->report->kernel;
    fault.position = hit->report->position;
    fault.value = hit->report->value;
    fault.bound = hit->report->bound;
    hit->report->flag = 0u;
#if defined(__CUDACC__)
    const cudaError_t e = cudaMemset(hit->claim, 0, sizeof(unsigned));  // the claim lives on that sink's device
    if (e != cudaSuccess) fail("raise_index_fault", std::string("reset: ") + cudaGetErrorString(e));
#else
    *hit->claim = 0u;
#endif
  }
  const bool ce = fault.kernel == kCrossEntropyFprop || fault.kernel == kCrossEntropyBprop;
  const char* name = fault.kernel >= 0 && fault.kernel < 4 ? kNames[fault.kernel] : "index check";
  fail(name, std::string(ce ? "label " : "index ") + std::to_string(fault.value) + (ce ? " at row " : " at position ") +
                 std::to_string(fault.position) + " is out of range [0, " + std::to_string(fault.bound) +
                 ") (found on the device; raised at the next read back)");
}

}  // namespace gan::kernels::cuda
