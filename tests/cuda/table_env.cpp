// Prints the per-kernel table (kernel, dtype, shapes, max relative error vs the
// CPU reference, schedule orders) once every test has run.
#include <cstdio>

#include "cuda_test_util.h"

namespace gan::cuda_test {
namespace {

class TableEnvironment : public ::testing::Environment {
 public:
  void TearDown() override {
    if (table().empty()) return;
    std::printf("\n| kernel | dtype | shapes | max rel err | orders |\n|---|---|---|---|---|\n");
    for (const auto& r : table())
      std::printf("| %s | %s | %s | %.3g | %s |\n", r.kernel.c_str(), r.dtype.c_str(), r.shapes.c_str(), r.err,
                  r.orders.c_str());
  }
};

[[maybe_unused]] ::testing::Environment* const kTable = ::testing::AddGlobalTestEnvironment(new TableEnvironment);

}  // namespace
}  // namespace gan::cuda_test
