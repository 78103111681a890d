// Tensor: shared storage + shape + contiguous strides + dtype + device, with
// the autograd state (requires_grad, grad, grad_fn) of define-by-run autograd.
//
// Every tensor is dense and row-major. Views (reshape, flatten, unsqueeze,
// squeeze, narrow along dim 0) share storage with their base; every other
// layout change (permute, slice with step, ...) copies. A Tensor is a cheap
// handle: copying it shares the same TensorImpl.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include "gan/dtype.h"
#include "gan/error.h"

namespace gan {

using Shape = std::vector<int64_t>;
std::string shape_str(const Shape& s);  // "[2, 3, 4]"
int64_t shape_numel(const Shape& s);
Shape contiguous_strides(const Shape& s);

namespace autograd {
struct Node;
}

// Raw bytes on one device. CPU storage is 64-byte aligned.
class Storage {
 public:
  Storage(size_t nbytes, Device device);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  void* data() const { return data_; }
  size_t nbytes() const { return nbytes_; }
  Device device() const { return device_; }

 private:
  void* data_ = nullptr;
  size_t nbytes_ = 0;
  Device device_;
};

class Tensor;
using GradHook = std::function<Tensor(const Tensor&)>;  // may return an undefined Tensor = keep

struct TensorImpl {
  std::shared_ptr<Storage> storage;
  int64_t offset = 0;  // in elements
  Shape shape;
  Shape strides;       // always contiguous_strides(shape)
  DType dtype = DType::f32;

  // Autograd state.
  bool requires_grad = false;                   // leaf flag, or "has a grad_fn"
  std::shared_ptr<autograd::Node> grad_fn;      // null for leaves
  std::shared_ptr<TensorImpl> grad;             // accumulated .grad (leaves)
  std::vector<GradHook> hooks;                  // run on the gradient flowing into this tensor
  uint64_t version = 0;                         // bumped by in-place updates (optimizer steps)
};

struct Options {
  DType dtype = DType::f32;
  Device device = Device::cpu();
  Options& with(DType d) { dtype = d; return *this; }
  Options& with(Device d) { device = d; return *this; }
};

class Generator;

class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

  // ---- creation -------------------------------------------------------------
  static Tensor empty(const Shape& shape, Options opt = {});
  static Tensor zeros(const Shape& shape, Options opt = {});
  static Tensor ones(const Shape& shape, Options opt = {});
  static Tensor full(const Shape& shape, double value, Options opt = {});
  static Tensor scalar(double value, Options opt = {});  // shape []
  static Tensor arange(int64_t n, Options opt = {});      // 0 .. n-1
  static Tensor arange(double start, double end, double step, Options opt = {});
  static Tensor from_data(const Shape& shape, const std::vector<float>& v, Options opt = {});
  static Tensor from_data(const Shape& shape, const std::vector<double>& v, Options opt = {});
  static Tensor from_data(const Shape& shape, const std::vector<int64_t>& v, Options opt = {DType::i64});
  static Tensor randn(const Shape& shape, Generator& gen, Options opt = {});
  static Tensor rand(const Shape& shape, Generator& gen, double lo = 0, double hi = 1, Options opt = {});

  // ---- metadata -------------------------------------------------------------
  bool defined() const { return impl_ != nullptr; }
  const Shape& shape() const { return impl().shape; }
  const Shape& strides() const { return impl().strides; }
  int64_t dim() const { return static_cast<int64_t>(impl().shape.size()); }
  int64_t size(int64_t d) const;  // negative d counts from the end
  int64_t numel() const { return shape_numel(impl().shape); }
  DType dtype() const { return impl().dtype; }
  Device device() const { return impl().storage->device(); }
  size_t nbytes() const { return static_cast<size_t>(numel()) * dtype_size(dtype()); }
  std::string str() const;        // "Tensor[2, 3] f32 cpu"
  std::string to_string(int64_t max_elements = 64) const;  // values too

  // ---- data -----------------------------------------------------------------
  template <class T> T* data();
  template <class T> const T* data() const;
  void* raw_data() const;
  double item() const;  // one-element tensors
  template <class T> std::vector<T> to_vector() const;
  std::vector<double> to_double_vector() const;  // any dtype, CPU copy

  // ---- conversion and views ------------------------------------------------
  Tensor to(DType dt) const;      // differentiable between float types
  Tensor to(Device dev) const;
  Tensor clone() const;           // differentiable copy
  Tensor reshape(const Shape& shape) const;  // view; one -1 entry is inferred; differentiable
  Tensor view(const Shape& shape) const { return reshape(shape); }
  Tensor flatten(int64_t start_dim = 0, int64_t end_dim = -1) const;
  Tensor unsqueeze(int64_t dim) const;
  Tensor squeeze(int64_t dim) const;
  Tensor narrow0(int64_t start, int64_t length) const;  // view of rows [start, start+length) of dim 0; differentiable
  Tensor contiguous() const { return *this; }  // every tensor is contiguous

  // ---- autograd --------------------------------------------------------------
  bool requires_grad() const { return impl().requires_grad; }
  Tensor& requires_grad_(bool on = true);
  bool is_leaf() const { return impl().grad_fn == nullptr; }
  const std::shared_ptr<autograd::Node>& grad_fn() const { return impl().grad_fn; }
  Tensor grad() const;
  void set_grad(const Tensor& g);
  Tensor detach() const;  // shares storage, no history
  void backward(const Tensor& grad = {}, bool retain_graph = false, bool create_graph = false) const;
  void register_hook(GradHook hook);

  // ---- in-place (no autograd; optimizers and initializers, under no_grad) --
  Tensor& copy_(const Tensor& src);   // same shape; any dtype/device of src
  Tensor& fill_(double value);
  Tensor& zero_() { return fill_(0.0); }
  void bump_version() { ++impl().version; }
  uint64_t version() const { return impl().version; }

  // ---- identity ------------------------------------------------------------
  TensorImpl& impl() const {
    GAN_CHECK(impl_ != nullptr, "use of an undefined Tensor");
    return *impl_;
  }
  const std::shared_ptr<TensorImpl>& impl_ptr() const { return impl_; }
  bool is_same(const Tensor& o) const { return impl_ == o.impl_; }

 private:
  std::shared_ptr<TensorImpl> impl_;
};

std::ostream& operator<<(std::ostream& os, const Tensor& t);

// Throws gan::Error naming `op`, the tensor's role and its dtype if it is not `dt`.
void check_dtype(const char* op, const char* what, const Tensor& t, DType dt);
void check_defined(const char* op, const char* what, const Tensor& t);
// Same device and dtype for all inputs of one op; the message names the op and both shapes.
void check_same_device(const char* op, const Tensor& a, const Tensor& b);
void check_same_dtype(const char* op, const Tensor& a, const Tensor& b);
void check_float(const char* op, const Tensor& t);

namespace detail {
// memcpy between any two devices (host, a CUDA device or the emulator's).
void copy_bytes(Device dst_dev, void* dst, Device src_dev, const void* src, size_t bytes);
}  // namespace detail

}  // namespace gan
