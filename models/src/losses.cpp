// GAN losses over D's raw outputs, WGAN weight clipping, and the two gradient
// regularizers (WGAN-GP, R1) that differentiate D's input gradient again.
#include "gan/models/losses.h"

#include <limits>
#include <string>
#include <vector>

#include "gan/autograd.h"
#include "gan/ops.h"

namespace gan::models {

using ops::mean;
using ops::relu;
using ops::softplus;

LossKind parse_loss_kind(const std::string& name) {
  if (name == "minimax") return LossKind::minimax;
  if (name == "non-saturating" || name == "non_saturating" || name == "ns") return LossKind::non_saturating;
  if (name == "hinge") return LossKind::hinge;
  if (name == "wasserstein" || name == "wgan") return LossKind::wasserstein;
  if (name == "least-squares" || name == "least_squares" || name == "lsgan") return LossKind::least_squares;
  throw Error("unknown loss '" + name +
              "' (expected one of: minimax, non-saturating, hinge, wasserstein, least-squares)");
}

const char* loss_kind_name(LossKind kind) {
  switch (kind) {
    case LossKind::minimax: return "minimax";
    case LossKind::non_saturating: return "non-saturating";
    case LossKind::hinge: return "hinge";
    case LossKind::wasserstein: return "wasserstein";
    case LossKind::least_squares: return "least-squares";
  }
  return "?";
}

bool loss_uses_logits(LossKind kind) { return kind == LossKind::minimax || kind == LossKind::non_saturating; }

// -log sigmoid(r) = softplus(-r); -log(1 - sigmoid(f)) = softplus(f): stable for any logit.
Tensor minimax_d_loss(const Tensor& r, const Tensor& f) { return mean(softplus(-r)) + mean(softplus(f)); }
// G minimizes log(1 - sigmoid(f)) = -softplus(f) (saturates when D rejects fakes).
Tensor minimax_g_loss(const Tensor& f) { return -mean(softplus(f)); }
Tensor non_saturating_d_loss(const Tensor& r, const Tensor& f) { return minimax_d_loss(r, f); }
Tensor non_saturating_g_loss(const Tensor& f) { return mean(softplus(-f)); }
Tensor hinge_d_loss(const Tensor& r, const Tensor& f) { return mean(relu(1.0 - r)) + mean(relu(1.0 + f)); }
Tensor hinge_g_loss(const Tensor& f) { return -mean(f); }
Tensor wasserstein_d_loss(const Tensor& r, const Tensor& f) { return mean(f) - mean(r); }
Tensor wasserstein_g_loss(const Tensor& f) { return -mean(f); }
Tensor least_squares_d_loss(const Tensor& r, const Tensor& f) {
  return 0.5 * (mean(ops::square(r - 1.0)) + mean(ops::square(f)));
}
Tensor least_squares_g_loss(const Tensor& f) { return 0.5 * mean(ops::square(f - 1.0)); }

Tensor relativistic_d_loss(const Tensor& r, const Tensor& f) {
  GAN_CHECK(r.shape() == f.shape(), "relativistic_d_loss: real ", shape_str(r.shape()), " and fake ",
            shape_str(f.shape()), " logits must pair row by row");
  return mean(softplus(f - r));
}
Tensor relativistic_g_loss(const Tensor& r, const Tensor& f) { return relativistic_d_loss(f, r); }

Tensor d_loss(LossKind kind, const Tensor& real_logits, const Tensor& fake_logits) {
  switch (kind) {
    case LossKind::minimax: return minimax_d_loss(real_logits, fake_logits);
    case LossKind::non_saturating: return non_saturating_d_loss(real_logits, fake_logits);
    case LossKind::hinge: return hinge_d_loss(real_logits, fake_logits);
    case LossKind::wasserstein: return wasserstein_d_loss(real_logits, fake_logits);
    case LossKind::least_squares: return least_squares_d_loss(real_logits, fake_logits);
  }
  throw Error("d_loss: unknown loss kind");
}

Tensor g_loss(LossKind kind, const Tensor& fake_logits) {
  switch (kind) {
    case LossKind::minimax: return minimax_g_loss(fake_logits);
    case LossKind::non_saturating: return non_saturating_g_loss(fake_logits);
    case LossKind::hinge: return hinge_g_loss(fake_logits);
    case LossKind::wasserstein: return wasserstein_g_loss(fake_logits);
    case LossKind::least_squares: return least_squares_g_loss(fake_logits);
  }
  throw Error("g_loss: unknown loss kind");
}

void clip_weights(nn::Module& module, double c) {
  GAN_CHECK(c > 0, "clip_weights: clip value must be > 0, got ", c);
  NoGradGuard ng;
  for (Tensor& p : module.parameters()) {
    p.copy_(ops::clamp(p, -c, c));
    p.bump_version();
  }
}

namespace {

// d(sum D(x))/dx with its own graph: [N, ...] like x.
Tensor input_gradient(const Critic& D, const Tensor& x) {
  autograd::EnableGradGuard eg(true);
  const Tensor out = D(x);
  autograd::GradOptions o;
  o.create_graph = true;
  return autograd::grad({ops::sum(out)}, {x}, {}, o)[0];
}

// Per-sample squared L2 norm of g [N, ...] -> [N].
Tensor per_sample_sq_norm(const Tensor& g) { return ops::sum(ops::square(g.flatten(1)), {1}); }

}  // namespace

Tensor gradient_penalty(nn::Module& D, const Tensor& real, const Tensor& fake, Generator& gen, Tensor* norms) {
  return gradient_penalty([&D](const Tensor& x) { return D(x); }, real, fake, gen, norms);
}

Tensor r1_penalty(nn::Module& D, const Tensor& real) {
  return r1_penalty([&D](const Tensor& x) { return D(x); }, real);
}

Tensor gradient_penalty(const Critic& D, const Tensor& real, const Tensor& fake, Generator& gen, Tensor* norms) {
  GAN_CHECK(real.shape() == fake.shape() && real.dim() >= 2, "gradient_penalty: real ", shape_str(real.shape()),
            " and fake ", shape_str(fake.shape()), " must have one shape [N, ...]");
  Shape eshape(static_cast<size_t>(real.dim()), 1);
  eshape[0] = real.size(0);
  const Tensor e = Tensor::rand(eshape, gen, 0.0, 1.0, {real.dtype(), real.device()});
  Tensor x_hat;
  {
    NoGradGuard ng;
    x_hat = e * real.detach() + (1.0 - e) * fake.detach();
  }
  x_hat.requires_grad_(true);
  const Tensor g = input_gradient(D, x_hat);
  // The 1e-12 keeps sqrt's derivative finite when a gradient is exactly zero.
  const Tensor norm = ops::sqrt(per_sample_sq_norm(g) + 1e-12);
  if (norms) *norms = norm.detach();
  return mean(ops::square(norm - 1.0));
}

Tensor orthogonal_penalty(const std::vector<Tensor>& matrices) {
  Tensor total;
  for (const Tensor& w : matrices) {
    GAN_CHECK(w.defined() && w.dim() == 2, "orthogonal_penalty: expected weight matrices [rows, cols], got ",
              w.defined() ? shape_str(w.shape()) : std::string("none"));
    const int64_t r = w.size(0);
    // 1 - I, made on w's device (an upload would wait for the queued step).
    const Tensor ramp = Tensor::arange(r, Options{w.dtype(), w.device()});
    const Tensor mask = ops::rsub(1.0, ops::eq(ramp.reshape({r, 1}), ramp.reshape({1, r})));
    const Tensor gram = ops::matmul(w, ops::transpose(w, 0, 1));  // [rows, rows]
    const Tensor term = ops::sum(ops::square(gram * mask));
    total = total.defined() ? total + term : term;
  }
  return total.defined() ? total : Tensor::scalar(0.0);
}

Tensor r1_penalty(const Critic& D, const Tensor& real) {
  GAN_CHECK(real.dim() >= 2, "r1_penalty: expected real [N, ...], got ", shape_str(real.shape()));
  Tensor x = real.detach();  // a new leaf sharing real's storage
  x.requires_grad_(true);
  return mean(per_sample_sq_norm(input_gradient(D, x)));
}

Tensor labelled_cross_entropy(const Tensor& logits, const Tensor& labels) {
  GAN_CHECK(logits.dim() == 2 && labels.dim() == 1 && labels.size(0) == logits.size(0) && labels.dtype() == DType::i64,
            "labelled_cross_entropy: logits ", shape_str(logits.shape()), " and labels ", shape_str(labels.shape()),
            " must be [N, K] and [N] i64");
  // A weight per row instead of a gather of the labelled rows: the labels stay
  // on the device (picking rows on the host was a read back per call).
  // Unlabelled rows (-1) ask the kernel for class 0 at weight 0; a label >= K
  // is passed on as it is, so cross_entropy names it.
  const Tensor y = labels.to(logits.dtype());                                       // [N]
  const Tensor labelled = ops::gt(y, -0.5);                                         // [N] 1 / 0
  const Tensor safe = ops::clamp(y, 0, std::numeric_limits<double>::infinity()).to(DType::i64);
  const Tensor rows = ops::cross_entropy(logits, safe, ops::Reduction::none);       // [N]
  const Tensor count = ops::clamp(ops::sum(labelled), 1, static_cast<double>(logits.size(0) + 1));
  return ops::sum(rows * labelled) / count;
}

Tensor logsumexp_rows(const Tensor& x) {
  GAN_CHECK(x.dim() == 2, "logsumexp_rows: expected [N, K], got ", shape_str(x.shape()));
  const Tensor m = ops::max(x, {1}, true).detach();  // [N, 1], a constant shift
  return (ops::log(ops::sum(ops::exp(x - m), {1})) + m.reshape({x.size(0)}));
}

// x [N, C, H, W] turned k quarter turns counterclockwise in the (H, W) plane,
// as torch.rot90(x, k, [2, 3]): out[.., i, j] = x[.., j, W - 1 - i] for k = 1.
// Differentiable (permutes and a row gather).
Tensor rotate90(const Tensor& x, int64_t k) {
  GAN_CHECK(x.dim() == 4 && x.size(2) == x.size(3), "rotate90: expected square images [N, C, S, S], got ",
            shape_str(x.shape()));
  k = ((k % 4) + 4) % 4;
  Tensor y = x;
  const int64_t s = x.size(3);
  // s - 1, ..., 0, made on x's device (no upload).
  const Tensor idx = Tensor::arange(static_cast<double>(s - 1), -1.0, -1.0, Options{DType::i64, x.device()});
  for (int64_t t = 0; t < k; ++t) {
    // flip W (gather rows of the W-first permutation), then swap H and W.
    const Tensor flipped = ops::permute(ops::index_select0(ops::permute(y, {3, 0, 1, 2}), idx), {1, 2, 3, 0});
    y = ops::transpose(flipped, 2, 3);
  }
  return k == 0 ? x : y;
}

}  // namespace gan::models
