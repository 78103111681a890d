// Losses and softmax.
//
// Each loss runs its kernel per element (reduction none) and reduces with
// ops::mean / ops::sum, whose own gradients are recorded as usual. Backwards
// are composites of engine ops (twice differentiable); cross_entropy runs its
// first-order kernel during a plain backward and the composite under
// create_graph. softmax / log_softmax work on the last dim; any other dim is
// permuted there and back.
//
// | op              | backward (g = incoming gradient, y = output)          | 2nd order |
// |-----------------|-------------------------------------------------------|-----------|
// | bce_with_logits | (sigmoid(x) - t) * g ; target: -x * g                 | yes       |
// | mse_loss        | 2(x - t) * g ; target: -2(x - t) * g                  | yes       |
// | cross_entropy   | (softmax(x) - onehot(labels)) * g[:, None]            | yes       |
// | softmax         | y * (g - sum(g * y, dim, keepdim))                    | yes       |
// | log_softmax     | g - exp(y) * sum(g, dim, keepdim)                     | yes       |
#include "gan/autograd.h"
#include "gan/dispatch.h"
#include "gan/kernels/loss.h"
#include "gan/ops.h"

namespace gan::ops {

using autograd::SavedOutput;
using Grads = std::vector<Tensor>;

namespace {

bool wants(const Tensor& t) { return t.defined() && t.requires_grad(); }

void check_pair(const char* op, const char* a_name, const Tensor& a, const char* b_name, const Tensor& b) {
  check_defined(op, a_name, a);
  check_defined(op, b_name, b);
  check_float(op, a);
  check_same_device(op, a, b);
  check_same_dtype(op, a, b);
  GAN_CHECK(a.shape() == b.shape(), op, ": ", a_name, " ", shape_str(a.shape()), " and ", b_name, " ",
            shape_str(b.shape()), " must have the same shape");
}

Tensor reduce(const Tensor& per_element, Reduction r) {
  switch (r) {
    case Reduction::none: return per_element;
    case Reduction::mean: return mean(per_element);
    case Reduction::sum: return sum(per_element);
  }
  return per_element;
}

// Softmax-family kernel over the last dim, viewed as [M, D].
template <bool kLog>
Tensor softmax_last(const char* op, const Tensor& x) {
  const int64_t d = x.dim() == 0 ? 1 : x.size(-1);
  const int64_t m = d > 0 ? x.numel() / d : 0;
  Tensor y = empty_like(x);
  if (x.numel() > 0) {
    dispatch_float_device(op, x, [&]<class T>() {
      if constexpr (kLog) {
        GAN_KERNEL(x, log_softmax_fprop<T>)(m, d, x.data<T>(), y.data<T>(), stream_of(x));
      } else {
        GAN_KERNEL(x, softmax_fprop<T>)(m, d, x.data<T>(), y.data<T>(), stream_of(x));
      }
    });
  }
  const std::vector<int64_t> last{-1};
  autograd::record(y, op, {x}, [y = SavedOutput(y), last, m, d](const Tensor& g) {
    const Tensor yy = y.get();
    if (autograd::grad_enabled()) {  // create_graph: composite, differentiable again
      if constexpr (kLog) return Grads{sub(g, mul(exp(yy), sum(g, last, true)))};
      else return Grads{mul(yy, sub(g, sum(mul(g, yy), last, true)))};
    }
    // One pass of the backward kernel instead of three or four ops with
    // temporaries of y's size (attention maps: 64 x 256 x 256 in BigGAN-lite's D).
    const Tensor gc = g.contiguous();
    Tensor dx = empty_like(yy);
    if (yy.numel() > 0) {
      dispatch_float_device(kLog ? "log_softmax_backward" : "softmax_backward", yy, [&]<class T>() {
        if constexpr (kLog) {
          GAN_KERNEL(yy, log_softmax_bprop<T>)(m, d, yy.data<T>(), gc.data<T>(), dx.data<T>(), stream_of(yy));
        } else {
          GAN_KERNEL(yy, softmax_bprop<T>)(m, d, yy.data<T>(), gc.data<T>(), dx.data<T>(), stream_of(yy));
        }
      });
    }
    return Grads{dx};
  });
  return y;
}

template <bool kLog>
Tensor softmax_any(const char* op, const Tensor& x, int64_t dim) {
  check_float(op, x);
  if (x.dim() == 0) return softmax_last<kLog>(op, x.reshape({1})).reshape({});
  const int64_t d = wrap_dim(op, dim, x.dim());
  if (d == x.dim() - 1) return softmax_last<kLog>(op, x);
  std::vector<int64_t> perm;
  for (int64_t i = 0; i < x.dim(); ++i)
    if (i != d) perm.push_back(i);
  perm.push_back(d);
  std::vector<int64_t> inverse(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) inverse[static_cast<size_t>(perm[i])] = static_cast<int64_t>(i);
  return permute(softmax_last<kLog>(op, permute(x, perm)), inverse);
}

}  // namespace

Tensor softmax(const Tensor& x, int64_t dim) { return softmax_any<false>("softmax", x, dim); }
Tensor log_softmax(const Tensor& x, int64_t dim) { return softmax_any<true>("log_softmax", x, dim); }

Tensor bce_with_logits(const Tensor& logits, const Tensor& target, Reduction r) {
  const char* op = "bce_with_logits";
  check_pair(op, "logits", logits, "target", target);
  Tensor loss = empty_like(logits);
  dispatch_float_device(op, logits, [&]<class T>() {
    GAN_KERNEL(logits, bce_with_logits_fprop<T>)(logits.numel(), logits.data<T>(), target.data<T>(), loss.data<T>(),
                                                 stream_of(logits));
  });
  autograd::record(loss, op, {logits, target}, [logits, target](const Tensor& g) {
    Tensor dx, dt;
    if (wants(logits)) dx = mul(sub(sigmoid(logits), target), g);
    if (wants(target)) dt = neg(mul(logits, g));
    return Grads{dx, dt};
  });
  return reduce(loss, r);
}

Tensor mse_loss(const Tensor& x, const Tensor& target, Reduction r) {
  const char* op = "mse_loss";
  check_pair(op, "input", x, "target", target);
  Tensor loss = empty_like(x);
  dispatch_float_device(op, x, [&]<class T>() {
    GAN_KERNEL(x, mse_fprop<T>)(x.numel(), x.data<T>(), target.data<T>(), loss.data<T>(), stream_of(x));
  });
  autograd::record(loss, op, {x, target}, [x, target](const Tensor& g) {
    const Tensor d = mul(mul(sub(x, target), g), 2.0);
    return Grads{wants(x) ? d : Tensor(), wants(target) ? neg(d) : Tensor()};
  });
  return reduce(loss, r);
}

Tensor cross_entropy(const Tensor& logits, const Tensor& labels, Reduction r) {
  const char* op = "cross_entropy";
  check_float(op, logits);
  check_dtype(op, "labels", labels, DType::i64);
  GAN_CHECK(logits.dim() == 2, op, ": expected logits [N, C], got ", shape_str(logits.shape()), " with labels ",
            shape_str(labels.shape()));
  const int64_t n = logits.size(0), c = logits.size(1);
  GAN_CHECK(labels.dim() == 1 && labels.size(0) == n, op, ": labels ", shape_str(labels.shape()),
            " do not match logits ", shape_str(logits.shape()), " (expected [", n, "])");
  check_same_device(op, logits, labels);
  // CPU labels are validated here, before any kernel runs. CUDA labels are
  // not copied down for it (a synchronisation per call): the kernel checks
  // each as it reads it and a bad one is raised at the next read back
  // (gan/kernels/index_fault.h).
  if (labels.device().is_cpu()) {
    const int64_t* lp = labels.data<int64_t>();
    for (int64_t i = 0; i < n; ++i)
      GAN_CHECK(lp[i] >= 0 && lp[i] < c, op, ": label ", lp[i], " at row ", i, " out of range [0, ", c,
                ") for logits ", shape_str(logits.shape()));
  }
  Tensor loss = empty_like(logits, {n});
  Tensor save_lsm = empty_like(logits);
  if (n > 0) {
    GAN_CHECK(c > 0, op, ": logits ", shape_str(logits.shape()), " have no classes");
    dispatch_float_device(op, logits, [&]<class T>() {
      GAN_KERNEL(logits, cross_entropy_fprop<T>)(n, c, logits.data<T>(), labels.data<int64_t>(), loss.data<T>(),
                                                 save_lsm.data<T>(), stream_of(logits));
    });
  }
  autograd::record(loss, op, {logits}, [logits, labels, save_lsm, n, c](const Tensor& g) {
    if (autograd::grad_enabled()) {  // create_graph: composite, differentiable again
      // One-hot rows gathered from the identity on the labels' device (no read back).
      Tensor eye = Tensor::zeros({c, c}, Options{logits.dtype(), Device::cpu()});
      dispatch_float("cross_entropy_backward", eye, [&]<class T>() {
        for (int64_t i = 0; i < c; ++i) eye.data<T>()[i * c + i] = T(1);
      });
      const Tensor onehot = index_select0(eye.to(logits.device()), labels);  // [n, c]
      return Grads{mul(sub(softmax(logits, 1), onehot), g.reshape({n, 1}))};
    }
    Tensor dx = empty_like(logits);
    if (n > 0) {
      dispatch_float_device("cross_entropy_backward", logits, [&]<class T>() {
        GAN_KERNEL(logits, cross_entropy_bprop<T>)(n, c, save_lsm.data<T>(), labels.data<int64_t>(), g.data<T>(),
                                                   dx.data<T>(), stream_of(logits));
      });
    }
    return Grads{dx};
  });
  return reduce(loss, r);
}

}  // namespace gan::ops
