// The committed feature classifier and the standard sanity check of a feature
// distance: real images scored against real images grow monotonically worse
// as they are corrupted (Gaussian noise, blur). Small n keeps it fast; the
// full-size table is `gan eval --real-floor --calibrate --n 10000`.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "gan/models/eval/evaluate.h"
#include "gan/models/eval/sha256.h"
#include "gan/ops.h"

namespace gan::models::eval {
namespace {

struct Calibration : ::testing::Test {
  static void SetUpTestSuite() {
    clf = new LoadedClassifier(load_classifier());  // default path: the hash is checked
    ref = new RealReference(build_real_reference(*clf, load_real_split("t10k"), "t10k", 300, 0));
    other = new Tensor(draw_images(load_real_split("train"), 300, 1));
  }
  static void TearDownTestSuite() {
    delete clf;
    delete ref;
    delete other;
  }
  static EvalReport score(const Tensor& images) {
    EvalOptions o;
    o.kid_subsets = 5;
    return evaluate(images, nullptr, *ref, o);
  }
  static LoadedClassifier* clf;
  static RealReference* ref;
  static Tensor* other;
};
LoadedClassifier* Calibration::clf = nullptr;
RealReference* Calibration::ref = nullptr;
Tensor* Calibration::other = nullptr;

TEST_F(Calibration, ClassifierIsAccurate) {
  const Dataset test = load_idx_dataset(kFashionMnistTestImages, kFashionMnistTestLabels, 2000);
  EXPECT_GT(classifier_accuracy(*clf->net, test), 0.89);
  EXPECT_EQ(clf->sha256, kFmnistClassifierSha256);
  EXPECT_EQ(ref->real.features.size(1), 128);
}

TEST_F(Calibration, DistancesGrowWithNoiseAndBlur) {
  const EvalReport floor = score(*other);
  EXPECT_EQ(floor.n_real, 300);
  EXPECT_EQ(floor.split, "t10k");
  EXPECT_GT(floor.manifold.precision, 0.6);
  EXPECT_GT(floor.classes.classes_covered, 9);
  for (Corruption kind : {Corruption::noise, Corruption::blur}) {
    double last_fcd = floor.frechet_classifier_distance, last_kid = floor.kernel_distance.mean;
    double last_cov = floor.manifold.coverage;
    Generator gen(3);
    for (double level : kind == Corruption::noise ? std::vector<double>{0.1, 0.25, 0.5} : std::vector<double>{0.5, 1.0, 2.0}) {
      const EvalReport r = score(corrupt_images(*other, kind, level, gen));
      const char* what = kind == Corruption::noise ? "noise" : "blur";
      EXPECT_GT(r.frechet_classifier_distance, last_fcd) << what << " " << level;
      EXPECT_GT(r.kernel_distance.mean, last_kid) << what << " " << level;
      EXPECT_LT(r.manifold.coverage, last_cov) << what << " " << level;
      last_fcd = r.frechet_classifier_distance, last_kid = r.kernel_distance.mean, last_cov = r.manifold.coverage;
    }
  }
}

TEST_F(Calibration, OtherImageSizesAreResized) {
  const Tensor big = ops::upsample_bilinear2d(other->narrow0(0, 200), 32, 32);
  const EvalReport r = score(big);
  EXPECT_EQ(r.n_fake, 200);
  EXPECT_GT(r.manifold.precision, 0.5);
}

TEST_F(Calibration, ChangedWeightsAreRefused) {
  const std::string path = ::testing::TempDir() + "/gan_changed_" + std::to_string(::getpid()) + ".safetensors";
  std::filesystem::copy_file(default_classifier_path(), path, std::filesystem::copy_options::overwrite_existing);
  {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(-4, std::ios::end);
    f.put('\x7f');
  }
  try {
    load_classifier(path, Device::cpu(), kFmnistClassifierSha256);
    FAIL() << "changed weights were accepted";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(sha256_file(path)), std::string::npos) << msg;
    EXPECT_NE(msg.find(kFmnistClassifierSha256), std::string::npos) << msg;
  }
  // Without a pin, another file loads and reports its own hash.
  EXPECT_EQ(load_classifier(path).sha256, sha256_file(path));
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace gan::models::eval
