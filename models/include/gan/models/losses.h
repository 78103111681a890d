// GAN losses and regularizers as free functions over the discriminator's raw
// outputs (logits for minimax / non-saturating, critic values for the others).
// Every loss is a mean over the batch, so it is a scalar Tensor [].
//
//   kind            d_loss(r, f)                              g_loss(f)
//   minimax         softplus(-r) + softplus(f)                -softplus(f)   (= log(1 - D(G(z))))
//   non_saturating  softplus(-r) + softplus(f)                softplus(-f)   (= -log D(G(z)))
//   hinge           relu(1 - r) + relu(1 + f)                 -f
//   wasserstein     f - r                                     -f
//   least_squares   ((r - 1)^2 + f^2) / 2                     (f - 1)^2 / 2
// (each term a mean over its batch). WGAN's Lipschitz constraint is either
// clip_weights (the WGAN paper, with RMSprop) or gradient_penalty (WGAN-GP).
#pragma once

#include <functional>
#include <string>

#include "gan/nn/module.h"
#include "gan/random.h"
#include "gan/tensor.h"

namespace gan::models {

enum class LossKind { minimax, non_saturating, hinge, wasserstein, least_squares };

// "minimax", "non-saturating" (also "non_saturating", "ns"), "hinge",
// "wasserstein" (also "wgan"), "least-squares" (also "least_squares", "lsgan").
// Unknown names -> gan::Error listing the accepted ones.
LossKind parse_loss_kind(const std::string& name);
const char* loss_kind_name(LossKind kind);  // the first spelling above
// Whether D's outputs are logits of a probability (minimax, non-saturating):
// monitoring then reports mean sigmoid, otherwise the mean raw output.
bool loss_uses_logits(LossKind kind);

// real_logits, fake_logits: [N] (any shape; means are over all elements).
Tensor d_loss(LossKind kind, const Tensor& real_logits, const Tensor& fake_logits);
Tensor g_loss(LossKind kind, const Tensor& fake_logits);

// The per-kind functions the dispatchers call.
Tensor minimax_d_loss(const Tensor& real_logits, const Tensor& fake_logits);
Tensor minimax_g_loss(const Tensor& fake_logits);
Tensor non_saturating_d_loss(const Tensor& real_logits, const Tensor& fake_logits);
Tensor non_saturating_g_loss(const Tensor& fake_logits);
Tensor hinge_d_loss(const Tensor& real_logits, const Tensor& fake_logits);
Tensor hinge_g_loss(const Tensor& fake_logits);
Tensor wasserstein_d_loss(const Tensor& real_logits, const Tensor& fake_logits);
Tensor wasserstein_g_loss(const Tensor& fake_logits);
Tensor least_squares_d_loss(const Tensor& real_logits, const Tensor& fake_logits);
Tensor least_squares_g_loss(const Tensor& fake_logits);

// WGAN weight clipping: every parameter of `module` clamped to [-c, c] in place
// (under no_grad, versions bumped). c must be > 0.
void clip_weights(nn::Module& module, double c);

// WGAN-GP (Gulrajani et al. 2017): x_hat = e * real + (1 - e) * fake with
// e ~ U(0, 1) per sample drawn from `gen`; returns mean over the batch of
// (||dD(x_hat)/dx_hat||_2 - 1)^2 as a scalar with its own graph (create_graph),
// so backward() reaches D's parameters through the second derivative.
// real and fake: [N, ...] of one shape; both are detached here.
// The critic is any differentiable map x [N, ...] -> [N] (a system's adversarial
// head, with its labels bound); the nn::Module overloads use D(x).
// norms (optional): receives the per-sample ||dD(x_hat)/dx_hat||_2 [N], detached
// (WGAN-GP logs their mean: it should approach 1).
using Critic = std::function<Tensor(const Tensor&)>;
Tensor gradient_penalty(const Critic& D, const Tensor& real, const Tensor& fake, Generator& gen,
                        Tensor* norms = nullptr);
Tensor gradient_penalty(nn::Module& D, const Tensor& real, const Tensor& fake, Generator& gen,
                        Tensor* norms = nullptr);

// R1 (Mescheder et al. 2018): mean over the batch of ||dD(x)/dx||_2^2 on real
// data, differentiable (create_graph). The usual weight is gamma / 2. R2 is
// the same on fakes (Roth et al. 2017; R3GAN penalizes both): r1_penalty(D, fake).
Tensor r1_penalty(const Critic& D, const Tensor& real);
Tensor r1_penalty(nn::Module& D, const Tensor& real);

// BigGAN's orthogonal regularization (Brock et al. 2019, §3.1), the
// off-diagonal form: sum over the matrices W [rows, cols] (a conv weight
// flattened to [out, in * kh * kw]) of ||W W^T (.) (1 - I)||_F^2 — the filters
// (rows) pushed towards mutual orthogonality, their norms left free. Callers
// scale it by beta (the paper's 1e-4). With graph, any dtype and device; an
// empty list gives 0 (f32, CPU).
// BigGAN-PyTorch's utils.ortho applies 2 (W W^T (.) (1 - I)) W directly as the
// gradient, half the gradient of this loss (4 (W W^T (.) (1 - I)) W): there
// beta = 1e-4 acts as 5e-5 would here.
Tensor orthogonal_penalty(const std::vector<Tensor>& matrices);

// The relativistic pairing GAN loss (RpGAN: Jolicoeur-Martineau 2019; R3GAN,
// Huang et al. 2024) with f = softplus, real and fake logits paired by row:
//   L_D = mean softplus(D(fake_i) - D(real_i))      L_G = mean softplus(D(real_i) - D(fake_i))
// real_logits and fake_logits: [N] of one shape.
Tensor relativistic_d_loss(const Tensor& real_logits, const Tensor& fake_logits);
Tensor relativistic_g_loss(const Tensor& real_logits, const Tensor& fake_logits);

// Class cross-entropy of logits [N, K] against labels [N] i64, mean over the
// labelled rows only (label -1 = unlabelled: semi-supervised batches); 0 when
// no row is labelled. No read back: on a device the labels stay there.
Tensor labelled_cross_entropy(const Tensor& logits, const Tensor& labels);

// log sum_k exp(x[:, k]) over dim 1: [N, K] -> [N], stable (the max is
// subtracted, as a constant) and twice differentiable.
Tensor logsumexp_rows(const Tensor& x);

// Images x [N, C, S, S] turned k quarter turns counterclockwise in the (H, W)
// plane, as torch.rot90(x, k, [2, 3]) (out[.., i, j] = x[.., j, S - 1 - i] for
// k = 1); any k (mod 4). Differentiable: the self-supervised GAN's rotation task.
Tensor rotate90(const Tensor& x, int64_t k);

}  // namespace gan::models
