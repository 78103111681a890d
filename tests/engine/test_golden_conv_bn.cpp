// Our engine ops against PyTorch's own numbers (issue #4, "independent
// numbers"): conv2d, conv_transpose2d and batch_norm, forward and backward, on
// the golden files of scripts/golden/gen_conv_bn.py (tests/golden/).
//
// For each file: the inputs and weights are loaded, our op runs on them (with
// the case's parameters from the file's metadata), y.backward(dy) with the
// file's dy, and y, dx, dw, db / dgamma, dbeta (and for batch norm the updated
// running statistics and the saved mean / invstd) are compared with PyTorch's:
//   f64 files: max|ours - torch| <= 1e-10 * max|torch|
//   f32 files: max|ours - torch| <= 1e-5  * max|torch|   (torch's own float32 results)
// Each comparison prints one table row ("golden <case> <dtype> <device> <tensor> err").
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <cstdio>
#include <functional>
#include <ostream>
#include <filesystem>
#include <string>
#include <vector>

#include "gan/autograd.h"
#include "gan/cuda/runtime.h"
#include "gan/io/safetensors.h"
#include "gan/kernels/igemm.h"
#include "gan/kernels/norm.h"
#include "gan/ops.h"
#include "golden_file.h"
#include "temp_dir_test.h"

namespace gan {
namespace {

using testing::GoldenError;
using testing::GoldenFile;

// Devices the golden comparisons run on: the CPU backend and the CUDA kernels
// (the SIMT emulator in the sim flavour; a CUDA entry skips where
// gan::cuda::available() is false). On CUDA the f32 files run twice: with
// exact FP32 math (tolerance 1e-5, as on the CPU) and with TF32 tensor cores
// (the default; 1e-2: inputs rounded to 10 mantissa bits).
const std::vector<Device> kGoldenDevices = {Device::cpu(), Device::cuda(0)};

// The cases of scripts/golden/gen_conv_bn.py (CASES), each with an f64 and an f32 file.
const char* const kGoldenCases[] = {
    "conv2d_k4s2p1",    "conv2d_k3p1_bias", "conv2d_1x1",       "conv2d_g2_d2",
    "convT_k4s2p1_op1", "convT_1x1_to_4x4", "batch_norm_train", "batch_norm_eval",
};

struct Row {
  std::string tensor;
  double err;
};

std::array<int64_t, 2> pair_of(const GoldenFile& f, const std::string& key) {
  const std::vector<int64_t> v = f.meta_ints(key);
  if (v.size() != 2) throw GoldenError(f.path() + ": metadata '" + key + "' = '" + f.meta(key) + "' is not 2 integers");
  return {v[0], v[1]};
}

// An input as a leaf on `dev` that requires grad.
Tensor leaf(const GoldenFile& f, const std::string& name, DType dt, Device dev) {
  Tensor t = f.tensor(name, dt).to(dev).detach();
  t.requires_grad_();
  return t;
}

std::vector<Row> run_conv(const GoldenFile& f, DType dt, Device dev) {
  const std::string op = f.meta("op");
  const bool has_bias = f.meta_bool("bias");
  Tensor x = leaf(f, "x", dt, dev), w = leaf(f, "w", dt, dev);
  Tensor b = has_bias ? leaf(f, "b", dt, dev) : Tensor();
  Tensor y;
  if (op == "conv2d") {
    ops::Conv2dOptions o;
    o.stride = pair_of(f, "stride");
    o.padding = pair_of(f, "padding");
    o.dilation = pair_of(f, "dilation");
    o.groups = f.meta_ints("groups").at(0);
    y = ops::conv2d(x, w, b, o);
  } else {
    ops::ConvTranspose2dOptions o;
    o.stride = pair_of(f, "stride");
    o.padding = pair_of(f, "padding");
    o.output_padding = pair_of(f, "output_padding");
    o.dilation = pair_of(f, "dilation");
    o.groups = f.meta_ints("groups").at(0);
    y = ops::conv_transpose2d(x, w, b, o);
  }
  std::vector<Row> rows;
  rows.push_back({"y", testing::golden_rel_error(y, f.tensor("y", dt), f.path() + " y")});
  y.backward(f.tensor("dy", dt).to(dev));
  rows.push_back({"dx", testing::golden_rel_error(x.grad(), f.tensor("dx", dt), f.path() + " dx")});
  rows.push_back({"dw", testing::golden_rel_error(w.grad(), f.tensor("dw", dt), f.path() + " dw")});
  if (has_bias) rows.push_back({"db", testing::golden_rel_error(b.grad(), f.tensor("db", dt), f.path() + " db")});
  return rows;
}

// The saved statistics of the training forward are not visible through the
// engine op, so they are checked on the CPU kernel the op calls.
template <class T>
std::vector<Row> saved_stats_rows(const GoldenFile& f, DType dt) {
  const Tensor x = f.tensor("x", dt), gamma = f.tensor("gamma", dt), beta = f.tensor("beta", dt);
  kernels::BatchNormParams p;
  p.n = x.size(0);
  p.c = x.size(1);
  p.hw = x.numel() / (p.n * p.c);
  p.eps = f.meta_double("eps");
  p.momentum = f.meta_double("momentum");
  Tensor y = Tensor::full(x.shape(), NAN, {dt}), mean = Tensor::full({p.c}, NAN, {dt}),
         invstd = Tensor::full({p.c}, NAN, {dt});
  kernels::cpu::batch_norm_train_fprop<T>(p, x.data<T>(), gamma.data<T>(), beta.data<T>(), y.data<T>(),
                                          mean.data<T>(), invstd.data<T>(), nullptr, nullptr);
  return {{"save_mean (cpu kernel)", testing::golden_rel_error(mean, f.tensor("save_mean", dt), f.path() + " save_mean")},
          {"save_invstd (cpu kernel)",
           testing::golden_rel_error(invstd, f.tensor("save_invstd", dt), f.path() + " save_invstd")}};
}

std::vector<Row> run_batch_norm(const GoldenFile& f, DType dt, Device dev) {
  const bool training = f.meta_bool("training");
  Tensor x = leaf(f, "x", dt, dev), gamma = leaf(f, "gamma", dt, dev), beta = leaf(f, "beta", dt, dev);
  Tensor rm = f.tensor("running_mean", dt).to(dev), rv = f.tensor("running_var", dt).to(dev);
  Tensor y = ops::batch_norm(x, gamma, beta, rm, rv, training, f.meta_double("momentum"), f.meta_double("eps"));
  std::vector<Row> rows;
  rows.push_back({"y", testing::golden_rel_error(y, f.tensor("y", dt), f.path() + " y")});
  rows.push_back({"running_mean", testing::golden_rel_error(rm, f.tensor("running_mean_out", dt),
                                                            f.path() + " running_mean_out")});
  rows.push_back({"running_var", testing::golden_rel_error(rv, f.tensor("running_var_out", dt),
                                                           f.path() + " running_var_out")});
  y.backward(f.tensor("dy", dt).to(dev));
  rows.push_back({"dx", testing::golden_rel_error(x.grad(), f.tensor("dx", dt), f.path() + " dx")});
  rows.push_back({"dgamma", testing::golden_rel_error(gamma.grad(), f.tensor("dgamma", dt), f.path() + " dgamma")});
  rows.push_back({"dbeta", testing::golden_rel_error(beta.grad(), f.tensor("dbeta", dt), f.path() + " dbeta")});
  if (training && !dev.is_cuda()) {
    const auto s = dt == DType::f64 ? saved_stats_rows<double>(f, dt) : saved_stats_rows<float>(f, dt);
    rows.insert(rows.end(), s.begin(), s.end());
  }
  return rows;
}

// Runs the golden file at `path` on `dev`; every problem (file, shapes, an
// engine error) is a GoldenError naming the file.
std::vector<Row> run_golden(const std::string& path, Device dev) {
  const GoldenFile f(path);
  const std::string dtype = f.meta("dtype");
  if (dtype != "f64" && dtype != "f32") throw GoldenError(path + ": metadata 'dtype' = '" + dtype + "'");
  const DType dt = dtype == "f64" ? DType::f64 : DType::f32;
  const std::string op = f.meta("op");
  try {
    if (op == "conv2d" || op == "conv_transpose2d") return run_conv(f, dt, dev);
    if (op == "batch_norm") return run_batch_norm(f, dt, dev);
  } catch (const Error& e) {
    throw GoldenError(path + ": our op failed: " + e.what());
  }
  throw GoldenError(path + ": unknown op '" + op + "'");
}

struct GoldenParam {
  std::string name;  // "conv2d_k4s2p1_f64"
  Device device;
  bool tf32 = false;  // CUDA f32 with TF32 tensor cores
};

void PrintTo(const GoldenParam& p, std::ostream* os) {
  *os << p.name << (p.device.is_cuda() ? (p.tf32 ? " on cuda tf32" : " on cuda") : " on cpu");
}

// The process-wide CUDA float math for one test.
class MathScope {
 public:
  explicit MathScope(bool tf32) {
#if defined(GAN_HAS_CUDA_KERNELS)
    saved_ = kernels::cuda::allow_tf32();
    kernels::cuda::set_allow_tf32(tf32);
#else
    (void)tf32;
#endif
  }
  ~MathScope() {
#if defined(GAN_HAS_CUDA_KERNELS)
    kernels::cuda::set_allow_tf32(saved_);
#endif
  }
  MathScope(const MathScope&) = delete;
  MathScope& operator=(const MathScope&) = delete;

 private:
  bool saved_ = true;
};

class GoldenConvBn : public ::testing::TestWithParam<GoldenParam> {};

TEST_P(GoldenConvBn, MatchesPyTorch) {
  const GoldenParam& p = GetParam();
  if (p.device.is_cuda() && !cuda::available())
    GTEST_SKIP() << "no CUDA device (backend '" << cuda::backend_name() << "')";
  const bool f64 = p.name.ends_with("_f64");
  const double tol = f64 ? 1e-10 : p.tf32 ? 1e-2 : 1e-5;
  MathScope math(p.tf32);
  const std::string path = testing::golden_dir() + "/" + p.name + ".safetensors";
  std::vector<Row> rows;
  try {
    rows = run_golden(path, p.device);
  } catch (const GoldenError& e) {
    FAIL() << e.what();
  }
  ASSERT_FALSE(rows.empty());
  for (const Row& r : rows) {
    std::printf("golden %-18s %-4s %-9s %-24s max|d|/max|ref| %.2e (tol %.0e)\n", p.name.substr(0, p.name.size() - 4).c_str(),
                f64 ? "f64" : "f32", p.device.is_cuda() ? (p.tf32 ? "cuda tf32" : "cuda") : "cpu", r.tensor.c_str(),
                r.err, tol);
    EXPECT_TRUE(r.err <= tol) << p.name << " " << r.tensor << ": max rel error " << r.err << " > " << tol;
  }
}

std::vector<GoldenParam> golden_params() {
  std::vector<GoldenParam> v;
  for (const Device& d : kGoldenDevices)
    for (const char* c : kGoldenCases) {
      v.push_back({std::string(c) + "_f64", d});
      v.push_back({std::string(c) + "_f32", d});
      if (d.is_cuda()) v.push_back({std::string(c) + "_f32", d, true});
    }
  return v;
}

INSTANTIATE_TEST_SUITE_P(Files, GoldenConvBn, ::testing::ValuesIn(golden_params()),
                         [](const ::testing::TestParamInfo<GoldenParam>& i) {
                           return i.param.name + (i.param.device.is_cuda() ? (i.param.tf32 ? "_cuda_tf32" : "_cuda") : "_cpu");
                         });

// ---- a wrong file fails with a message, never a crash ---------------------------

class GoldenFileErrors : public testing::TempDirTest {
 protected:
  // A copy of a real golden file with `edit` applied to its tensors.
  std::string tampered(const std::string& name, const std::function<void(io::SafetensorsFile&)>& edit) {
    io::SafetensorsFile f = io::read_safetensors(testing::golden_dir() + "/" + name + ".safetensors");
    edit(f);
    std::vector<io::TensorView> views;
    for (const std::string& n : f.order) {
      if (!f.tensors.count(n)) continue;
      const io::TensorData& t = f.tensors.at(n);
      views.push_back({n, t.dtype, t.shape, t.bytes.data(), t.bytes.size()});
    }
    const std::string out = path(name + ".safetensors");
    io::write_safetensors(out, views, f.metadata);
    return out;
  }
  std::string error_of(const std::string& file) {
    try {
      run_golden(file, Device::cpu());
    } catch (const GoldenError& e) {
      return e.what();
    }
    return "(no GoldenError)";
  }
};

TEST_F(GoldenFileErrors, UntouchedCopyPasses) {
  const std::string file = tampered("conv2d_k4s2p1_f64", [](io::SafetensorsFile&) {});
  for (const Row& r : run_golden(file, Device::cpu())) EXPECT_LE(r.err, 1e-10) << r.tensor;
}

TEST_F(GoldenFileErrors, PerturbedReferenceIsDetected) {
  // One element of dx moved by 1e-9 of the largest |dx|: above the f64 tolerance.
  const std::string file = tampered("conv2d_k4s2p1_f64", [](io::SafetensorsFile& f) {
    io::TensorData& dx = f.tensors.at("dx");
    std::vector<double> v(dx.bytes.size() / sizeof(double));
    std::memcpy(v.data(), dx.bytes.data(), dx.bytes.size());
    double scale = 0;
    for (double e : v) scale = std::max(scale, std::fabs(e));
    v[7] += 1e-9 * scale;
    std::memcpy(dx.bytes.data(), v.data(), dx.bytes.size());
  });
  for (const Row& r : run_golden(file, Device::cpu())) {
    if (r.tensor == "dx") {
      EXPECT_GT(r.err, 1e-10);
    } else {
      EXPECT_LE(r.err, 1e-10) << r.tensor;
    }
  }
}

TEST_F(GoldenFileErrors, MissingTensorIsNamed) {
  const std::string file = tampered("conv2d_k4s2p1_f64", [](io::SafetensorsFile& f) { f.tensors.erase("dw"); });
  EXPECT_THAT(error_of(file), ::testing::HasSubstr("missing tensor 'dw'"));
}

TEST_F(GoldenFileErrors, WrongShapeOfAReferenceIsNamed) {
  const std::string file = tampered("conv2d_k4s2p1_f64", [](io::SafetensorsFile& f) {
    f.tensors.at("y").shape = {2, 5, 16};  // same element count, other shape
  });
  EXPECT_THAT(error_of(file), ::testing::HasSubstr("y: shape [2, 5, 4, 4] from our op, [2, 5, 16] in the golden file"));
}

TEST_F(GoldenFileErrors, WrongShapeOfAnInputIsAnOpError) {
  const std::string file = tampered("conv2d_k4s2p1_f32", [](io::SafetensorsFile& f) {
    f.tensors.at("w").shape = {5, 6, 4, 2};  // C_in/groups 6 does not match x's 3 channels
  });
  const std::string e = error_of(file);
  EXPECT_THAT(e, ::testing::HasSubstr("our op failed"));
  EXPECT_THAT(e, ::testing::HasSubstr("conv2d"));
}

TEST_F(GoldenFileErrors, WrongDtypeAndMissingMetadataAreNamed) {
  const std::string f1 = tampered("batch_norm_train_f32", [](io::SafetensorsFile& f) {
    f.metadata["dtype"] = "f64";  // the tensors are F32
  });
  EXPECT_THAT(error_of(f1), ::testing::HasSubstr("has dtype F32, expected F64"));
  const std::string f2 = tampered("batch_norm_eval_f32", [](io::SafetensorsFile& f) { f.metadata.erase("momentum"); });
  EXPECT_THAT(error_of(f2), ::testing::HasSubstr("missing metadata key 'momentum'"));
}

TEST_F(GoldenFileErrors, UnreadableFileIsNamed) {
  EXPECT_THAT(error_of(path("absent.safetensors")), ::testing::HasSubstr("absent.safetensors"));
  std::FILE* f = std::fopen(path("short.safetensors").c_str(), "wb");
  ASSERT_NE(f, nullptr);
  std::fputs("abc", f);
  std::fclose(f);
  EXPECT_THAT(error_of(path("short.safetensors")), ::testing::HasSubstr("short.safetensors"));
}

}  // namespace
}  // namespace gan
