// The device-memory guard (gan/simt/device_memory.h): with it on, host code
// that touches emulated device memory dies with a report naming the
// allocation, as it would crash on a GPU, while launches and DeviceAccess
// scopes reach the memory as before. Off, device memory is plain host memory.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "gan/simt/device_memory.h"
#include "simt_test_kernels.h"

namespace gan::simt_test {
namespace {

using gan::simt::DeviceAccess;

class ScopedGuard {
 public:
  explicit ScopedGuard(bool on) : saved_(gan::simt::guard()) { gan::simt::set_guard(on); }
  ~ScopedGuard() { gan::simt::set_guard(saved_); }
  ScopedGuard(const ScopedGuard&) = delete;
  ScopedGuard& operator=(const ScopedGuard&) = delete;

 private:
  bool saved_;
};

// A read through a device pointer on the host, as the compiler cannot drop.
float host_read(const float* p, int i) { return *static_cast<const volatile float*>(p + i); }

TEST(DeviceMemoryGuard, HostReadOutsideAScopeDiesNamingTheAllocation) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        gan::simt::set_guard(true);
        const auto* p = static_cast<const float*>(gan::simt::device_alloc(1024));
        (void)host_read(p, 10);
      },
      "host code touched device memory at 0x[0-9a-f]+ \\(byte 40 of a 1024-byte device allocation at 0x[0-9a-f]+\\)"
      ": a device pointer dereferenced on the host");
}

TEST(DeviceMemoryGuard, LaunchesAndScopesReachTheMemoryHostCodeCannot) {
  const ScopedGuard on(true);
  const int n = 300;  // two blocks, the second partial
  auto* x = static_cast<float*>(gan::simt::device_alloc(n * sizeof(float)));
  auto* out = static_cast<float*>(gan::simt::device_alloc(n * sizeof(float)));
  std::vector<float> host(n), got(n);
  for (int i = 0; i < n; ++i) host[i] = static_cast<float>(i);
  {
    const DeviceAccess access;  // as the runtime's host-to-device copy
    std::memcpy(x, host.data(), n * sizeof(float));
    EXPECT_TRUE(std::isnan(host_read(out, 0)));  // poisoned: NaN bytes until a kernel writes
  }
  early_exit_rotate(x, out, n);  // the launch opens the pages for the kernel
  {
    const DeviceAccess outer;
    {
      const DeviceAccess inner;  // scopes nest: the inner end keeps the pages open
    }
    std::memcpy(got.data(), out, n * sizeof(float));
  }
  EXPECT_EQ(got[0], 1.0f);
  EXPECT_EQ(got[255], 0.0f);   // block 0 rotates 256 values
  EXPECT_EQ(got[256], 257.0f);
  EXPECT_EQ(got[299], 256.0f);  // block 1 rotates its 44
  gan::simt::device_free(x);
  gan::simt::device_free(out);
}

TEST(DeviceMemoryGuard, OffDeviceMemoryIsPlainHostMemory) {
  const ScopedGuard off(false);
  auto* p = static_cast<float*>(gan::simt::device_alloc(16 * sizeof(float)));
  EXPECT_TRUE(std::isnan(host_read(p, 3)));  // poisoned, and readable
  p[3] = 2.0f;
  EXPECT_EQ(host_read(p, 3), 2.0f);
  gan::simt::device_free(p);
}

TEST(DeviceMemoryGuard, TurningItOffOpensWhatItGuarded) {
  auto* p = [] {
    const ScopedGuard on(true);
    return static_cast<float*>(gan::simt::device_alloc(64));
  }();
  const ScopedGuard off(false);
  EXPECT_TRUE(std::isnan(host_read(p, 0)));
  gan::simt::device_free(p);
}

}  // namespace
}  // namespace gan::simt_test
