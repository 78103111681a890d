// Our metrics vs an independent NumPy/SciPy computation on the same features.
// tests/golden/metrics_features.safetensors was written by
//   gan eval --checkpoint <DCGAN at step 250> --n 300 --features-out ...
// and tests/golden/metrics_check.json by scripts/metrics_check.py on it (this
// test only reads both files).
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "gan/checkpoint.h"
#include "gan/models/eval/evaluate.h"
#include "gan/models/eval/sha256.h"

namespace gan::models::eval {
namespace {

const std::string kDir = GAN_TEST_GOLDEN_DIR;

TEST(MetricsGolden, MatchNumpyScipy) {
  const nlohmann::json want = nlohmann::json::parse(std::ifstream(kDir + "/metrics_check.json"));
  const std::string features = kDir + "/metrics_features.safetensors";
  ASSERT_EQ(sha256_file(features), want["features_file_sha256"].get<std::string>())
      << "the feature file changed: rerun scripts/metrics_check.py";
  const TensorFile f = load_tensors(features);
  const RealReference ref = reference_from_features(f.at("real"), "t10k", "golden", 0);
  FeatureSet fake;
  fake.features = f.at("fake");
  fake.probs = f.at("fake_probs");
  EvalOptions o;
  o.kid_subsets = 1;           // one subset of every sample: the full-set estimator, deterministic
  o.kid_subset_size = 1 << 30;
  const EvalReport r = evaluate_features(fake, nullptr, ref, o);
  const int64_t nr = want["n_real"].get<int64_t>(), nf = want["n_fake"].get<int64_t>();
  ASSERT_EQ(r.n_real, nr);
  ASSERT_EQ(r.n_fake, nf);
  ASSERT_EQ(r.kernel_distance.subset_size, std::min(nr, nf));

  const double fd = want["frechet_distance_sqrtm"].get<double>();
  EXPECT_GT(fd, 1.0);  // a step-250 generator is visibly off
  EXPECT_NEAR(r.frechet_classifier_distance, fd, 1e-5 * fd);
  EXPECT_NEAR(r.frechet_classifier_distance, want["frechet_distance_eigh"].get<double>(), 1e-5 * fd);
  // f32 Gram matrices (ours) vs f64 (NumPy).
  const double mmd = want["mmd2_unbiased_full"].get<double>();
  EXPECT_NEAR(r.kernel_distance.mean, mmd, 2e-3 * std::abs(mmd));
  // Counts: equal up to one sample whose distance ties its radius within f32 rounding.
  EXPECT_NEAR(r.manifold.precision, want["precision"].get<double>(), 1.0 / nf + 1e-12);
  EXPECT_NEAR(r.manifold.recall, want["recall"].get<double>(), 1.0 / nr + 1e-12);
  EXPECT_NEAR(r.manifold.density, want["density"].get<double>(), 1.0 / (5.0 * nf) + 1e-12);
  EXPECT_NEAR(r.manifold.coverage, want["coverage"].get<double>(), 1.0 / nr + 1e-12);
  EXPECT_NEAR(r.manifold.near_duplicate_rate, want["near_duplicate_rate"].get<double>(), 1.0 / nf + 1e-12);
  EXPECT_NEAR(r.manifold.near_duplicate_threshold, want["near_duplicate_threshold"].get<double>(),
              1e-4 * want["near_duplicate_threshold"].get<double>());
  EXPECT_NEAR(r.classes.classifier_score, want["classifier_score"].get<double>(), 1e-6);
  EXPECT_NEAR(r.classes.entropy_bits, want["class_entropy_bits"].get<double>(), 1e-9);
  EXPECT_EQ(r.classes.histogram, want["class_histogram"].get<std::vector<int64_t>>());
}

}  // namespace
}  // namespace gan::models::eval
