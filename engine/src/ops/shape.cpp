// Shape ops that copy: permute / transpose, cat / stack, slice, index_select0.
//
// Every forward is one strided copy (kernels/copy.h) or a row gather; every
// backward is another op of this family, so all of them differentiate to any
// order. The two scatter ops are private: they exist as the gradients of slice
// and index_select0, and their own gradients are slice and index_select0.
// (Pure views, reshape / unsqueeze / narrow0, are Tensor methods.)
//
// | op             | backward (g = incoming gradient)                   | 2nd order |
// |----------------|----------------------------------------------------|-----------|
// | permute        | permute(g, inverse(dims))                          | yes       |
// | transpose      | (permute)                                          | yes       |
// | cat            | slice(g, dim, offset_i, offset_i + len_i) per input| yes       |
// | stack          | (unsqueeze + cat)                                  | yes       |
// | slice          | slice_backward: g scattered into zeros             | yes       |
// | slice_backward | slice(g)                   (private)               | yes       |
// | index_select0  | index_add0: rows of g summed into zeros            | yes       |
// | index_add0     | index_select0(g)           (private)               | yes       |
#include <algorithm>
#include <cstring>

#include "gan/autograd.h"
#include "gan/dispatch.h"
#include "gan/kernels/copy.h"
#include "gan/kernels/embedding.h"
#include "gan/ops.h"

namespace gan::ops {

using Grads = std::vector<Tensor>;

namespace {

// Copy ops move bytes, so they also serve i64 tensors (labels, indices).
template <class F>
void dispatch_copy(const char* op, const Tensor& t, F&& f) {
#if !defined(GAN_HAS_CUDA_KERNELS)
  if (!t.device().is_cpu()) no_backend(op, t);
#endif
  profiler::Scope scope(op);
  switch (t.dtype()) {
    case DType::f32: f.template operator()<float>(); return;
    case DType::f64: f.template operator()<double>(); return;
    case DType::i64: f.template operator()<int64_t>(); return;
  }
}

void check_rank(const char* op, const Shape& s) {
  GAN_CHECK(s.size() <= static_cast<size_t>(kernels::kMaxDims), op, ": rank ", s.size(), " of ", shape_str(s),
            " exceeds the supported ", kernels::kMaxDims);
}

kernels::StridedCopyParams copy_params(const Shape& shape, const Shape& src_stride, const Shape& dst_stride) {
  kernels::StridedCopyParams p;
  p.ndim = static_cast<int>(shape.size());
  for (size_t d = 0; d < shape.size(); ++d) {
    p.shape[d] = shape[d];
    p.src_stride[d] = src_stride[d];
    p.dst_stride[d] = dst_stride[d];
  }
  return p;
}

// Normalized [start, end) and length of a PyTorch slice along a dim of `size`.
struct SliceRange {
  int64_t start = 0, len = 0;
};
SliceRange slice_range(int64_t size, int64_t start, int64_t end, int64_t step) {
  if (start < 0) start += size;
  if (end < 0) end += size;
  start = std::clamp<int64_t>(start, 0, size);
  end = std::clamp<int64_t>(end, start, size);
  return {start, (end - start + step - 1) / step};
}

Tensor slice_backward(const Tensor& g, const Shape& full, int64_t dim, int64_t start, int64_t step);

// Kernel of slice with an already-normalized range.
Tensor slice_impl(const Tensor& x, int64_t dim, SliceRange r, int64_t step) {
  Shape out_shape = x.shape();
  out_shape[static_cast<size_t>(dim)] = r.len;
  Tensor out = empty_like(x, out_shape);
  if (out.numel() > 0) {
    Shape src_stride = x.strides();
    const int64_t offset = r.start * src_stride[static_cast<size_t>(dim)];
    src_stride[static_cast<size_t>(dim)] *= step;
    const auto p = copy_params(out_shape, src_stride, out.strides());
    dispatch_copy("slice", x, [&]<class T>() { GAN_KERNEL(out, strided_copy<T>)(p, x.data<T>() + offset, out.data<T>(), stream_of(out)); });
  }
  autograd::record(out, "slice", {x}, [full = x.shape(), dim, start = r.start, step](const Tensor& g) {
    return Grads{slice_backward(g, full, dim, start, step)};
  });
  return out;
}

// g placed at positions start, start+step, ... of dim in zeros(full).
Tensor slice_backward(const Tensor& g, const Shape& full, int64_t dim, int64_t start, int64_t step) {
  Tensor out = Tensor::zeros(full, Options{g.dtype(), g.device()});
  if (g.numel() > 0) {
    Shape dst_stride = out.strides();
    const int64_t offset = start * dst_stride[static_cast<size_t>(dim)];
    dst_stride[static_cast<size_t>(dim)] *= step;
    const auto p = copy_params(g.shape(), g.strides(), dst_stride);
    dispatch_float_device("slice_backward", g,
                   [&]<class T>() { GAN_KERNEL(out, strided_copy<T>)(p, g.data<T>(), out.data<T>() + offset, stream_of(out)); });
  }
  const int64_t len = g.shape()[static_cast<size_t>(dim)];
  autograd::record(out, "slice_backward", {g}, [dim, start, len, step](const Tensor& gg) {
    return Grads{slice_impl(gg, dim, SliceRange{start, len}, step)};
  });
  return out;
}

int64_t row_numel(const Shape& s) {
  int64_t n = 1;
  for (size_t d = 1; d < s.size(); ++d) n *= s[d];
  return n;
}

// Rows of g [k, ...] summed into zeros([rows, ...]) at idx: the gradient of index_select0.
Tensor index_add0(const Tensor& g, const Tensor& idx, int64_t rows) {
  Shape out_shape = g.shape();
  out_shape[0] = rows;
  Tensor out = empty_like(g, out_shape);
  kernels::EmbeddingParams p;
  p.num = rows;
  p.dim = row_numel(out_shape);
  p.count = idx.numel();
  check_same_device("index_add0", g, idx);
  dispatch_float_device("index_add0", g, [&]<class T>() {
    GAN_KERNEL(g, embedding_bprop<T>)(p, idx.data<int64_t>(), g.data<T>(), out.data<T>(), stream_of(g));
  });
  autograd::record(out, "index_add0", {g}, [idx](const Tensor& gg) { return Grads{index_select0(gg, idx)}; });
  return out;
}

}  // namespace

Tensor permute(const Tensor& x, const std::vector<int64_t>& dims_in) {
  check_defined("permute", "input", x);
  const int64_t rank = x.dim();
  GAN_CHECK(static_cast<int64_t>(dims_in.size()) == rank, "permute: ", dims_in.size(), " dims given for ",
            shape_str(x.shape()));
  check_rank("permute", x.shape());
  std::vector<int64_t> dims(dims_in.size()), inverse(dims_in.size(), -1);
  for (size_t i = 0; i < dims_in.size(); ++i) {
    dims[i] = wrap_dim("permute", dims_in[i], rank);
    GAN_CHECK(inverse[static_cast<size_t>(dims[i])] < 0, "permute: dim ", dims_in[i], " repeated for ",
              shape_str(x.shape()));
    inverse[static_cast<size_t>(dims[i])] = static_cast<int64_t>(i);
  }
  Shape out_shape(dims.size()), src_stride(dims.size());
  for (size_t i = 0; i < dims.size(); ++i) {
    out_shape[i] = x.shape()[static_cast<size_t>(dims[i])];
    src_stride[i] = x.strides()[static_cast<size_t>(dims[i])];
  }
  Tensor out = empty_like(x, out_shape);
  if (out.numel() > 0) {
    const auto p = copy_params(out_shape, src_stride, out.strides());
    dispatch_copy("permute", x, [&]<class T>() { GAN_KERNEL(out, strided_copy<T>)(p, x.data<T>(), out.data<T>(), stream_of(out)); });
  }
  autograd::record(out, "permute", {x}, [inverse](const Tensor& g) { return Grads{permute(g, inverse)}; });
  return out;
}

Tensor transpose(const Tensor& x, int64_t d0, int64_t d1) {
  check_defined("transpose", "input", x);
  const int64_t rank = x.dim();
  d0 = wrap_dim("transpose", d0, rank);
  d1 = wrap_dim("transpose", d1, rank);
  if (rank == 0) return x.clone();
  std::vector<int64_t> dims(static_cast<size_t>(rank));
  for (int64_t i = 0; i < rank; ++i) dims[static_cast<size_t>(i)] = i;
  std::swap(dims[static_cast<size_t>(d0)], dims[static_cast<size_t>(d1)]);
  return permute(x, dims);
}

Tensor cat(const std::vector<Tensor>& xs, int64_t dim_in) {
  GAN_CHECK(!xs.empty(), "cat: expected at least one tensor");
  for (const Tensor& t : xs) check_defined("cat", "input", t);
  const Tensor& first = xs[0];
  GAN_CHECK(first.dim() > 0, "cat: cannot concatenate zero-dimensional tensor ", shape_str(first.shape()));
  const int64_t dim = wrap_dim("cat", dim_in, first.dim());
  check_rank("cat", first.shape());
  Shape out_shape = first.shape();
  out_shape[static_cast<size_t>(dim)] = 0;
  for (size_t i = 0; i < xs.size(); ++i) {
    const Tensor& t = xs[i];
    check_same_device("cat", first, t);
    check_same_dtype("cat", first, t);
    bool ok = t.dim() == first.dim();
    for (int64_t d = 0; ok && d < t.dim(); ++d)
      ok = d == dim || t.shape()[static_cast<size_t>(d)] == first.shape()[static_cast<size_t>(d)];
    GAN_CHECK(ok, "cat: tensor ", i, " of shape ", shape_str(t.shape()), " does not match ", shape_str(first.shape()),
              " outside dim ", dim);
    out_shape[static_cast<size_t>(dim)] += t.shape()[static_cast<size_t>(dim)];
  }
  Tensor out = empty_like(first, out_shape);
  std::vector<int64_t> offsets;
  int64_t off = 0;
  for (const Tensor& t : xs) {
    offsets.push_back(off);
    if (t.numel() > 0) {
      const auto p = copy_params(t.shape(), t.strides(), out.strides());
      const int64_t dst_off = off * out.strides()[static_cast<size_t>(dim)];
      dispatch_copy("cat", t, [&]<class T>() { GAN_KERNEL(out, strided_copy<T>)(p, t.data<T>(), out.data<T>() + dst_off, stream_of(out)); });
    }
    off += t.shape()[static_cast<size_t>(dim)];
  }
  autograd::record(out, "cat", xs, [xs, offsets, dim](const Tensor& g) {
    Grads grads(xs.size());
    for (size_t i = 0; i < xs.size(); ++i) {
      if (!xs[i].requires_grad()) continue;
      const int64_t len = xs[i].shape()[static_cast<size_t>(dim)];
      grads[i] = slice(g, dim, offsets[i], offsets[i] + len);
    }
    return grads;
  });
  return out;
}

Tensor stack(const std::vector<Tensor>& xs, int64_t dim) {
  GAN_CHECK(!xs.empty(), "stack: expected at least one tensor");
  for (const Tensor& t : xs) check_defined("stack", "input", t);
  const int64_t d = wrap_dim("stack", dim, xs[0].dim() + 1);
  for (size_t i = 1; i < xs.size(); ++i)
    GAN_CHECK(xs[i].shape() == xs[0].shape(), "stack: tensor ", i, " of shape ", shape_str(xs[i].shape()),
              " differs from tensor 0 of shape ", shape_str(xs[0].shape()));
  std::vector<Tensor> us;
  us.reserve(xs.size());
  for (const Tensor& t : xs) us.push_back(t.unsqueeze(d));
  return cat(us, d);
}

Tensor slice(const Tensor& x, int64_t dim_in, int64_t start, int64_t end, int64_t step) {
  check_defined("slice", "input", x);
  GAN_CHECK(x.dim() > 0, "slice: cannot slice zero-dimensional tensor ", shape_str(x.shape()));
  GAN_CHECK(step > 0, "slice: step must be positive, got ", step, " for ", shape_str(x.shape()));
  const int64_t dim = wrap_dim("slice", dim_in, x.dim());
  check_rank("slice", x.shape());
  return slice_impl(x, dim, slice_range(x.shape()[static_cast<size_t>(dim)], start, end, step), step);
}

Tensor index_select0(const Tensor& x, const Tensor& idx) {
  check_defined("index_select0", "input", x);
  check_dtype("index_select0", "index", idx, DType::i64);
  GAN_CHECK(x.dim() >= 1, "index_select0: input ", shape_str(x.shape()), " has no dim 0");
  GAN_CHECK(idx.dim() == 1, "index_select0: index must be 1-D, got ", shape_str(idx.shape()), " for input ",
            shape_str(x.shape()));
  check_same_device("index_select0", x, idx);
  const int64_t rows = x.size(0), k = idx.numel();
  // CPU indices are checked here, before any kernel runs; CUDA ones by the
  // gather kernel as it reads them, raised at the next read back
  // (gan/kernels/index_fault.h: no synchronisation per call).
  const int64_t* ip = idx.device().is_cpu() ? idx.data<int64_t>() : nullptr;
  for (int64_t i = 0; ip && i < k; ++i)
    GAN_CHECK(ip[i] >= 0 && ip[i] < rows, "index_select0: index ", ip[i], " at position ", i,
              " out of range for dim 0 of size ", rows, " (input ", shape_str(x.shape()), ")");
  Shape out_shape = x.shape();
  out_shape[0] = k;
  Tensor out = empty_like(x, out_shape);
  const size_t row_bytes = static_cast<size_t>(row_numel(x.shape())) * dtype_size(x.dtype());
  if (is_floating(x.dtype())) {
    // Float rows: the embedding gather (kernels/cuda/embedding.cu on CUDA).
    kernels::EmbeddingParams p;
    p.num = rows;
    p.dim = row_numel(x.shape());
    p.count = k;
    dispatch_float_device("index_select0", x, [&]<class T>() {
      GAN_KERNEL(x, embedding_fprop<T>)(p, idx.data<int64_t>(), x.data<T>(), out.data<T>(), stream_of(x));
    });
  } else if (!x.device().is_cpu()) {
    no_backend("index_select0", x);
  } else if (row_bytes > 0) {
    const char* src = static_cast<const char*>(x.raw_data());
    char* dst = static_cast<char*>(out.raw_data());
    for (int64_t i = 0; i < k; ++i)
      std::memcpy(dst + static_cast<size_t>(i) * row_bytes, src + static_cast<size_t>(ip[i]) * row_bytes, row_bytes);
  }
  autograd::record(out, "index_select0", {x}, [idx, rows](const Tensor& g) { return Grads{index_add0(g, idx, rows)}; });
  return out;
}

}  // namespace gan::ops
