// Golden files: PyTorch's numbers for an op, stored as safetensors
// (tests/golden/*.safetensors, written by scripts/golden/gen_conv_bn.py), read
// with our own gan/io/safetensors.h reader.
//
// Every problem with a file (unreadable, missing tensor or metadata key, wrong
// dtype, a shape that differs from what our op produced) is a GoldenError whose
// message names the file and the tensor, so a test reports it as a failure
// instead of crashing or comparing garbage.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "gan/io/safetensors.h"
#include "gan/tensor.h"

namespace gan::testing {

class GoldenError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The folder of the golden files: $GAN_GOLDEN_DIR, else the source tree's
// tests/golden (GAN_TEST_GOLDEN_DIR, set by tests/CMakeLists.txt).
inline std::string golden_dir() {
  if (const char* d = std::getenv("GAN_GOLDEN_DIR")) return d;
#ifdef GAN_TEST_GOLDEN_DIR
  return GAN_TEST_GOLDEN_DIR;
#else
  return "tests/golden";
#endif
}

class GoldenFile {
 public:
  explicit GoldenFile(std::string path) : path_(std::move(path)) {
    try {
      file_ = io::read_safetensors(path_);
    } catch (const std::exception& e) {
      throw GoldenError("golden file " + path_ + ": " + e.what());
    }
  }

  const std::string& path() const { return path_; }
  bool has(const std::string& name) const { return file_.tensors.count(name) != 0; }

  const std::string& meta(const std::string& key) const {
    const auto it = file_.metadata.find(key);
    if (it == file_.metadata.end()) throw GoldenError(path_ + ": missing metadata key '" + key + "'");
    return it->second;
  }
  // "2,1" -> {2, 1}
  std::vector<int64_t> meta_ints(const std::string& key) const {
    std::vector<int64_t> v;
    const std::string& s = meta(key);
    size_t pos = 0;
    while (pos <= s.size()) {
      const size_t end = std::min(s.find(',', pos), s.size());
      try {
        v.push_back(std::stoll(s.substr(pos, end - pos)));
      } catch (const std::exception&) {
        throw GoldenError(path_ + ": metadata '" + key + "' = '" + s + "' is not a list of integers");
      }
      pos = end + 1;
    }
    return v;
  }
  double meta_double(const std::string& key) const {
    try {
      return std::stod(meta(key));
    } catch (const std::invalid_argument&) {
      throw GoldenError(path_ + ": metadata '" + key + "' = '" + meta(key) + "' is not a number");
    }
  }
  bool meta_bool(const std::string& key) const {
    const std::string& s = meta(key);
    if (s != "true" && s != "false") throw GoldenError(path_ + ": metadata '" + key + "' = '" + s + "' is not true/false");
    return s == "true";
  }

  // The stored tensor as a CPU Tensor of `dtype` (F64 -> f64, F32 -> f32; no conversion).
  Tensor tensor(const std::string& name, DType dtype) const {
    const auto it = file_.tensors.find(name);
    if (it == file_.tensors.end()) throw GoldenError(path_ + ": missing tensor '" + name + "'");
    const io::TensorData& t = it->second;
    const std::string want = dtype == DType::f64 ? "F64" : dtype == DType::f32 ? "F32" : "?";
    if (t.dtype != want)
      throw GoldenError(path_ + ": tensor '" + name + "' has dtype " + t.dtype + ", expected " + want);
    if (dtype == DType::f64) return Tensor::from_data(t.shape, copy_out<double>(t), {DType::f64});
    return Tensor::from_data(t.shape, copy_out<float>(t), {DType::f32});
  }

 private:
  template <class T>
  static std::vector<T> copy_out(const io::TensorData& t) {
    std::vector<T> v(t.bytes.size() / sizeof(T));
    if (!v.empty()) std::memcpy(v.data(), t.bytes.data(), v.size() * sizeof(T));
    return v;
  }

  std::string path_;
  io::SafetensorsFile file_;
};

// max |ours - ref| / max |ref| (max |ref| = 0: the absolute error). Any NaN
// gives NaN, which fails every `err <= tol`. Shapes must be equal (GoldenError).
inline double golden_rel_error(const Tensor& ours, const Tensor& ref, const std::string& what) {
  if (!ours.defined()) throw GoldenError(what + ": our op produced no tensor (no gradient?)");
  if (ours.shape() != ref.shape())
    throw GoldenError(what + ": shape " + shape_str(ours.shape()) + " from our op, " + shape_str(ref.shape()) +
                      " in the golden file");
  const std::vector<double> a = ours.to(Device::cpu()).to_double_vector(), b = ref.to_double_vector();
  double err = 0, scale = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    const double d = std::fabs(a[i] - b[i]);
    if (std::isnan(d)) return NAN;
    err = std::max(err, d);
    scale = std::max(scale, std::fabs(b[i]));
  }
  return scale > 0 ? err / scale : err;
}

}  // namespace gan::testing
