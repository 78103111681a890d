// The data-copying test (gan/models/eval/memorization.h): a hand-computed case,
// copies of the training set (closer_to_train 1), copies of the held-out set (0),
// independent draws of one distribution (~ 0.5, ratio ~ 1), and errors that
// name both shapes.
#include <gtest/gtest.h>

#include "gan/error.h"
#include "gan/models/eval/memorization.h"
#include "gan/ops.h"

namespace gan::models::eval {
namespace {

TEST(Memorization, HandComputedNearestNeighbours) {
  // 1-D features. Fakes 0, 10, 4; train {1, 9.5}; held-out {3, 12}.
  // d_train: 1, 0.5, 3; d_heldout: 3, 2, 1 -> closer: yes, yes, no = 2/3;
  // ratios 1/3, 1/4, 3 -> median 1/3.
  const Tensor fake = Tensor::from_data({3, 1}, std::vector<float>{0, 10, 4});
  const Tensor train = Tensor::from_data({2, 1}, std::vector<float>{1, 9.5f});
  const Tensor held = Tensor::from_data({2, 1}, std::vector<float>{3, 12});
  const MemorizationReport r = memorization(fake, train, held);
  EXPECT_EQ(r.n_fake, 3);
  EXPECT_EQ(r.n_train, 2);
  EXPECT_NEAR(r.closer_to_train, 2.0 / 3.0, 1e-12);
  EXPECT_NEAR(r.median_nn_ratio, 1.0 / 3.0, 1e-5);
  EXPECT_NEAR(r.median_nn_train, 1.0, 1e-5);
  EXPECT_NEAR(r.median_nn_heldout, 2.0, 1e-5);
}

TEST(Memorization, CopiesOfEitherSetAreFoundAndIndependentDrawsAreNot) {
  Generator g(11);
  const int64_t m = 200, d = 16;
  const Tensor train = Tensor::randn({m, d}, g), held = Tensor::randn({m, d}, g);
  // Each fake a training (or held-out) image plus a little noise: a copier.
  const Tensor jitter = ops::mul(Tensor::randn({m, d}, g), 0.01);
  const MemorizationReport copy_train = memorization(ops::add(train, jitter), train, held);
  EXPECT_EQ(copy_train.closer_to_train, 1.0);
  EXPECT_LT(copy_train.median_nn_ratio, 0.05);
  EXPECT_EQ(memorization(ops::add(held, jitter), train, held).closer_to_train, 0.0);
  // A generator of the same distribution that never saw the training set: no preference.
  const MemorizationReport fresh = memorization(Tensor::randn({4000, d}, g), train, held);
  EXPECT_NEAR(fresh.closer_to_train, 0.5, 0.05);
  EXPECT_NEAR(fresh.median_nn_ratio, 1.0, 0.1);
}

TEST(Memorization, ErrorsNameBothShapes) {
  Generator g(12);
  const Tensor f = Tensor::randn({5, 4}, g);
  try {
    memorization(f, Tensor::randn({3, 4}, g), Tensor::randn({6, 4}, g));
    FAIL() << "no error for unequal set sizes";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("train [3, 4] and held-out [6, 4]"), std::string::npos) << e.what();
  }
  EXPECT_THROW(memorization(f, Tensor::randn({3, 5}, g), Tensor::randn({3, 5}, g)), Error);
}

}  // namespace
}  // namespace gan::models::eval
