// CUDA embedding vs the CPU reference: lookups with repeated indices into a
// 50x300 table (and small / single-row / zero-count cases), forward and the
// deterministic backward (which overwrites dtable: it starts NaN-poisoned),
// f32 and f64; the backward is bitwise the reference's (same summation order).
// A bad index reads nothing out of bounds (a zero row forward, added nowhere
// backward) and is raised afterwards, naming the kernel, position and value
// (gan/kernels/index_fault.h: no synchronisation at the launch).
#include <vector>

#include "cuda_test_util.h"
#include "gan/kernels/embedding.h"

namespace gan::cuda_test {
namespace {

namespace k = gan::kernels;

struct EmbCase {
  int64_t num, dim, count;
};
// 50x300 with 200 lookups (many repeats); odd small; one row hit by every
// lookup; zero lookups (bprop must still zero the table); a large row count
// so the backward tiles several rows per thread.
const EmbCase kCases[] = {{50, 300, 200}, {7, 5, 13}, {1, 33, 9}, {12, 3, 0}, {70000, 3, 40}};

template <class T>
void embedding_cases() {
  for (const EmbCase& c : kCases) {
    std::vector<int64_t> idx(static_cast<std::size_t>(c.count));
    std::mt19937 rng(next_seed());
    for (auto& v : idx) v = static_cast<int64_t>(rng() % static_cast<uint32_t>(c.num));
    if (c.count > 3) idx[3] = idx[0];  // at least one repeat
    const auto nt = static_cast<std::size_t>(c.num * c.dim), no = static_cast<std::size_t>(c.count * c.dim);
    const auto table = random_vector<T>(nt, next_seed());
    const auto dout = random_vector<T>(no, next_seed());
    k::EmbeddingParams p;
    p.num = c.num;
    p.dim = c.dim;
    p.count = c.count;
    std::vector<T> out(no), dtable(nt);
    k::cpu::embedding_fprop<T>(p, idx.data(), table.data(), out.data());
    k::cpu::embedding_bprop<T>(p, idx.data(), dout.data(), dtable.data());
    double err_f = 0, err_b = 0;
    const std::string orders = for_each_order([&] {
      DeviceBuffer<int64_t> di(idx);
      DeviceBuffer<T> dt(table), dou(no, nan_value<T>()), dg(dout), ddt(nt, nan_value<T>());
      k::cuda::embedding_fprop<T>(p, di.get(), dt.get(), dou.get());
      k::cuda::embedding_bprop<T>(p, di.get(), dg.get(), ddt.get());
      err_f = std::max(err_f, max_rel_err(dou.download(), out));
      const auto got = ddt.download();
      err_b = std::max(err_b, max_rel_err(got, dtable));
      EXPECT_EQ(got, dtable) << "embedding_bprop is not bitwise the reference";
    });
    const std::string shapes = cat("table ", shape_str({c.num, c.dim}), " idx [", c.count, "]");
    check_and_record<T>("embedding_fprop", shapes, orders, err_f, 0.0);
    check_and_record<T>("embedding_bprop", shapes, orders, err_b, 0.0);
  }
}

TEST(CudaEmbedding, Float) {
  GAN_REQUIRE_DEVICE();
  embedding_cases<float>();
}
TEST(CudaEmbedding, Double) {
  GAN_REQUIRE_DEVICE();
  embedding_cases<double>();
}

TEST(CudaEmbedding, BadIndexIsRaisedAfterTheLaunchAndReadsNothingOutOfBounds) {
  GAN_REQUIRE_DEVICE();
  k::EmbeddingParams p;
  p.num = 4;
  p.dim = 3;
  p.count = 5;
  std::vector<float> table(12);
  for (std::size_t i = 0; i < table.size(); ++i) table[i] = static_cast<float>(i + 1);
  for (const int64_t bad : {int64_t{4}, int64_t{-1}, int64_t{1} << 40}) {
    DeviceBuffer<int64_t> di(std::vector<int64_t>{0, 3, bad, 1, 2});
    DeviceBuffer<float> dt(table), dout(15, nan_value<float>()), dg(15, 1.0f), ddt(12, nan_value<float>());
    EXPECT_NO_THROW(k::cuda::embedding_fprop<float>(p, di.get(), dt.get(), dout.get()));
    expect_index_fault("embedding_fprop", "index " + std::to_string(bad) + " at position 2 is out of range [0, 4)");
    const std::vector<float> out = dout.download();
    const int64_t rows[] = {0, 3, -1, 1, 2};
    for (int64_t k = 0; k < 5; ++k)
      for (int64_t j = 0; j < 3; ++j)
        EXPECT_EQ(out[static_cast<std::size_t>(k * 3 + j)], rows[k] < 0 ? 0.0f : table[static_cast<std::size_t>(rows[k] * 3 + j)])
            << "bad " << bad << " position " << k;
    EXPECT_NO_THROW(k::cuda::embedding_bprop<float>(p, di.get(), dg.get(), ddt.get()));
    expect_index_fault("embedding_bprop", "index " + std::to_string(bad) + " at position 2 is out of range [0, 4)");
    EXPECT_EQ(ddt.download(), std::vector<float>(12, 1.0f)) << "each row was hit once by a good index";
  }
  // A clean launch after a raised fault raises nothing.
  DeviceBuffer<int64_t> good(std::vector<int64_t>{0, 1, 2, 3, 3});
  DeviceBuffer<float> dt(table), dout(15, nan_value<float>());
  k::cuda::embedding_fprop<float>(p, good.get(), dt.get(), dout.get());
  EXPECT_NO_THROW(k::cuda::raise_index_fault());
  // An empty table has no valid index: that needs no device.
  k::EmbeddingParams empty = p;
  empty.num = 0;
  EXPECT_THROW(k::cuda::embedding_fprop<float>(empty, good.get(), dt.get(), dout.get()), k::KernelError);
}

}  // namespace
}  // namespace gan::cuda_test
