// The mode-collapse remedies on D (run keys pack and minibatch_stddev): what
// they build, that they couple the samples they should, and their errors.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <string>

#include "gan/autograd.h"
#include "gan/models/dcgan.h"
#include "gan/models/trainer.h"
#include "gan/ops.h"
#include "system_test_util.h"

namespace gan::models {
namespace {

using testing::error_of;
using testing::labelled_images;

TrainerConfig small(const std::string& tag) {
  TrainerConfig c;
  c.dataset = "synthetic";
  set_config_value(c, "z_dim", "8");
  set_config_value(c, "features_g", "4");
  set_config_value(c, "features_d", "4");
  c.batch = 8;
  c.steps = 2;
  c.sample_count = 4;
  c.checkpoint_every = c.sample_every = c.eval_every = 0;
  c.out_dir = ::testing::TempDir() + "/gan_d_remedies_" + std::to_string(::getpid()) + "_" + tag;
  return c;
}

TEST(DRemedies, PackingStacksPackSamplesOnDsInputChannels) {
  TrainerConfig c = small("pack");
  c.pack = 4;
  Trainer t(c, labelled_images(32));
  // D's first conv reads 4 x 1 channels; G still draws one-channel images.
  EXPECT_EQ(t.discriminator().parameters().front().shape(), (Shape{2 * 4, 4, 4, 4}));
  const StepStats s = t.step();
  EXPECT_TRUE(std::isfinite(s.loss_d) && std::isfinite(s.loss_g));
  NoGradGuard ng;
  const Tensor x = t.system().generate(t.sampling_generator(), t.fixed_latent());
  EXPECT_EQ(x.shape(), (Shape{4, 1, 28, 28}));
  std::filesystem::remove_all(c.out_dir);
}

TEST(DRemedies, MinibatchStddevMakesEachJudgementDependOnItsGroup) {
  DcganOptions o;
  o.features_d = 4;
  o.d_minibatch_stddev = 2;  // groups {n : n % (N / 2) == g}: with N = 4, samples {0, 2} and {1, 3}
  Generator gen(3);
  DcganDiscriminator d(o, gen);
  d.eval();  // batch norm by running statistics: the only coupling left is the stddev feature
  const Tensor x = Tensor::rand({4, 1, 28, 28}, gen, -1.0, 1.0);
  NoGradGuard ng;
  EXPECT_EQ(d.features(x).size(1), 4 * 4 + 1);  // 28x28: the last hidden width is 4f
  const std::vector<double> before = d(x).to_double_vector();
  // Sample 2 replaced, the others kept.
  const Tensor y = ops::cat({ops::slice(x, 0, 0, 2), Tensor::rand({1, 1, 28, 28}, gen, -1.0, 1.0), ops::slice(x, 0, 3, 4)}, 0);
  const std::vector<double> after = d(y).to_double_vector();
  EXPECT_NE(after[0], before[0]) << "sample 0 shares its group with sample 2";
  EXPECT_NE(after[2], before[2]);
  EXPECT_EQ(after[1], before[1]) << "sample 1 is in the other group";
  EXPECT_EQ(after[3], before[3]);
}

TEST(DRemedies, TheTwoDimensionalNetsPackAndPoolToo) {
  TrainerConfig c = small("mlp2d");
  set_config_value(c, "system", "mlp2d");
  set_config_value(c, "mlp2d.hidden", "16");
  set_config_value(c, "mlp2d.eval_samples", "100");
  c.dataset = "mixture:ring8";
  c.dataset_limit = 512;
  c.image_size = 1;
  c.channels = 2;
  c.labels = "none";
  c.ema_decay = 0;
  c.pack = 2;
  c.minibatch_stddev = 4;
  Trainer t(c);
  const std::vector<Tensor> p = t.discriminator().parameters();
  EXPECT_EQ(p.front().shape(), (Shape{16, 4}));  // two points per judgement
  EXPECT_EQ(p[p.size() - 2].shape(), (Shape{1, 17}));  // the last layer reads the stddev feature
  for (int i = 0; i < 2; ++i) {
    const StepStats s = t.step();
    EXPECT_TRUE(std::isfinite(s.loss_d) && std::isfinite(s.loss_g));
  }
  std::filesystem::remove_all(c.out_dir);
}

TEST(DRemedies, ErrorsNameTheKeyAndTheSystem) {
  TrainerConfig c = small("errors");
  c.pack = 3;
  EXPECT_NE(error_of([&] { validate_config(c); }).find("config key 'pack': must divide the batch (8)"),
            std::string::npos);
  c.pack = 2;
  c.probe_samples = 100;
  EXPECT_NE(error_of([&] { validate_config(c); }).find("set probe_samples = 0"), std::string::npos);
  c.probe_samples = 0;
  c.minibatch_stddev = 3;
  EXPECT_NE(error_of([&] { validate_config(c); }).find("config key 'minibatch_stddev'"), std::string::npos);
  // A system with per-sample heads refuses both.
  TrainerConfig a = small("acgan");
  set_config_value(a, "system", "acgan");
  set_config_value(a, "acgan.features_g", "4");
  set_config_value(a, "acgan.features_d", "4");
  a.pack = 2;
  const std::string e = error_of([&] { Trainer t(a, labelled_images(32)); });
  EXPECT_NE(e.find("config keys 'pack' / 'minibatch_stddev': system 'acgan'"), std::string::npos) << e;
}

}  // namespace
}  // namespace gan::models
