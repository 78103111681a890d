// The DCGAN Trainer: exact resume (2N steps == N + resume + N, bit for bit),
// divergence stops with a named quantity and leaves the last checkpoint intact,
// config text round trips, sample grids, and a short run on Fashion-MNIST.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "gan/autograd.h"
#include "gan/checkpoint.h"
#include "gan/io/atomic_file.h"
#include "gan/models/trained.h"
#include "gan/models/trainer.h"
#include "gan/ops.h"

namespace gan::models {
namespace {

namespace fs = std::filesystem;

std::string temp_dir(const std::string& name) {
  const std::string d = ::testing::TempDir() + "/gan_trainer_" + std::to_string(::getpid()) + "_" + name;
  fs::remove_all(d);
  return d;
}

// 64 smooth synthetic 28x28 "images" in [-1, 1].
std::shared_ptr<const Dataset> synthetic_data(int64_t n = 64, float nan_value = 0.0f, bool nan = false) {
  auto d = std::make_shared<Dataset>();
  std::vector<float> px(static_cast<size_t>(n * 28 * 28));
  for (int64_t i = 0; i < n; ++i)
    for (int64_t y = 0; y < 28; ++y)
      for (int64_t x = 0; x < 28; ++x)
        px[static_cast<size_t>((i * 28 + y) * 28 + x)] =
            nan ? nan_value : static_cast<float>(std::sin(0.2 * x * (1 + i % 5) + 0.3 * y) * 0.9);
  d->images = Tensor::from_data({n, 1, 28, 28}, px);
  d->source = "synthetic";
  return d;
}

TrainerConfig tiny_config(const std::string& out_dir) {
  TrainerConfig c;
  c.dataset = "synthetic";
  set_config_value(c, "z_dim", "8");
  set_config_value(c, "features_g", "2");
  set_config_value(c, "features_d", "2");
  c.batch = 8;
  c.sample_count = 4;
  c.checkpoint_every = 3;
  c.sample_every = 3;
  c.seed = 42;
  c.out_dir = out_dir;
  return c;
}

struct Losses {
  std::vector<double> v;
  void add(const StepStats& s) {
    v.insert(v.end(), {s.loss_d, s.loss_g, s.d_real, s.d_fake, s.grad_norm_d, s.grad_norm_g, s.penalty});
  }
};

std::string read_bytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

void expect_exact_resume(TrainerConfig base, const std::string& name) {
  const auto data = synthetic_data();
  // Uninterrupted: 6 steps.
  TrainerConfig ca = base;
  ca.out_dir = temp_dir(name + "_a");
  ca.steps = 6;
  Losses a;
  Trainer ta(ca, data);
  ta.train([&](const StepStats& s) {
    if (s.step > 3) a.add(s);
  });
  // 3 steps, then a fresh Trainer resumes from the checkpoint and runs 3 more.
  TrainerConfig cb = base;
  cb.out_dir = temp_dir(name + "_b");
  cb.steps = 3;
  {
    Trainer tb(cb, data);
    tb.train();
  }
  cb.steps = 6;
  Losses b;
  Trainer tb2(cb, data);
  tb2.resume(tb2.checkpoint_path());
  EXPECT_EQ(tb2.current_step(), 3);
  tb2.train([&](const StepStats& s) { b.add(s); });
  ASSERT_EQ(a.v.size(), 21u);
  ASSERT_EQ(b.v.size(), a.v.size());
  for (size_t i = 0; i < a.v.size(); ++i) EXPECT_EQ(a.v[i], b.v[i]) << "quantity " << i % 7 << " of step " << 4 + i / 7;
  // The final checkpoints agree too: every tensor of both.
  const TensorFile fa = load_tensors(ta.checkpoint_path()), fb = load_tensors(tb2.checkpoint_path());
  ASSERT_EQ(fa.tensors.size(), fb.tensors.size());
  for (size_t i = 0; i < fa.tensors.size(); ++i) {
    EXPECT_EQ(fa.tensors[i].first, fb.tensors[i].first);
    EXPECT_EQ(fa.tensors[i].second.to_double_vector(), fb.tensors[i].second.to_double_vector())
        << fa.tensors[i].first;
  }
  // The resumed record reads as one run: 6 metric lines.
  std::ifstream m(cb.out_dir + "/metrics.jsonl");
  EXPECT_EQ(std::count(std::istreambuf_iterator<char>(m), std::istreambuf_iterator<char>(), '\n'), 6);
}

TEST(TrainerResume, NonSaturatingWithEmaIsExact) { expect_exact_resume(tiny_config(""), "ns"); }

TEST(TrainerResume, WganGpWithTwoCriticStepsIsExact) {
  TrainerConfig c = tiny_config("");
  c.loss = LossKind::wasserstein;
  c.gp_weight = 10;
  c.n_critic = 2;
  c.lr_d = 1e-4;
  expect_exact_resume(c, "gp");
}

TEST(TrainerResume, WganClippingWithRmspropIsExact) {
  TrainerConfig c = tiny_config("");
  c.loss = LossKind::wasserstein;
  c.optimizer = "rmsprop";
  c.clip_value = 0.01;
  c.ema_decay = 0;
  c.lr_g = c.lr_d = 5e-5;
  expect_exact_resume(c, "clip");
}

// ADA moves p every D step here (interval 1, 2,000 images per unit of p), so an
// inexact p, r_t or augmentation stream after the resume changes the losses.
TEST(TrainerResume, AdaAugmentationWithR1IsExact) {
  TrainerConfig c = tiny_config("");
  c.augment = "translation,cutout,color";
  c.ada_target = 0.6;
  c.ada_interval = 1;
  c.ada_kimg = 0.002;
  c.r1_weight = 1;
  expect_exact_resume(c, "ada");
}

// No leak into what G shows: augmentation is applied to D's inputs only. The sample
// grid of a run with DiffAugment's transforms at p = 1 equals, byte for byte, that of the
// same run without them, and two writes of it agree (an augmentation on the sample path
// would draw a new shift, cutout and colour each time). G's weights are scaled up so that
// its images have structure for a shift or a cutout to change (at DCGAN's N(0, 0.02) init
// they are a flat grey in 8 bits): another seed's grid differs.
TEST(TrainerAugment, SampleGridsAreNeverAugmented) {
  const auto data = synthetic_data();
  auto grid = [&](const std::string& augment, uint64_t seed, int writes) {
    TrainerConfig c = tiny_config(temp_dir("aug_" + std::to_string(seed) + augment.substr(0, 5)));
    c.augment = augment;  // ada_target 0: p = 1, every image D sees is augmented
    c.ema_decay = 0;      // samples come from G itself
    c.seed = seed;
    Trainer t(c, data);
    {
      NoGradGuard ng;
      for (Tensor& p : t.generator().parameters()) p.copy_(ops::mul(p, 40.0));
    }
    const std::string path = c.out_dir + "/grid.png";
    std::vector<std::string> out;
    for (int i = 0; i < writes; ++i) {
      t.write_samples(path);
      out.push_back(read_bytes(path));
    }
    fs::remove_all(c.out_dir);
    return out;
  };
  const std::vector<std::string> on = grid("translation,cutout,color", 42, 2), off = grid("", 42, 1);
  EXPECT_EQ(on[0], off[0]);
  EXPECT_EQ(on[1], on[0]);
  EXPECT_NE(grid("", 43, 1)[0], off[0]);  // the grid shows G's images, not a constant
}

// PacGAN packing and the minibatch-stddev feature change D's input and last layer.
TEST(TrainerResume, PackedWithMinibatchStddevIsExact) {
  TrainerConfig c = tiny_config("");
  c.pack = 2;
  c.minibatch_stddev = 2;
  expect_exact_resume(c, "pack");
}

TEST(TrainerResume, RejectsACheckpointOfAnotherModelShape) {
  TrainerConfig c = tiny_config(temp_dir("shape"));
  c.steps = 1;
  Trainer t(c, synthetic_data());
  t.train();
  TrainerConfig other = c;
  set_config_value(other, "features_g", "3");
  Trainer t2(other, synthetic_data());
  try {
    t2.resume(t.checkpoint_path());
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("features_g"), std::string::npos) << e.what();
  }
}

TEST(TrainerDivergence, NaNDataStopsNamingLossAndStepAndKeepsTheCheckpoint) {
  TrainerConfig c = tiny_config(temp_dir("nan"));
  c.steps = 2;
  c.checkpoint_every = 1;
  {
    Trainer t(c, synthetic_data());
    t.train();
  }
  const std::string ckpt = c.out_dir + "/checkpoint.safetensors";
  const std::string before = read_bytes(ckpt);
  ASSERT_FALSE(before.empty());

  c.steps = 5;
  Trainer t(c, synthetic_data(64, NAN, /*nan=*/true));
  t.resume(ckpt);
  try {
    t.train();
    FAIL() << "training on NaN data did not stop";
  } catch (const TrainingDiverged& e) {
    const std::string msg = e.what();
    EXPECT_EQ(e.quantity, "loss_d");
    EXPECT_EQ(e.step, 3);
    EXPECT_NE(msg.find("step 3"), std::string::npos) << msg;
    EXPECT_NE(msg.find("loss_d"), std::string::npos) << msg;
    EXPECT_NE(msg.find(ckpt), std::string::npos) << msg;
  }
  EXPECT_EQ(read_bytes(ckpt), before);
  EXPECT_EQ(load_tensors(ckpt).metadata.at("step"), "2");
}

TEST(TrainerDivergence, HugeLearningRateStopsNamingTheQuantityAndKeepsTheCheckpoint) {
  TrainerConfig c = tiny_config(temp_dir("lr"));
  c.steps = 2;
  c.checkpoint_every = 1;
  {
    Trainer t(c, synthetic_data());
    t.train();
  }
  const std::string ckpt = c.out_dir + "/checkpoint.safetensors";
  const std::string before = read_bytes(ckpt);
  // Resume with lr = 1e30 (this run's learning rates win): D's first update
  // blows its weights up and the G loss of the same step is NaN.
  c.steps = 10;
  c.lr_g = c.lr_d = 1e30;
  Trainer t(c, synthetic_data());
  t.resume(ckpt);
  try {
    t.train();
    FAIL() << "lr = 1e30 trained without a non-finite quantity";
  } catch (const TrainingDiverged& e) {
    EXPECT_EQ(e.step, 3);
    EXPECT_EQ(e.quantity, "loss_g") << e.what();
    EXPECT_NE(std::string(e.what()).find(ckpt), std::string::npos) << e.what();
  }
  EXPECT_EQ(read_bytes(ckpt), before);
  EXPECT_EQ(load_tensors(ckpt).metadata.at("step"), "2");
}

TEST(TrainerOutputs, WritesMetricsSamplesConfigAndALoadableGenerator) {
  TrainerConfig c = tiny_config(temp_dir("out"));
  {
    // A file where the output folder should be: an error naming the folder.
    TrainerConfig bad = c;
    bad.out_dir = "/dev/null/run";
    try {
      Trainer t(bad, synthetic_data());
      FAIL();
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("/dev/null/run"), std::string::npos) << e.what();
    }
  }
  c.steps = 3;
  Trainer t(c, synthetic_data());
  int calls = 0;
  t.train([&](const StepStats& s) {
    ++calls;
    EXPECT_GT(s.step_seconds, 0.0);
    EXPECT_GT(s.grad_norm_d, 0.0);
    EXPECT_GT(s.grad_norm_g, 0.0);
    EXPECT_GT(s.d_real, 0.0);
    EXPECT_LT(s.d_real, 1.0);
  });
  EXPECT_EQ(calls, 3);
  EXPECT_TRUE(fs::exists(c.out_dir + "/samples/step_000003.png"));
  const io::Image img = io::read_png(c.out_dir + "/samples/final.png");
  EXPECT_EQ(img.width, 2 * 30 + 2);  // 4 samples: 2 x 2 tiles of 28 + padding 2
  EXPECT_EQ(config_from_json(read_bytes(c.out_dir + "/config.json")).system_options.integer("z_dim"), 8);
  const TrainedGenerator loaded = load_trained_generator(t.checkpoint_path(), true);
  EXPECT_EQ(loaded.config.system_options.integer("features_g"), 2);
  NoGradGuard ng;
  EXPECT_EQ(loaded.generate(t.fixed_latent()).to_double_vector(),
            t.system().generate(t.sampling_generator(), t.fixed_latent()).to_double_vector());
}

// A run that logs nothing (shorter than log_every, or log_every = 0) still ends
// cleanly with its checkpoint and final grid; there is just no report to plot.
TEST(TrainerOutputs, ARunThatLoggedNothingEndsWithoutAReport) {
  for (int64_t log_every : {10, 0}) {
    TrainerConfig c = tiny_config(temp_dir("nolog" + std::to_string(log_every)));
    c.steps = 2;
    c.log_every = log_every;
    c.eval_every = 0;
    Trainer t(c, synthetic_data());
    EXPECT_NO_THROW(t.train({})) << "log_every " << log_every;
    EXPECT_TRUE(fs::exists(t.checkpoint_path()));
    EXPECT_TRUE(fs::exists(c.out_dir + "/samples/final.png"));
    EXPECT_FALSE(fs::exists(c.out_dir + "/metrics.jsonl"));
    EXPECT_FALSE(fs::exists(c.out_dir + "/report"));
  }
}

TEST(TrainerConfigText, SetValidateAndJsonRoundTrip) {
  TrainerConfig c;
  set_config_value(c, "lr_d", "4e-4");
  set_config_value(c, "loss", "hinge");
  set_config_value(c, "seed", "18446744073709551615");
  EXPECT_EQ(c.lr_d, 4e-4);
  EXPECT_EQ(c.loss, LossKind::hinge);
  const TrainerConfig back = config_from_json(config_to_json(c));
  EXPECT_EQ(config_to_json(back), config_to_json(c));
  EXPECT_EQ(back.seed, 18446744073709551615ull);
  auto msg = [](const std::function<void()>& f) -> std::string {
    try {
      f();
    } catch (const Error& e) {
      return e.what();
    }
    return "";
  };
  EXPECT_NE(msg([&] { set_config_value(c, "lr_x", "1"); }).find("unknown config key 'lr_x'"), std::string::npos);
  EXPECT_NE(msg([&] { set_config_value(c, "batch", "sixty"); }).find("'batch'"), std::string::npos);
  EXPECT_NE(msg([&] { set_config_value(c, "loss", "nope"); }).find("'loss'"), std::string::npos);
  TrainerConfig bad;
  bad.image_size = 0;
  EXPECT_NE(msg([&] { validate_config(bad); }).find("'image_size'"), std::string::npos);
  EXPECT_NE(msg([] { config_from_json(R"({"z_dim": 10, "zdim": 3})"); }).find("'zdim'"), std::string::npos);
}

TEST(SampleGrid, TilesAndMapsMinusOneToOneOntoBytes) {
  std::vector<float> v(5 * 4);
  for (int i = 0; i < 5; ++i) v[static_cast<size_t>(i * 4)] = -1.0f, v[static_cast<size_t>(i * 4 + 1)] = 1.0f;
  const io::Image g = make_image_grid(Tensor::from_data({5, 1, 2, 2}, v), 3, 1);
  EXPECT_EQ(g.width, 10);
  EXPECT_EQ(g.height, 7);
  EXPECT_EQ(g.pixels[static_cast<size_t>(1 * 10 + 1)], 0);    // image 0, (0, 0): -1
  EXPECT_EQ(g.pixels[static_cast<size_t>(1 * 10 + 2)], 255);  // image 0, (0, 1): +1
  EXPECT_EQ(g.pixels[static_cast<size_t>(2 * 10 + 1)], 128);  // image 0, (1, 0): 0
  EXPECT_EQ(g.pixels[static_cast<size_t>(4 * 10 + 4)], 0);    // image 4 starts at (4, 4)
  EXPECT_EQ(tensor_to_image(Tensor::from_data({5, 1, 2, 2}, v), 1).width, 2);
}

TEST(TrainerSmoke, FashionMnistShortRun) {
  if (!fs::exists(kFashionMnistTrainImages)) GTEST_SKIP() << kFashionMnistTrainImages << " not installed";
  TrainerConfig c;
  c.dataset_limit = 256;
  set_config_value(c, "features_g", "8");
  set_config_value(c, "features_d", "8");
  set_config_value(c, "z_dim", "32");
  c.batch = 16;
  c.steps = 3;
  c.sample_count = 16;
  c.out_dir = temp_dir("fmnist");
  Trainer t(c);
  std::vector<StepStats> log;
  t.train([&](const StepStats& s) { log.push_back(s); });
  ASSERT_EQ(log.size(), 3u);
  for (const auto& s : log) EXPECT_TRUE(std::isfinite(s.loss_d) && std::isfinite(s.loss_g));
  EXPECT_TRUE(fs::exists(c.out_dir + "/samples/final.png"));
  EXPECT_TRUE(fs::exists(c.out_dir + "/checkpoint.safetensors"));
}

}  // namespace
}  // namespace gan::models
