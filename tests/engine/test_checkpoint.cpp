// Checkpoints: tensor round trips through safetensors, the file as io decodes it,
// bad files, failed saves that leave the old file intact, and module + optimizer
// state under prefixes resuming training bit-identically.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "gan/checkpoint.h"
#include "gan/io/safetensors.h"
#include "gan/nn/layers.h"
#include "gan/ops.h"
#include "gan/optim/adam.h"

namespace {

using gan::DType;
using gan::Options;
using gan::Tensor;
using testing::HasSubstr;
namespace fs = std::filesystem;

class CheckpointTest : public testing::Test {
 protected:
  void SetUp() override {
    const auto* info = testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::path(testing::TempDir()) / ("gan_ckpt_" + std::string(info->name()) + "_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  fs::path dir_;
};

gan::NamedTensors mixed() {
  gan::Generator gen(5);
  return {{"w32", Tensor::randn({2, 3}, gen)},
          {"w64", Tensor::randn({4}, gen, Options{DType::f64})},
          {"idx", Tensor::from_data({3}, std::vector<int64_t>{-1, 0, 1LL << 40})},
          {"scalar", Tensor::full({}, 7, Options{DType::i64})},
          {"empty", Tensor::zeros({0, 3})}};
}

std::string slurp(const std::string& p) {
  std::ifstream f(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

TEST_F(CheckpointTest, RoundTripMixedDtypesAndMetadata) {
  const auto ts = mixed();
  const std::map<std::string, std::string> meta = {{"step", "1200"}, {"config", "{\"lr\": 0.0002}"}};
  gan::save_tensors(path("a.safetensors"), ts, meta);
  const auto back = gan::load_tensors(path("a.safetensors"));
  EXPECT_EQ(back.metadata, meta);
  ASSERT_EQ(back.tensors.size(), ts.size());
  for (size_t i = 0; i < ts.size(); ++i) {
    EXPECT_EQ(back.tensors[i].first, ts[i].first);  // file order = given order
    const Tensor& a = ts[i].second;
    const Tensor& b = back.tensors[i].second;
    EXPECT_EQ(b.dtype(), a.dtype()) << ts[i].first;
    EXPECT_EQ(b.shape(), a.shape()) << ts[i].first;
    EXPECT_EQ(b.to_double_vector(), a.to_double_vector()) << ts[i].first;
  }
  EXPECT_EQ(back.at("idx").to_vector<int64_t>(), (std::vector<int64_t>{-1, 0, 1LL << 40}));
  EXPECT_THROW(back.at("nope"), gan::Error);
}

TEST_F(CheckpointTest, FileDecodesWithTheIoReader) {
  const auto ts = mixed();
  gan::save_tensors(path("a.safetensors"), ts, {{"k", "v"}});
  const auto f = gan::io::read_safetensors(path("a.safetensors"));
  EXPECT_EQ(f.order, (std::vector<std::string>{"w32", "w64", "idx", "scalar", "empty"}));
  EXPECT_EQ(f.tensors.at("w32").dtype, "F32");
  EXPECT_EQ(f.tensors.at("w32").shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(f.tensors.at("w64").dtype, "F64");
  EXPECT_EQ(f.tensors.at("idx").dtype, "I64");
  EXPECT_EQ(f.tensors.at("scalar").shape, std::vector<int64_t>{});
  EXPECT_EQ(f.tensors.at("empty").shape, (std::vector<int64_t>{0, 3}));
  const auto& raw = f.tensors.at("w32").bytes;
  ASSERT_EQ(raw.size(), 24u);
  EXPECT_EQ(std::memcmp(raw.data(), ts[0].second.raw_data(), 24), 0);
  EXPECT_EQ(f.metadata.at("k"), "v");
}

TEST_F(CheckpointTest, TruncatedFileNamesTheFile) {
  gan::save_tensors(path("a.safetensors"), mixed());
  const std::string bytes = slurp(path("a.safetensors"));
  {
    std::ofstream out(path("cut.safetensors"), std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size() - 5));
  }
  try {
    gan::load_tensors(path("cut.safetensors"));
    FAIL() << "expected an error";
  } catch (const std::exception& e) {
    EXPECT_THAT(e.what(), HasSubstr("cut.safetensors"));
  }
  EXPECT_THROW(gan::load_tensors(path("missing.safetensors")), gan::io::FormatError);
}

TEST_F(CheckpointTest, UnsupportedDtypeIsAnErrorNamingFileAndTensor) {
  const std::vector<uint16_t> half = {0x3c00, 0x4000};
  gan::io::write_safetensors(path("h.safetensors"), {{"half", "F16", {2}, half.data(), 4}});
  try {
    gan::load_tensors(path("h.safetensors"));
    FAIL() << "expected an error";
  } catch (const gan::Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("h.safetensors"));
    EXPECT_THAT(e.what(), HasSubstr("half"));
    EXPECT_THAT(e.what(), HasSubstr("F16"));
  }
}

TEST_F(CheckpointTest, OldFileSurvivesAFailedSave) {
  const std::string p = path("ckpt.safetensors");
  gan::save_tensors(p, mixed(), {{"step", "1"}});
  const std::string before = slurp(p);
  // The temp file cannot be created (its name is taken by a directory).
  fs::create_directory(p + ".tmp." + std::to_string(::getpid()));
  gan::Generator gen(1);
  const gan::NamedTensors other = {{"x", Tensor::randn({100}, gen)}};
  try {
    gan::save_tensors(p, other, {{"step", "2"}});
    FAIL() << "expected an error";
  } catch (const std::exception& e) {
    EXPECT_THAT(e.what(), HasSubstr("ckpt.safetensors"));
  }
  EXPECT_EQ(slurp(p), before);
  EXPECT_EQ(gan::load_tensors(p).metadata.at("step"), "1");
  fs::remove(p + ".tmp." + std::to_string(::getpid()));
  // Invalid input (duplicate names, undefined tensors) fails before touching the file.
  EXPECT_THROW(gan::save_tensors(p, {{"a", Tensor::zeros({1})}, {"a", Tensor::zeros({1})}}), gan::Error);
  EXPECT_THROW(gan::save_tensors(p, {{"a", Tensor()}}), gan::Error);
  EXPECT_EQ(slurp(p), before);
  // The target directory is gone: an error naming the path, nothing left behind.
  fs::remove_all(dir_ / "sub");
  EXPECT_THROW(gan::save_tensors(path("sub/ckpt.safetensors"), other), std::runtime_error);
  EXPECT_FALSE(fs::exists(dir_ / "sub"));
}

TEST_F(CheckpointTest, ModuleAndOptimizerStateResumeBitIdentically) {
  auto make = [](uint64_t seed) {
    gan::Generator gen(seed);
    auto m = std::make_shared<gan::nn::Sequential>();
    m->emplace_back<gan::nn::Linear>(3, 8, gen);
    m->emplace_back<gan::nn::LeakyReLU>(0.2);
    m->emplace_back<gan::nn::Linear>(8, 1, gen);
    return m;
  };
  gan::Generator data(99);
  std::vector<Tensor> xs;
  for (int i = 0; i < 6; ++i) xs.push_back(Tensor::randn({4, 3}, data));
  auto train = [&](gan::nn::Module& m, gan::optim::Optimizer& opt, int from, int to) {
    for (int i = from; i < to; ++i) {
      opt.zero_grad();
      gan::ops::mean(gan::ops::square(m(xs[i]))).backward();
      opt.step();
    }
  };
  const gan::optim::AdamOptions o{.lr = 0.01, .beta1 = 0.5};
  auto full = make(1);
  gan::optim::Adam opt_full(full->parameters(), o);
  train(*full, opt_full, 0, 6);

  auto first = make(1);
  gan::optim::Adam opt_first(first->parameters(), o);
  train(*first, opt_first, 0, 3);
  gan::NamedTensors all;
  gan::append_module_state(all, "G.", *first);
  gan::append_optimizer_state(all, "opt_G.", opt_first);
  gan::save_tensors(path("run.safetensors"), all, {{"step", "3"}});

  auto second = make(2);  // different initial weights: everything must come from the file
  gan::optim::Adam opt_second(second->parameters(), {.lr = 1.0});
  const auto ck = gan::load_tensors(path("run.safetensors"));
  EXPECT_TRUE(gan::find_tensor(ck.tensors, "G.0.weight").defined());
  EXPECT_TRUE(gan::find_tensor(ck.tensors, "opt_G.state.0.exp_avg").defined());
  gan::load_module_state(ck.tensors, "G.", *second);
  gan::load_optimizer_state(ck.tensors, "opt_G.", opt_second);
  EXPECT_DOUBLE_EQ(opt_second.lr(), 0.01);
  train(*second, opt_second, 3, 6);
  for (const auto& [n, p] : full->named_parameters())
    EXPECT_EQ(second->parameter(n).to_vector<float>(), p.to_vector<float>()) << n;

  // A checkpoint of another architecture: the error names the prefix and the key.
  auto wide = std::make_shared<gan::nn::Sequential>();
  gan::Generator gen(3);
  wide->emplace_back<gan::nn::Linear>(3, 9, gen);
  try {
    gan::load_module_state(ck.tensors, "G.", *wide);
    FAIL() << "expected an error";
  } catch (const gan::Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("G."));
    EXPECT_THAT(e.what(), HasSubstr("0.weight"));
    EXPECT_THAT(e.what(), HasSubstr("[8, 3]"));
    EXPECT_THAT(e.what(), HasSubstr("[9, 3]"));
  }
}

}  // namespace
