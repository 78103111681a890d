// The table of GAN systems (ggml's test-backend-ops idea): one row per
// registered system, and every row runs the same checks —
//   a few steps on a small labelled subset: every logged number finite;
//   2N steps = N + resume + N, bit for bit, on the CPU;
//   the checkpoint round trip: load_trained_generator's G gives the trainer's
//   samples; sample (a class for conditional systems, a code value for
//   InfoGAN) and interpolate work;
//   two steps on the CUDA backend (the SIMT emulator in the sim flavour)
//   match the CPU (skipped without a CUDA backend).
// A new system is a new row; a registered system without a row fails.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <functional>
#include <set>

#include "gan/autograd.h"
#include "gan/checkpoint.h"
#include "gan/cuda/runtime.h"
#include "gan/models/registry.h"
#include "gan/models/toy2d.h"
#include "gan/models/trained.h"
#include "gan/models/trainer.h"
#include "gan/ops.h"
#include "system_test_util.h"

#if defined(GAN_HAS_CUDA_KERNELS)
#include "gan/kernels/igemm.h"
#endif

namespace gan::models {
namespace {

namespace fs = std::filesystem;

struct Row {
  const char* system;
  std::function<void(TrainerConfig&)> setup;  // the row's own keys, after the shared tiny ones
  std::function<std::shared_ptr<const Dataset>(int64_t n)> data = [](int64_t n) { return testing::labelled_images(n); };
  bool tanh_output = true;                     // samples in [-1, 1]
  const char* variant = "";                    // a second row of one system (other nets or data)
};

// gtest names a row by its system and variant (not by its bytes).
std::string row_name(const Row& r) { return std::string(r.system) + (*r.variant ? "_" : "") + r.variant; }
void PrintTo(const Row& r, std::ostream* os) { *os << row_name(r); }

// n points of a 2-D mixture as [n, 2, 1, 1], unlabelled.
std::shared_ptr<const Dataset> mixture_points(const std::string& dataset, int64_t n) {
  auto d = std::make_shared<Dataset>();
  Generator gen(5);
  d->images = mixture_dataset_points(training_mixture(dataset), n, gen);
  d->source = dataset;
  return d;
}
std::shared_ptr<const Dataset> ring_points(int64_t n) { return mixture_points("mixture:ring8", n); }
std::shared_ptr<const Dataset> grid_points(int64_t n) { return mixture_points("mixture:grid25", n); }

std::shared_ptr<const Dataset> testing_images(int64_t n) { return testing::labelled_images(n); }

// The keys of a row on the 2-D nets.
void on_points(TrainerConfig& c, const char* system) {
  c.image_size = 1;
  c.channels = 2;
  set_config_value(c, std::string(system) + ".eval_samples", "64");
}

const std::vector<Row>& rows() {
  static const std::vector<Row> r = {
      {"dcgan", [](TrainerConfig&) {}},
      {"cgan", [](TrainerConfig&) {}},
      {"acgan", [](TrainerConfig& c) { set_config_value(c, "acgan.class_weight", "0.5"); }},
      {"projection", [](TrainerConfig& c) { c.loss = LossKind::hinge; }},
      {"sngan", [](TrainerConfig& c) { c.loss = LossKind::hinge; }},
      {"sagan",
       [](TrainerConfig& c) {
         c.loss = LossKind::hinge;
         // 28x28: attention after G's 2f x 14 x 14 stage and D's 2f x 14 x 14 one (8 channels: C/8 = 1).
         set_config_value(c, "features_g", "4");
         set_config_value(c, "features_d", "4");
         set_config_value(c, "sagan.attention_at", "14");
       }},
      {"biggan",
       [](TrainerConfig& c) {
         c.loss = LossKind::hinge;
         c.n_critic = 2;
         // 28x28: 3 chunks of z (2 CBN stages + the first conv); attention after G's
         // 2f x 14 x 14 stage and D's first (8 channels: C/8 = 1 key channel).
         set_config_value(c, "z_dim", "9");
         set_config_value(c, "features_g", "4");
         set_config_value(c, "features_d", "4");
         set_config_value(c, "biggan.shared_dim", "4");
         set_config_value(c, "biggan.attention_at", "14");
       }},
      {"progan",
       [](TrainerConfig& c) {
         c.loss = LossKind::wasserstein;
         // 16x16: stages 4, 8, 16 (widths 8, 4, 2); stable 1, fade 2: step 0 is 4x4, steps 1 and 2
         // the 8x8 fade (alpha 0, 0.5: the resume at step 2 lands in it), step 3 8x8.
         c.image_size = 16;
         c.minibatch_stddev = 4;
         set_config_value(c, "progan.stable_steps", "1");
         set_config_value(c, "progan.fade_steps", "2");
       },
       [](int64_t n) { return testing::labelled_images(n, 10, 16); }, false},
      {"sgan",
       [](TrainerConfig& c) {
         c.labels_per_class = 2;
         set_config_value(c, "sgan.labelled_batch", "8");
       }},
      {"wgan",
       [](TrainerConfig& c) {
         c.loss = LossKind::wasserstein;
         c.n_critic = 2;
         c.optimizer = "rmsprop";
       }},
      {"wgan-gp",
       [](TrainerConfig& c) {
         c.loss = LossKind::wasserstein;
         c.n_critic = 2;
       }},
      {"lsgan", [](TrainerConfig& c) { c.loss = LossKind::least_squares; }},
      {"hinge", [](TrainerConfig& c) { c.loss = LossKind::hinge; }},
      {"infogan", [](TrainerConfig& c) { set_config_value(c, "infogan.learn_std", "true"); }},
      {"ssgan", [](TrainerConfig& c) { set_config_value(c, "ssgan.rotation_weight_g", "0.5"); }},
      {"mlp2d", [](TrainerConfig& c) { on_points(c, "mlp2d"); }, ring_points, false},
      {"mlp2d",
       [](TrainerConfig& c) {
         on_points(c, "mlp2d");
         set_config_value(c, "mlp2d.mixture", "grid25");
       },
       grid_points, false, "grid25"},
      {"r3gan", [](TrainerConfig& c) { set_config_value(c, "r3gan.gamma", "2"); }},
      {"r3gan", [](TrainerConfig& c) { on_points(c, "r3gan"); }, ring_points, false, "points"},
      // Linear output (no tanh), as the paper's; R1 on steps 0 and 2 (the resumed half has one).
      {"stylegan", [](TrainerConfig& c) { set_config_value(c, "stylegan.r1_every", "2"); }, testing_images, false},
      {"stylegan",
       [](TrainerConfig& c) {
         set_config_value(c, "stylegan.r1_every", "2");
         set_config_value(c, "stylegan.modulation", "demod");
       },
       testing_images, false, "demod"},
      {"spheregan", [](TrainerConfig& c) { c.loss = LossKind::wasserstein; }},
      {"spheregan",
       [](TrainerConfig& c) {
         c.loss = LossKind::wasserstein;
         on_points(c, "spheregan");
       },
       ring_points, false, "points"},
  };
  return r;
}

std::string temp_dir(const std::string& tag) {
  return ::testing::TempDir() + "/gan_systems_" + std::to_string(::getpid()) + "_" + tag;
}

TrainerConfig tiny(const Row& row, const std::string& tag) {
  TrainerConfig c;
  set_config_value(c, "system", row.system);
  set_config_value(c, "z_dim", "8");
  if (c.system_options.has("features_g")) {
    set_config_value(c, "features_g", "2");
    set_config_value(c, "features_d", "2");
  }
  c.dataset = "synthetic";
  c.batch = 8;
  c.sample_count = 4;
  c.checkpoint_every = 3;
  c.sample_every = 3;
  c.eval_every = 0;
  c.seed = 11;
  c.out_dir = temp_dir(row_name(row) + "_" + tag);
  row.setup(c);
  return c;
}

// Every number a step reports, in order.
std::vector<double> numbers(const StepStats& s) {
  std::vector<double> v = {s.loss_d, s.loss_g, s.penalty, s.d_real, s.d_fake, s.grad_norm_d, s.grad_norm_g};
  for (const auto& [name, x] : s.scalars) v.push_back(x);
  return v;
}

class Systems : public ::testing::TestWithParam<Row> {};

TEST(SystemsTable, EveryRegisteredSystemHasARow) {
  std::set<std::string> in_table;
  for (const Row& r : rows()) in_table.insert(r.system);
  for (const SystemInfo& s : systems()) EXPECT_TRUE(in_table.count(s.name)) << "system '" << s.name << "' has no test row";
  EXPECT_EQ(in_table.size(), systems().size());
}

TEST_P(Systems, TrainsResumesExactlyAndSamples) {
  const Row& row = GetParam();
  const auto data = row.data(40);
  // Uninterrupted: 4 steps.
  TrainerConfig ca = tiny(row, "a");
  ca.steps = 4;
  std::vector<double> a;
  Trainer ta(ca, data);
  ta.train([&](const StepStats& s) {
    for (double x : numbers(s)) ASSERT_TRUE(std::isfinite(x)) << row.system << " step " << s.step;
    if (s.step > 2) for (double x : numbers(s)) a.push_back(x);
  });
  // 2 steps, a fresh Trainer resumes and runs 2 more.
  TrainerConfig cb = tiny(row, "b");
  cb.steps = 2;
  cb.checkpoint_every = 2;
  { Trainer tb(cb, data); tb.train(); }
  cb.steps = 4;
  Trainer tb2(cb, data);
  tb2.resume(tb2.checkpoint_path());
  std::vector<double> b;
  tb2.train([&](const StepStats& s) { for (double x : numbers(s)) b.push_back(x); });
  ASSERT_EQ(a.size(), b.size());
  ASSERT_FALSE(a.empty());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i], b[i]) << row.system << ": number " << i;
  const TensorFile fa = load_tensors(ta.checkpoint_path()), fb = load_tensors(tb2.checkpoint_path());
  ASSERT_EQ(fa.tensors.size(), fb.tensors.size());
  for (size_t i = 0; i < fa.tensors.size(); ++i)
    EXPECT_EQ(fa.tensors[i].second.to_double_vector(), fb.tensors[i].second.to_double_vector())
        << row.system << ": " << fa.tensors[i].first;

  // Checkpoint round trip: the loaded G draws what the trainer's sampling G draws.
  const TrainedGenerator t = load_trained_generator(ta.checkpoint_path());
  EXPECT_EQ(t.config.system, row.system);
  EXPECT_EQ(t.step, 4);
  EXPECT_EQ(t.num_classes, data->num_classes);
  {
    NoGradGuard ng;
    EXPECT_EQ(t.generate(ta.fixed_latent()).to_double_vector(),
              ta.system().generate(ta.sampling_generator(), ta.fixed_latent()).to_double_vector());
  }
  // Sampling: a class for conditional systems (a value of InfoGAN's
  // categorical code: latent_classes), a batch of the right shape.
  Generator gen(3);
  const int64_t k = t.system->latent_classes();
  const Latent l = k > 0 ? t.sample_latent(5, gen, 7 % k) : t.sample_latent(5, gen);
  if (t.conditional()) {
    ASSERT_TRUE(l.y.defined());
    for (double y : l.y.to_double_vector()) EXPECT_EQ(y, 7.0);
  }
  if (k > 0) EXPECT_THROW(t.sample_latent(1, gen, k), Error);
  else EXPECT_THROW(t.sample_latent(1, gen, 0), Error);
  const Tensor img = t.generate(l);
  EXPECT_EQ(img.shape(), (Shape{5, data->channels(), data->height(), data->width()}));
  for (double v : img.to_double_vector()) ASSERT_TRUE(std::isfinite(v) && (!row.tanh_output || std::abs(v) <= 1.0));
  EXPECT_TRUE(fs::exists(ca.out_dir + "/samples/final.png"));
  fs::remove_all(ca.out_dir);
  fs::remove_all(cb.out_dir);
}

// Two steps on the CUDA backend against the CPU, with exact FP32 math (the
// backends then differ in summation order only; see test_trainer_device.cpp
// for why Adam bounds the parameter differences by steps x 2 lr).
TEST_P(Systems, TwoStepsOnCudaMatchCpu) {
  if (!cuda::available()) GTEST_SKIP() << "no CUDA device in this build (" << cuda::backend_name() << ")";
#if defined(GAN_HAS_CUDA_KERNELS)
  const bool saved = kernels::cuda::allow_tf32();
  kernels::cuda::set_allow_tf32(false);
#endif
  const Row& row = GetParam();
  const auto data = row.data(24);
  TrainerConfig cc = tiny(row, "cpu"), cd = tiny(row, "cuda");
  cc.checkpoint_every = cc.sample_every = cd.checkpoint_every = cd.sample_every = 0;
  cd.device = "cuda";
  Trainer cpu(cc, data), dev(cd, data);
  for (int s = 0; s < 2; ++s) {
    const std::vector<double> a = numbers(cpu.step());
    const uint64_t copies = cuda::device_to_host_copies(), uploads = cuda::host_to_device_copies();
    const std::vector<double> b = numbers(dev.step());
    // One read back per step (models/src/step_readback.h): a system that
    // item()s its scalars stalls the GPU once per read. The first step may read
    // what it sets up (spectral norm's u, ProGAN's stage).
    // Uploads: the batch of each critic step (images, and labels when the
    // system reads them) and SGAN's labelled batch; no draws (made on the
    // device from the counter-based stream) and no constant tables (one-hot identities,
    // index ramps, targets: made on the device), since an upload from pageable
    // memory also waits for the device's queued work.
    if (s == 1) {
      EXPECT_EQ(cuda::device_to_host_copies() - copies, 1u) << row_name(row) << ": device reads in a step";
      const std::string sys = row.system;
      const uint64_t per_batch = data->labels.defined() && dev.system().reads_batch_labels() ? 2 : 1;
      const uint64_t drawn = sys == "sgan" ? 2 : 0;
      EXPECT_EQ(cuda::host_to_device_copies() - uploads, per_batch * static_cast<uint64_t>(cd.n_critic) + drawn)
          << row_name(row) << ": uploads in a step";
    }
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i)
      EXPECT_NEAR(b[i], a[i], 1e-4 * std::max(1.0, std::abs(a[i]))) << row.system << " step " << s + 1 << " number " << i;
  }
  testing::ParamDiff d;
  testing::compare_params(d, cpu.generator().parameters(), dev.generator().parameters());
  testing::compare_params(d, cpu.discriminator().parameters(), dev.discriminator().parameters());
  EXPECT_LE(d.max_abs, 2 * 2 * 2e-4 + 1e-5) << row.system;
  EXPECT_LE(d.sum_abs / static_cast<double>(d.total), 1e-7) << row.system;
#if defined(GAN_HAS_CUDA_KERNELS)
  kernels::cuda::set_allow_tf32(saved);
#endif
  fs::remove_all(cc.out_dir);
  fs::remove_all(cd.out_dir);
}

INSTANTIATE_TEST_SUITE_P(Table, Systems, ::testing::ValuesIn(rows()),
                         [](const ::testing::TestParamInfo<Row>& i) {
                           std::string n = row_name(i.param);
                           std::replace(n.begin(), n.end(), '-', '_');  // gtest names: [A-Za-z0-9_]
                           return n;
                         });

}  // namespace
}  // namespace gan::models
