// Reductions over any set of dims, and the broadcast pair sum_to / expand.
//
// The kernel reduces x viewed as [outer, reduce, inner]. A contiguous run of
// reduced dims maps onto that directly; any other set is reduced one run at a
// time, from the last run to the first (sum, max and min compose; mean is
// sum / count; var is a composite of mean, so its gradients come for free).
//
// | op     | backward                                             | 2nd order |
// |--------|------------------------------------------------------|-----------|
// | sum    | expand(g)                                            | yes       |
// | mean   | expand(g) / count                                    | yes       |
// | max/min| expand(g) * mask / ties   (mask = x == expand(y))    | yes       |
// | sum_to | expand(g)                                            | yes       |
// | expand | sum_to(g)                                            | yes       |
#include <algorithm>

#include "broadcast.h"
#include "gan/autograd.h"
#include "gan/dispatch.h"
#include "gan/kernels/copy.h"
#include "gan/kernels/reduce.h"
#include "gan/ops.h"

namespace gan::ops {

using Grads = std::vector<Tensor>;

namespace {

// Sorted, unique, non-negative dims; empty input = all dims.
std::vector<int64_t> normalize_dims(const char* op, std::vector<int64_t> dims, int64_t rank) {
  if (dims.empty()) {
    for (int64_t d = 0; d < rank; ++d) dims.push_back(d);
    return dims;
  }
  for (auto& d : dims) d = wrap_dim(op, d, rank);
  std::sort(dims.begin(), dims.end());
  GAN_CHECK(std::adjacent_find(dims.begin(), dims.end()) == dims.end(), op, ": repeated dim in reduction");
  if (rank == 0) dims.clear();  // a scalar reduces over nothing
  return dims;
}

Shape dropdim_shape(const Shape& s, const std::vector<int64_t>& dims) {
  Shape out;
  for (size_t i = 0; i < s.size(); ++i)
    if (!std::binary_search(dims.begin(), dims.end(), static_cast<int64_t>(i))) out.push_back(s[i]);
  return out;
}

// Kernel reduction of sorted dims, keepdim shape out. No autograd.
Tensor reduce_kernel(const char* op, kernels::ReduceOp k, const Tensor& x, const std::vector<int64_t>& dims) {
  check_float(op, x);
  Tensor cur = x;
  // Runs of consecutive dims, processed last to first so earlier dims keep their index.
  size_t i = dims.size();
  if (i == 0) return x.clone().detach();
  while (i > 0) {
    size_t j = i - 1;
    while (j > 0 && dims[j - 1] == dims[j] - 1) --j;
    const int64_t d0 = dims[j], d1 = dims[i - 1];
    const Shape& s = cur.shape();
    kernels::ReduceParams p;
    for (int64_t d = 0; d < d0; ++d) p.outer *= s[static_cast<size_t>(d)];
    for (int64_t d = d0; d <= d1; ++d) p.reduce *= s[static_cast<size_t>(d)];
    for (int64_t d = d1 + 1; d < static_cast<int64_t>(s.size()); ++d) p.inner *= s[static_cast<size_t>(d)];
    Shape out_shape = s;
    for (int64_t d = d0; d <= d1; ++d) out_shape[static_cast<size_t>(d)] = 1;
    Tensor out = empty_like(cur, out_shape);
    // mean of a multi-run reduction = sum everywhere, divided once below.
    const kernels::ReduceOp run_op = (k == kernels::ReduceOp::mean) ? kernels::ReduceOp::sum : k;
    dispatch_float_device(op, cur, [&]<class T>() {
      GAN_KERNEL(cur, reduce<T>)(p, run_op, cur.data<T>(), out.data<T>(), stream_of(cur));
    });
    cur = out;
    i = j;
  }
  if (k == kernels::ReduceOp::mean) {
    int64_t count = 1;
    for (int64_t d : dims) count *= x.shape()[static_cast<size_t>(d)];
    NoGradGuard ng;
    cur = mul(cur, 1.0 / static_cast<double>(count));
  }
  return cur;
}

int64_t reduced_count(const Tensor& x, const std::vector<int64_t>& dims) {
  int64_t c = 1;
  for (int64_t d : dims) c *= x.shape()[static_cast<size_t>(d)];
  return c;
}

Tensor finish(const Tensor& keep, const Shape& x_shape, const std::vector<int64_t>& dims, bool keepdim) {
  return keepdim ? keep : keep.reshape(dropdim_shape(x_shape, dims));
}

Tensor extreme(const char* op, kernels::ReduceOp k, const Tensor& x, std::vector<int64_t> dims_in, bool keepdim) {
  const auto dims = normalize_dims(op, std::move(dims_in), x.dim());
  for (int64_t d : dims)
    GAN_CHECK(x.shape()[static_cast<size_t>(d)] > 0, op, ": reduction over empty dim ", d, " of ", shape_str(x.shape()));
  Tensor y = reduce_kernel(op, k, x, dims);
  autograd::record(y, op, {x}, [x, dims, y = autograd::SavedOutput(y)](const Tensor& g) {
    const Tensor mask = eq(x, expand(y.get().detach(), x.shape()));
    const Tensor ties = sum(mask, dims, true);
    return Grads{div(mul(expand(g, x.shape()), mask), expand(ties, x.shape()))};
  });
  return finish(y, x.shape(), dims, keepdim);
}

}  // namespace

Tensor sum(const Tensor& x, std::vector<int64_t> dims_in, bool keepdim) {
  const auto dims = normalize_dims("sum", std::move(dims_in), x.dim());
  Tensor y = reduce_kernel("sum", kernels::ReduceOp::sum, x, dims);
  autograd::record(y, "sum", {x}, [shape = x.shape()](const Tensor& g) { return Grads{expand(g, shape)}; });
  return finish(y, x.shape(), dims, keepdim);
}

Tensor mean(const Tensor& x, std::vector<int64_t> dims_in, bool keepdim) {
  const auto dims = normalize_dims("mean", std::move(dims_in), x.dim());
  Tensor y = reduce_kernel("mean", kernels::ReduceOp::mean, x, dims);
  const double inv = 1.0 / static_cast<double>(reduced_count(x, dims));
  autograd::record(y, "mean", {x}, [shape = x.shape(), inv](const Tensor& g) { return Grads{mul(expand(g, shape), inv)}; });
  return finish(y, x.shape(), dims, keepdim);
}

Tensor max(const Tensor& x, std::vector<int64_t> dims, bool keepdim) {
  return extreme("max", kernels::ReduceOp::max, x, std::move(dims), keepdim);
}

Tensor min(const Tensor& x, std::vector<int64_t> dims, bool keepdim) {
  return extreme("min", kernels::ReduceOp::min, x, std::move(dims), keepdim);
}

Tensor var(const Tensor& x, std::vector<int64_t> dims_in, int64_t correction, bool keepdim) {
  const auto dims = normalize_dims("var", std::move(dims_in), x.dim());
  const int64_t n = reduced_count(x, dims);
  const Tensor centered = sub(x, mean(x, dims, true));
  const Tensor ss = sum(mul(centered, centered), dims, keepdim);
  // n - correction <= 0 gives inf/NaN, as in PyTorch.
  return mul(ss, 1.0 / static_cast<double>(n - correction));
}

Tensor sum_to(const Tensor& x, const Shape& shape) {
  if (x.shape() == shape) return x;
  GAN_CHECK(shape.size() <= x.shape().size(), "sum_to: cannot reduce ", shape_str(x.shape()), " to ", shape_str(shape));
  const size_t lead = x.shape().size() - shape.size();
  std::vector<int64_t> dims;
  for (size_t d = 0; d < x.shape().size(); ++d) {
    if (d < lead) {
      dims.push_back(static_cast<int64_t>(d));
    } else if (shape[d - lead] == 1 && x.shape()[d] != 1) {
      dims.push_back(static_cast<int64_t>(d));
    } else {
      GAN_CHECK(shape[d - lead] == x.shape()[d], "sum_to: cannot reduce ", shape_str(x.shape()), " to ",
                shape_str(shape));
    }
  }
  return sum(x, dims, true).reshape(shape);
}

Tensor expand(const Tensor& x, const Shape& shape) {
  if (x.shape() == shape) return x;
  check_defined("expand", "input", x);
  const Shape out_shape = detail::broadcast_shapes("expand", x.shape(), shape);
  GAN_CHECK(out_shape == shape, "expand: cannot expand ", shape_str(x.shape()), " to ", shape_str(shape));
  Tensor out = empty_like(x, shape);
  const auto p = detail::expand_params("expand", x.shape(), shape);
  dispatch_float_device("expand", x, [&]<class T>() {
    GAN_KERNEL(x, strided_copy<T>)(p, x.data<T>(), out.data<T>(), stream_of(x));
  });
  autograd::record(out, "expand", {x}, [from = x.shape()](const Tensor& g) { return Grads{sum_to(g, from)}; });
  return out;
}

}  // namespace gan::ops
