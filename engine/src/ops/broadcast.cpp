#include "broadcast.h"

#include "gan/error.h"

namespace gan::ops::detail {

Shape broadcast_shapes(const char* op, const Shape& a, const Shape& b) {
  const size_t n = std::max(a.size(), b.size());
  Shape out(n);
  for (size_t i = 0; i < n; ++i) {
    const int64_t da = i < n - a.size() ? 1 : a[i - (n - a.size())];
    const int64_t db = i < n - b.size() ? 1 : b[i - (n - b.size())];
    GAN_CHECK(da == db || da == 1 || db == 1, op, ": shapes ", shape_str(a), " and ", shape_str(b),
              " cannot be broadcast (dim ", i, ": ", da, " vs ", db, ")");
    out[i] = da == 1 ? db : da;
  }
  return out;
}

kernels::BroadcastParams broadcast_params(const char* op, const Shape& out, const std::vector<Shape>& inputs) {
  GAN_CHECK(out.size() <= static_cast<size_t>(kernels::kMaxDims), op, ": rank ", out.size(), " of ", shape_str(out),
            " exceeds the supported ", kernels::kMaxDims);
  kernels::BroadcastParams p;
  p.ndim = static_cast<int>(out.size());
  p.numel = shape_numel(out);
  for (size_t d = 0; d < out.size(); ++d) p.shape[d] = out[d];
  for (size_t k = 0; k < inputs.size(); ++k) {
    const Shape& in = inputs[k];
    const Shape st = contiguous_strides(in);
    const size_t lead = out.size() - in.size();
    for (size_t d = 0; d < out.size(); ++d) {
      p.stride[k][d] = (d < lead || in[d - lead] == 1) ? 0 : st[d - lead];
    }
  }
  return p;
}

kernels::StridedCopyParams expand_params(const char* op, const Shape& in, const Shape& out) {
  const auto b = broadcast_params(op, out, {in});
  kernels::StridedCopyParams p;
  p.ndim = b.ndim;
  const Shape dst = contiguous_strides(out);
  for (int d = 0; d < b.ndim; ++d) {
    p.shape[d] = b.shape[d];
    p.src_stride[d] = b.stride[0][d];
    p.dst_stride[d] = dst[static_cast<size_t>(d)];
  }
  return p;
}

void check_binary(const char* op, const Tensor& a, const Tensor& b) {
  check_defined(op, "first operand", a);
  check_defined(op, "second operand", b);
  check_same_device(op, a, b);
  check_same_dtype(op, a, b);
  check_float(op, a);
}

}  // namespace gan::ops::detail
