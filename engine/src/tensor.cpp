// Tensor: creation, metadata, views and conversions.
#include "gan/tensor.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <iomanip>
#include <limits>
#include <ostream>
#include <sstream>

#include "gan/autograd.h"
#include "gan/cuda/caching_allocator.h"
#include "gan/cuda/runtime.h"
#include "gan/dispatch.h"
#include "gan/kernels/elementwise.h"
#include "gan/kernels/rng.h"
#include "gan/ops.h"
#include "cpu_heap.h"

namespace gan {

// ---- shapes --------------------------------------------------------------------

std::string shape_str(const Shape& s) {
  std::string out = "[";
  for (size_t i = 0; i < s.size(); ++i) {
    if (i) out += ", ";
    out += std::to_string(s[i]);
  }
  return out + "]";
}

int64_t shape_numel(const Shape& s) {
  int64_t n = 1;
  for (int64_t d : s) {
    GAN_CHECK(d >= 0, "negative dimension in shape ", shape_str(s));
    GAN_CHECK(d == 0 || n <= std::numeric_limits<int64_t>::max() / d, "shape ", shape_str(s),
              " has too many elements");
    n *= d;
  }
  return n;
}

Shape contiguous_strides(const Shape& s) {
  Shape st(s.size());
  int64_t acc = 1;
  for (size_t i = s.size(); i-- > 0;) {
    st[i] = acc;
    acc *= std::max<int64_t>(s[i], 1);
  }
  return st;
}

int64_t wrap_dim(const char* op, int64_t dim, int64_t rank) {
  const int64_t r = std::max<int64_t>(rank, 1);
  GAN_CHECK(dim >= -r && dim < r, op, ": dim ", dim, " out of range for a tensor of rank ", rank);
  return dim < 0 ? dim + r : dim;
}

void no_backend(const char* op, const Tensor& t) {
  throw Error(detail::concat(op, ": tensor ", shape_str(t.shape()), " is on ", t.device().str(), ", but ",
                             t.device().is_cuda() ? "this op has no CUDA kernel in this build (yet); move it with .to(cpu)"
                                                  : "this build of gan has no backend for that device"));
}

// ---- storage ---------------------------------------------------------------------

Storage::Storage(size_t nbytes, Device device) : nbytes_(nbytes), device_(device) {
  if (device.is_cuda()) {
    // Device memory through the caching allocator (a real device or the emulator).
    data_ = cuda::device_allocator(device.index).allocate(nbytes);
    return;
  }
  detail::tune_cpu_heap();  // reuse freed buffers' pages across steps (cpu_heap.cpp)
  // 64-byte alignment for vector loads; aligned_alloc needs a multiple of the alignment.
  const size_t rounded = std::max<size_t>(64, (nbytes + 63) / 64 * 64);
  data_ = std::aligned_alloc(64, rounded);
  GAN_CHECK(data_ != nullptr, "Storage: out of memory allocating ", nbytes, " bytes");
}

Storage::~Storage() {
  if (device_.is_cuda()) {
    cuda::device_allocator(device_.index).deallocate(data_);
  } else {
    std::free(data_);
  }
}

namespace detail {
void copy_bytes(Device dst_dev, void* dst, Device src_dev, const void* src, size_t bytes) {
  if (bytes == 0 || dst == src) return;
  if (dst_dev.is_cpu() && src_dev.is_cpu()) {
    std::memcpy(dst, src, bytes);
    return;
  }
  const cuda::CopyKind kind = src_dev.is_cpu()   ? cuda::CopyKind::host_to_device
                              : dst_dev.is_cpu() ? cuda::CopyKind::device_to_host
                                                 : cuda::CopyKind::device_to_device;
  cuda::memcpy(dst, src, bytes, kind);
}
}  // namespace detail

// ---- creation ----------------------------------------------------------------------

Tensor Tensor::empty(const Shape& shape, Options opt) {
  auto impl = std::make_shared<TensorImpl>();
  const int64_t n = shape_numel(shape);
  impl->storage = std::make_shared<Storage>(static_cast<size_t>(n) * dtype_size(opt.dtype), opt.device);
  impl->shape = shape;
  impl->strides = contiguous_strides(shape);
  impl->dtype = opt.dtype;
  return Tensor(std::move(impl));
}

Tensor Tensor::zeros(const Shape& shape, Options opt) { return full(shape, 0.0, opt); }
Tensor Tensor::ones(const Shape& shape, Options opt) { return full(shape, 1.0, opt); }
Tensor Tensor::scalar(double value, Options opt) { return full({}, value, opt); }

Tensor Tensor::full(const Shape& shape, double value, Options opt) {
  Tensor t = empty(shape, opt);
  t.fill_(value);
  return t;
}

Tensor Tensor::arange(int64_t n, Options opt) { return arange(0.0, static_cast<double>(n), 1.0, opt); }

Tensor Tensor::arange(double start, double end, double step, Options opt) {
  GAN_CHECK(step != 0, "arange: step must be non-zero");
  const double span = (end - start) / step;
  const int64_t n = span > 0 ? static_cast<int64_t>(std::ceil(span)) : 0;
  // Made on its device (kernels::{cpu,cuda}::arange): a device ramp needs no
  // upload, which would wait for the device's queued work (one-hot tables,
  // index ramps inside a training step).
  Tensor t = empty({n}, opt);
  auto run = [&]<class T>() { GAN_KERNEL(t, arange<T>)(n, start, step, t.data<T>(), stream_of(t)); };
  switch (opt.dtype) {
    case DType::f32: run.template operator()<float>(); break;
    case DType::f64: run.template operator()<double>(); break;
    case DType::i64: run.template operator()<int64_t>(); break;
  }
  return t;
}

namespace {
template <class Src>
Tensor from_vector(const char* what, const Shape& shape, const std::vector<Src>& v, Options opt) {
  GAN_CHECK(static_cast<int64_t>(v.size()) == shape_numel(shape), "Tensor::from_data: ", v.size(), " ", what,
            " values for shape ", shape_str(shape), " (", shape_numel(shape), " elements)");
  Tensor cpu = Tensor::empty(shape, Options{opt.dtype, Device::cpu()});
  for (size_t i = 0; i < v.size(); ++i) {
    switch (opt.dtype) {
      case DType::f32: cpu.data<float>()[i] = static_cast<float>(v[i]); break;
      case DType::f64: cpu.data<double>()[i] = static_cast<double>(v[i]); break;
      case DType::i64: cpu.data<int64_t>()[i] = static_cast<int64_t>(v[i]); break;
    }
  }
  return cpu.to(opt.device);
}
}  // namespace

Tensor Tensor::from_data(const Shape& shape, const std::vector<float>& v, Options opt) {
  return from_vector("f32", shape, v, opt);
}
Tensor Tensor::from_data(const Shape& shape, const std::vector<double>& v, Options opt) {
  return from_vector("f64", shape, v, opt);
}
Tensor Tensor::from_data(const Shape& shape, const std::vector<int64_t>& v, Options opt) {
  return from_vector("i64", shape, v, opt);
}

Tensor Tensor::randn(const Shape& shape, Generator& gen, Options opt) {
  Tensor t = empty(shape, opt);
  kernels::RngParams p;
  p.seed = gen.seed();
  p.n = t.numel();
  p.a = 0;
  p.b = 1;
  dispatch_float_device("randn", t, [&]<class T>() {
    p.offset = gen.advance(kernels::philox::blocks_used(true, sizeof(T) == 8, static_cast<uint64_t>(p.n)));
    GAN_KERNEL(t, rng_normal<T>)(p, t.data<T>(), stream_of(t));
  });
  return t;
}

Tensor Tensor::rand(const Shape& shape, Generator& gen, double lo, double hi, Options opt) {
  Tensor t = empty(shape, opt);
  kernels::RngParams p;
  p.seed = gen.seed();
  p.n = t.numel();
  p.a = lo;
  p.b = hi;
  dispatch_float_device("rand", t, [&]<class T>() {
    p.offset = gen.advance(kernels::philox::blocks_used(false, sizeof(T) == 8, static_cast<uint64_t>(p.n)));
    GAN_KERNEL(t, rng_uniform<T>)(p, t.data<T>(), stream_of(t));
  });
  return t;
}

// ---- metadata and data -------------------------------------------------------------

int64_t Tensor::size(int64_t d) const { return shape()[static_cast<size_t>(wrap_dim("size", d, dim()))]; }

std::string Tensor::str() const {
  if (!defined()) return "Tensor(undefined)";
  return "Tensor" + shape_str(shape()) + " " + dtype_name(dtype()) + " " + device().str();
}

void* Tensor::raw_data() const {
  const TensorImpl& i = impl();
  return static_cast<char*>(i.storage->data()) + i.offset * static_cast<int64_t>(dtype_size(i.dtype));
}

template <class T>
T* Tensor::data() {
  GAN_CHECK(dtype() == dtype_of<T>(), "Tensor::data: tensor ", str(), " accessed as ", dtype_name(dtype_of<T>()));
  return static_cast<T*>(raw_data());
}
template <class T>
const T* Tensor::data() const {
  GAN_CHECK(dtype() == dtype_of<T>(), "Tensor::data: tensor ", str(), " accessed as ", dtype_name(dtype_of<T>()));
  return static_cast<const T*>(raw_data());
}
template float* Tensor::data<float>();
template double* Tensor::data<double>();
template int64_t* Tensor::data<int64_t>();
template const float* Tensor::data<float>() const;
template const double* Tensor::data<double>() const;
template const int64_t* Tensor::data<int64_t>() const;

std::vector<double> Tensor::to_double_vector() const {
  Tensor c = to(Device::cpu());
  std::vector<double> out(static_cast<size_t>(c.numel()));
  for (size_t i = 0; i < out.size(); ++i) {
    switch (c.dtype()) {
      case DType::f32: out[i] = c.data<float>()[i]; break;
      case DType::f64: out[i] = c.data<double>()[i]; break;
      case DType::i64: out[i] = static_cast<double>(c.data<int64_t>()[i]); break;
    }
  }
  return out;
}

template <class T>
std::vector<T> Tensor::to_vector() const {
  Tensor c = to(Device::cpu());
  const T* p = c.data<T>();
  return std::vector<T>(p, p + c.numel());
}
template std::vector<float> Tensor::to_vector<float>() const;
template std::vector<double> Tensor::to_vector<double>() const;
template std::vector<int64_t> Tensor::to_vector<int64_t>() const;

double Tensor::item() const {
  GAN_CHECK(numel() == 1, "item: tensor ", str(), " has ", numel(), " elements, expected 1");
  return to_double_vector()[0];
}

std::string Tensor::to_string(int64_t max_elements) const {
  if (!defined()) return str();
  std::ostringstream os;
  os << str() << " {";
  const auto v = to_double_vector();
  const int64_t n = std::min<int64_t>(static_cast<int64_t>(v.size()), max_elements);
  os << std::setprecision(6);
  for (int64_t i = 0; i < n; ++i) os << (i ? ", " : "") << v[static_cast<size_t>(i)];
  if (n < static_cast<int64_t>(v.size())) os << ", ...";
  os << "}";
  return os.str();
}

std::ostream& operator<<(std::ostream& os, const Tensor& t) { return os << t.to_string(); }

// ---- in-place -------------------------------------------------------------------------

Tensor& Tensor::fill_(double value) {
  // A kernel on every device: on a GPU it is enqueued like any op (no host
  // copy, which would wait for the device).
  switch (dtype()) {
    case DType::f32: GAN_KERNEL(*this, fill<float>)(numel(), static_cast<float>(value), data<float>(), stream_of(*this)); break;
    case DType::f64: GAN_KERNEL(*this, fill<double>)(numel(), value, data<double>(), stream_of(*this)); break;
    case DType::i64:
      GAN_KERNEL(*this, fill<int64_t>)(numel(), static_cast<int64_t>(value), data<int64_t>(), stream_of(*this));
      break;
  }
  bump_version();
  return *this;
}

Tensor& Tensor::copy_(const Tensor& src) {
  GAN_CHECK(src.shape() == shape(), "copy_: source shape ", shape_str(src.shape()), " differs from destination ",
            shape_str(shape()));
  Tensor s = src.to(device()).to(dtype());
  detail::copy_bytes(device(), raw_data(), s.device(), s.raw_data(), nbytes());
  bump_version();
  return *this;
}

// ---- conversions --------------------------------------------------------------------------

Tensor Tensor::to(DType dt) const {
  if (dt == dtype()) return *this;
  // One cast kernel per device (kernels::{cpu,cuda}::cast, gan/kernels/cast_value.h:
  // floating -> int64 truncates, NaN and out-of-range values saturate); a device
  // tensor stays on its device (no read back).
  Tensor out = Tensor::empty(shape(), Options{dt, device()});
  const int64_t n = numel();
  auto run = [&]<class From, class To>() {
#if defined(GAN_HAS_CUDA_KERNELS)
    if (device().is_cuda()) {
      kernels::cuda::cast<From, To>(n, data<From>(), out.data<To>(), stream_of(*this));
      return;
    }
#endif
    if (!device().is_cpu()) no_backend("to(dtype)", *this);
    kernels::cpu::cast<From, To>(n, data<From>(), out.data<To>());
  };
  auto to = [&]<class From>() {
    switch (dt) {
      case DType::f32: run.template operator()<From, float>(); break;
      case DType::f64: run.template operator()<From, double>(); break;
      case DType::i64: run.template operator()<From, int64_t>(); break;
    }
  };
  switch (dtype()) {
    case DType::f32: to.template operator()<float>(); break;
    case DType::f64: to.template operator()<double>(); break;
    case DType::i64: to.template operator()<int64_t>(); break;
  }
  if (is_floating(dt) && is_floating(dtype())) {
    const DType from = dtype();
    autograd::record(out, "to_dtype", {*this}, [from](const Tensor& g) { return std::vector<Tensor>{g.to(from)}; });
  }
  return out;
}

Tensor Tensor::to(Device dev) const {
  if (dev == device()) return *this;
  GAN_CHECK(dev.is_cpu() || cuda::available(), "to(", dev.str(), "): tensor ", str(), " cannot move: ",
            cuda::backend_name() == std::string("none") ? "this build of gan has no CUDA backend (cpu flavour)"
                                                        : "no CUDA device is present");
  Tensor out = Tensor::empty(shape(), Options{dtype(), dev});
  detail::copy_bytes(dev, out.raw_data(), device(), raw_data(), nbytes());
  if (is_floating(dtype())) {
    const Device from = device();
    autograd::record(out, "to_device", {*this}, [from](const Tensor& g) { return std::vector<Tensor>{g.to(from)}; });
  }
  return out;
}

Tensor Tensor::clone() const {
  Tensor out = Tensor::empty(shape(), Options{dtype(), device()});
  detail::copy_bytes(device(), out.raw_data(), device(), raw_data(), nbytes());
  autograd::record(out, "clone", {*this}, [](const Tensor& g) { return std::vector<Tensor>{g}; });
  return out;
}

// ---- views ----------------------------------------------------------------------------------

namespace {
Tensor make_view(const Tensor& base, const Shape& shape, int64_t extra_offset) {
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = base.impl().storage;
  impl->offset = base.impl().offset + extra_offset;
  impl->shape = shape;
  impl->strides = contiguous_strides(shape);
  impl->dtype = base.dtype();
  return Tensor(std::move(impl));
}
}  // namespace

Tensor Tensor::reshape(const Shape& shape_in) const {
  Shape s = shape_in;
  int64_t known = 1, infer = -1;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == -1) {
      GAN_CHECK(infer < 0, "reshape: more than one -1 in ", shape_str(shape_in));
      infer = static_cast<int64_t>(i);
    } else {
      GAN_CHECK(s[i] >= 0, "reshape: invalid size in ", shape_str(shape_in));
      known *= s[i];
    }
  }
  if (infer >= 0) {
    GAN_CHECK(known > 0 && numel() % known == 0, "reshape: cannot reshape ", shape_str(shape()), " into ",
              shape_str(shape_in));
    s[static_cast<size_t>(infer)] = numel() / known;
  }
  GAN_CHECK(shape_numel(s) == numel(), "reshape: cannot reshape ", shape_str(shape()), " (", numel(),
            " elements) into ", shape_str(shape_in));
  Tensor out = make_view(*this, s, 0);
  const Shape from = shape();
  autograd::record(out, "reshape", {*this}, [from](const Tensor& g) { return std::vector<Tensor>{g.reshape(from)}; });
  return out;
}

Tensor Tensor::flatten(int64_t start_dim, int64_t end_dim) const {
  if (dim() == 0) return reshape({1});
  const int64_t s = wrap_dim("flatten", start_dim, dim()), e = wrap_dim("flatten", end_dim, dim());
  GAN_CHECK(s <= e, "flatten: start_dim ", start_dim, " after end_dim ", end_dim);
  Shape out;
  int64_t merged = 1;
  for (int64_t i = 0; i < dim(); ++i) {
    if (i < s || i > e) {
      out.push_back(shape()[static_cast<size_t>(i)]);
    } else {
      merged *= shape()[static_cast<size_t>(i)];
      if (i == e) out.push_back(merged);
    }
  }
  return reshape(out);
}

Tensor Tensor::unsqueeze(int64_t d) const {
  const int64_t r = dim() + 1;
  GAN_CHECK(d >= -r && d < r, "unsqueeze: dim ", d, " out of range for ", shape_str(shape()));
  if (d < 0) d += r;
  Shape s = shape();
  s.insert(s.begin() + d, 1);
  return reshape(s);
}

Tensor Tensor::squeeze(int64_t d) const {
  d = wrap_dim("squeeze", d, dim());
  if (dim() == 0 || shape()[static_cast<size_t>(d)] != 1) return *this;
  Shape s = shape();
  s.erase(s.begin() + d);
  return reshape(s);
}

namespace {
// Gradient of narrow0: g placed into rows [start, start+len) of zeros(full). Its own
// gradient is narrow0 again, so both are differentiable to any order.
Tensor narrow0_backward(const Tensor& g, const Shape& full, int64_t start) {
  Tensor out = Tensor::zeros(full, Options{g.dtype(), g.device()});
  const size_t row_bytes = g.dim() ? g.nbytes() / static_cast<size_t>(std::max<int64_t>(g.size(0), 1)) : 0;
  detail::copy_bytes(out.device(), static_cast<char*>(out.raw_data()) + row_bytes * static_cast<size_t>(start),
                     g.device(), g.raw_data(), g.nbytes());
  const int64_t len = g.size(0);
  autograd::record(out, "narrow0_backward", {g},
                   [start, len](const Tensor& gg) { return std::vector<Tensor>{gg.narrow0(start, len)}; });
  return out;
}
}  // namespace

Tensor Tensor::narrow0(int64_t start, int64_t length) const {
  GAN_CHECK(dim() >= 1, "narrow0: tensor ", str(), " has no dim 0");
  GAN_CHECK(start >= 0 && length >= 0 && start + length <= size(0), "narrow0: rows [", start, ", ", start + length,
            ") out of range for ", shape_str(shape()));
  Shape s = shape();
  s[0] = length;
  const int64_t row = size(0) ? numel() / size(0) : 0;
  Tensor out = make_view(*this, s, start * row);
  const Shape full = shape();
  autograd::record(out, "narrow0", {*this},
                   [full, start](const Tensor& g) { return std::vector<Tensor>{narrow0_backward(g, full, start)}; });
  return out;
}

// ---- autograd accessors ----------------------------------------------------------------------

Tensor& Tensor::requires_grad_(bool on) {
  GAN_CHECK(is_leaf() || on, "requires_grad_(false) on a non-leaf tensor; use detach()");
  GAN_CHECK(!on || is_floating(dtype()), "requires_grad_: only floating-point tensors can require grad, got ",
            dtype_name(dtype()));
  impl().requires_grad = on;
  return *this;
}

Tensor Tensor::grad() const { return impl().grad ? Tensor(impl().grad) : Tensor(); }

void Tensor::set_grad(const Tensor& g) {
  GAN_CHECK(!g.defined() || g.shape() == shape(), "set_grad: gradient ", shape_str(g.shape()),
            " does not match tensor ", shape_str(shape()));
  impl().grad = g.defined() ? g.impl_ptr() : nullptr;
}

Tensor Tensor::detach() const { return make_view(*this, shape(), 0); }

void Tensor::backward(const Tensor& grad, bool retain_graph, bool create_graph) const {
  autograd::backward(*this, grad, retain_graph, create_graph);
}

void Tensor::register_hook(GradHook hook) {
  GAN_CHECK(requires_grad(), "register_hook: tensor ", str(), " does not require grad");
  impl().hooks.push_back(std::move(hook));
}

// ---- checks ----------------------------------------------------------------------------------

void check_defined(const char* op, const char* what, const Tensor& t) {
  GAN_CHECK(t.defined(), op, ": ", what, " is an undefined tensor");
}

void check_dtype(const char* op, const char* what, const Tensor& t, DType dt) {
  check_defined(op, what, t);
  GAN_CHECK(t.dtype() == dt, op, ": ", what, " ", shape_str(t.shape()), " has dtype ", dtype_name(t.dtype()),
            ", expected ", dtype_name(dt));
}

void check_float(const char* op, const Tensor& t) {
  check_defined(op, "input", t);
  GAN_CHECK(is_floating(t.dtype()), op, ": expected a floating-point tensor, got ", dtype_name(t.dtype()), " ",
            shape_str(t.shape()));
}

void check_same_device(const char* op, const Tensor& a, const Tensor& b) {
  GAN_CHECK(a.device() == b.device(), op, ": tensors on different devices: ", shape_str(a.shape()), " on ",
            a.device().str(), " and ", shape_str(b.shape()), " on ", b.device().str());
}

void check_same_dtype(const char* op, const Tensor& a, const Tensor& b) {
  GAN_CHECK(a.dtype() == b.dtype(), op, ": dtype mismatch: ", shape_str(a.shape()), " ", dtype_name(a.dtype()),
            " vs ", shape_str(b.shape()), " ", dtype_name(b.dtype()));
}

}  // namespace gan
