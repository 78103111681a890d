// ConditionalBatchNorm2d (gan/nn/conditional_batch_norm.h) over ops::conditional_batch_norm.
#include "gan/nn/conditional_batch_norm.h"

#include "gan/autograd.h"
#include "gan/ops.h"

namespace gan::nn {

ConditionalBatchNorm2d::ConditionalBatchNorm2d(int64_t c, int64_t cond, CondSource src, Generator& gen,
                                               double eps_, double momentum_, DType dtype, bool spectral)
    : Module("ConditionalBatchNorm2d"), num_features(c), cond_size(cond), source(src), eps(eps_),
      momentum(momentum_) {
  GAN_CHECK(c > 0, "ConditionalBatchNorm2d: num_features must be positive, got ", c);
  GAN_CHECK(cond > 0, "ConditionalBatchNorm2d: ",
            src == CondSource::class_embedding ? "num_classes" : "the conditioning size", " must be positive, got ",
            cond);
  GAN_CHECK(eps > 0, "ConditionalBatchNorm2d: eps must be positive, got ", eps);
  GAN_CHECK(!spectral || src == CondSource::linear_projection,
            "ConditionalBatchNorm2d: spectral norm needs the linear_projection source (the class_embedding tables "
            "start at ones / zeros)");
  if (source == CondSource::class_embedding) {
    gamma_embedding = register_module("gamma", std::make_shared<Embedding>(cond, c, gen, dtype));
    beta_embedding = register_module("beta", std::make_shared<Embedding>(cond, c, gen, dtype));
    NoGradGuard ng;  // BigGAN / projection-cGAN init: the layer starts as plain batch norm
    gamma_embedding->weight.fill_(1.0);
    beta_embedding->weight.fill_(0.0);
  } else {
    gamma_linear = std::make_shared<Linear>(cond, c, gen, true, dtype);
    beta_linear = std::make_shared<Linear>(cond, c, gen, true, dtype);
    if (spectral) {
      gamma_sn = register_module("gamma", spectral_norm(gamma_linear, gen));
      beta_sn = register_module("beta", spectral_norm(beta_linear, gen));
    } else {
      register_module("gamma", gamma_linear);
      register_module("beta", beta_linear);
    }
  }
  running_mean = register_buffer("running_mean", Tensor::zeros({c}, Options{dtype}));
  running_var = register_buffer("running_var", Tensor::ones({c}, Options{dtype}));
  num_batches_tracked = register_buffer("num_batches_tracked", Tensor::zeros({}, Options{DType::i64}));
}

Tensor ConditionalBatchNorm2d::forward(const Tensor& x, const Tensor& cond) {
  const char* op = "ConditionalBatchNorm2d";
  check_defined(op, "input", x);
  check_defined(op, "cond", cond);
  GAN_CHECK(x.dim() == 4 && x.size(1) == num_features, op, ": expected input [N, ", num_features,
            ", H, W], got ", shape_str(x.shape()));
  Tensor gamma, beta;
  if (source == CondSource::class_embedding) {
    GAN_CHECK(cond.dtype() == DType::i64 && cond.shape() == Shape{x.size(0)}, op, ": expected labels [",
              x.size(0), "] i64 for input ", shape_str(x.shape()), ", got ", shape_str(cond.shape()), " ",
              dtype_name(cond.dtype()));
    gamma = gamma_embedding->forward(cond);
    beta = beta_embedding->forward(cond);
  } else {
    GAN_CHECK(cond.shape() == Shape({x.size(0), cond_size}), op, ": expected conditioning [", x.size(0), ", ",
              cond_size, "] for input ", shape_str(x.shape()), ", got ", shape_str(cond.shape()));
    // y = (1 + gamma(e)) * xhat + beta(e)
    gamma = ops::add(gamma_sn ? gamma_sn->forward(cond) : gamma_linear->forward(cond), 1.0);
    beta = beta_sn ? beta_sn->forward(cond) : beta_linear->forward(cond);
  }
  if (is_training()) {
    batches_.increment(num_batches_tracked);  // on its device, no read back
  }
  return ops::conditional_batch_norm(x, gamma, beta, running_mean, running_var, is_training(), momentum, eps);
}

}  // namespace gan::nn
