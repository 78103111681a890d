// Optimizers against reference loops written from torch.optim's documented
// algorithms, per-group learning rates, and exact resume through state_dict.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <memory>

#include "gan/autograd.h"
#include "gan/optim/adam.h"
#include "gan/optim/rmsprop.h"
#include "gan/optim/sgd.h"

namespace {

using gan::DType;
using gan::Options;
using gan::Tensor;
using testing::HasSubstr;
using Vec = std::vector<double>;

// The small f64 problem: two parameters, gradient g_i = c_i * (p_i - t_i) + s(step, i)
// (a quadratic plus a step-dependent push so every step differs).
struct Problem {
  Vec p0 = {0.5, -1.25, 2.0, 0.125, -0.75, 1.5};  // param 0: [2], param 1: [2, 2]
  Vec c = {1.0, 3.0, 0.5, 2.0, 1.5, 0.25};
  Vec t = {0.1, 0.2, -0.3, 0.4, -0.5, 0.6};
  double grad(double p, size_t i, int step) const {
    return c[i] * (p - t[i]) + 0.01 * std::sin(static_cast<double>(step) + static_cast<double>(i));
  }
};

std::vector<Tensor> make_params(const Vec& v) {
  std::vector<Tensor> ps;
  ps.push_back(Tensor::from_data({2}, Vec{v[0], v[1]}, Options{DType::f64}));
  ps.push_back(Tensor::from_data({2, 2}, Vec{v[2], v[3], v[4], v[5]}, Options{DType::f64}));
  for (auto& p : ps) p.requires_grad_();
  return ps;
}

Vec flat(const std::vector<Tensor>& ps) {
  Vec out;
  for (const auto& p : ps)
    for (double x : p.to_double_vector()) out.push_back(x);
  return out;
}

void set_grads(std::vector<Tensor>& ps, const Problem& pr, int step) {
  size_t i = 0;
  for (auto& p : ps) {
    Vec g;
    for (double x : p.to_double_vector()) g.push_back(pr.grad(x, i++, step));
    p.set_grad(Tensor::from_data(p.shape(), g, Options{DType::f64}));
  }
}

void run_steps(gan::optim::Optimizer& opt, std::vector<Tensor>& ps, const Problem& pr, int first, int last) {
  for (int s = first; s < last; ++s) {
    set_grads(ps, pr, s);
    opt.step();
  }
}

void expect_close(const Vec& a, const Vec& b, double tol = 1e-13) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], tol * (1 + std::abs(b[i]))) << "element " << i;
}

// ---- reference algorithms (torch.optim docs, one scalar at a time) --------------------

Vec ref_adam(const Problem& pr, int steps, double lr, double b1, double b2, double eps, double wd, bool decoupled,
             bool amsgrad) {
  Vec p = pr.p0, m(p.size(), 0.0), v(p.size(), 0.0), vmax(p.size(), 0.0);
  for (int t = 1; t <= steps; ++t) {
    for (size_t i = 0; i < p.size(); ++i) {
      double g = pr.grad(p[i], i, t - 1);
      if (wd != 0) {
        if (decoupled) p[i] -= lr * wd * p[i];  // θ ← θ − γλθ
        else g += wd * p[i];                    // g ← g + λθ
      }
      m[i] = b1 * m[i] + (1 - b1) * g;
      v[i] = b2 * v[i] + (1 - b2) * g * g;
      const double mhat = m[i] / (1 - std::pow(b1, t));
      double vhat = v[i] / (1 - std::pow(b2, t));
      if (amsgrad) {
        vmax[i] = std::max(vmax[i], v[i]);
        vhat = vmax[i] / (1 - std::pow(b2, t));
      }
      p[i] -= lr * mhat / (std::sqrt(vhat) + eps);
    }
  }
  return p;
}

Vec ref_sgd(const Problem& pr, int steps, double lr, double mu, double damp, double wd, bool nesterov) {
  Vec p = pr.p0, b(p.size(), 0.0);
  for (int t = 1; t <= steps; ++t) {
    for (size_t i = 0; i < p.size(); ++i) {
      double g = pr.grad(p[i], i, t - 1);
      if (wd != 0) g += wd * p[i];
      if (mu != 0) {
        b[i] = t > 1 ? mu * b[i] + (1 - damp) * g : g;
        g = nesterov ? g + mu * b[i] : b[i];
      }
      p[i] -= lr * g;
    }
  }
  return p;
}

Vec ref_rmsprop(const Problem& pr, int steps, double lr, double alpha, double eps, double wd, double mu,
                bool centered) {
  Vec p = pr.p0, v(p.size(), 0.0), gavg(p.size(), 0.0), b(p.size(), 0.0);
  for (int t = 1; t <= steps; ++t) {
    for (size_t i = 0; i < p.size(); ++i) {
      double g = pr.grad(p[i], i, t - 1);
      if (wd != 0) g += wd * p[i];
      v[i] = alpha * v[i] + (1 - alpha) * g * g;
      double vt = v[i];
      if (centered) {
        gavg[i] = alpha * gavg[i] + (1 - alpha) * g;
        vt = vt - gavg[i] * gavg[i];
      }
      if (mu > 0) {
        b[i] = mu * b[i] + g / (std::sqrt(vt) + eps);
        p[i] -= lr * b[i];
      } else {
        p[i] -= lr * g / (std::sqrt(vt) + eps);
      }
    }
  }
  return p;
}

// ---- formulas over 3 steps ---------------------------------------------------------------------

TEST(OptimAdam, MatchesReferenceGanBetas) {
  Problem pr;
  auto ps = make_params(pr.p0);
  gan::optim::Adam opt(ps, {.lr = 0.01, .beta1 = 0.5, .beta2 = 0.999});
  run_steps(opt, ps, pr, 0, 3);
  expect_close(flat(ps), ref_adam(pr, 3, 0.01, 0.5, 0.999, 1e-8, 0.0, false, false));
  EXPECT_EQ(opt.step_count(0), 3);
  EXPECT_EQ(opt.step_count(1), 3);
}

TEST(OptimAdam, MatchesReferenceDefaultsWithL2AndAmsgrad) {
  Problem pr;
  auto ps = make_params(pr.p0);
  gan::optim::Adam opt(ps, {.lr = 0.05, .weight_decay = 0.1, .amsgrad = true});
  run_steps(opt, ps, pr, 0, 3);
  expect_close(flat(ps), ref_adam(pr, 3, 0.05, 0.9, 0.999, 1e-8, 0.1, false, true));
}

TEST(OptimAdamW, MatchesReferenceDecoupledDecay) {
  Problem pr;
  auto ps = make_params(pr.p0);
  gan::optim::AdamWOptions o;
  o.lr = 0.02;
  o.beta1 = 0.5;
  o.weight_decay = 0.3;
  gan::optim::AdamW opt(ps, o);
  run_steps(opt, ps, pr, 0, 3);
  expect_close(flat(ps), ref_adam(pr, 3, 0.02, 0.5, 0.999, 1e-8, 0.3, true, false));
  EXPECT_EQ(opt.name(), "AdamW");
  EXPECT_DOUBLE_EQ(gan::optim::AdamW(make_params(pr.p0)).get("weight_decay"), 1e-2);
}

TEST(OptimSGD, MatchesReferencePlainMomentumNesterov) {
  Problem pr;
  {
    auto ps = make_params(pr.p0);
    gan::optim::SGD opt(ps, {.lr = 0.1});
    run_steps(opt, ps, pr, 0, 3);
    expect_close(flat(ps), ref_sgd(pr, 3, 0.1, 0, 0, 0, false));
  }
  {
    auto ps = make_params(pr.p0);
    gan::optim::SGD opt(ps, {.lr = 0.1, .momentum = 0.9, .dampening = 0.2, .weight_decay = 0.05});
    run_steps(opt, ps, pr, 0, 3);
    expect_close(flat(ps), ref_sgd(pr, 3, 0.1, 0.9, 0.2, 0.05, false));
  }
  {
    auto ps = make_params(pr.p0);
    gan::optim::SGD opt(ps, {.lr = 0.1, .momentum = 0.8, .nesterov = true});
    run_steps(opt, ps, pr, 0, 3);
    expect_close(flat(ps), ref_sgd(pr, 3, 0.1, 0.8, 0, 0, true));
  }
}

TEST(OptimRMSprop, MatchesReferencePlainCenteredMomentum) {
  Problem pr;
  {
    auto ps = make_params(pr.p0);
    gan::optim::RMSprop opt(ps, {.lr = 0.01});
    run_steps(opt, ps, pr, 0, 3);
    expect_close(flat(ps), ref_rmsprop(pr, 3, 0.01, 0.99, 1e-8, 0, 0, false));
  }
  {
    auto ps = make_params(pr.p0);
    gan::optim::RMSprop opt(ps, {.lr = 0.01, .alpha = 0.9, .weight_decay = 0.1, .momentum = 0.5, .centered = true});
    run_steps(opt, ps, pr, 0, 3);
    expect_close(flat(ps), ref_rmsprop(pr, 3, 0.01, 0.9, 1e-8, 0.1, 0.5, true));
  }
}

TEST(OptimAdam, Float32ParamsTrackF64Reference) {
  Problem pr;
  auto ps = make_params(pr.p0);
  std::vector<Tensor> ps32;
  for (auto& p : ps) ps32.push_back(p.detach().to(DType::f32).requires_grad_());
  gan::optim::Adam opt(ps32, {.lr = 0.01, .beta1 = 0.5});
  for (int s = 0; s < 3; ++s) {
    set_grads(ps, pr, s);  // f64 grads computed on the f64 copy's values...
    for (size_t k = 0; k < ps.size(); ++k) {
      ps[k].set_grad({});
      ps[k].copy_(ps32[k].detach());
    }
    set_grads(ps, pr, s);  // ...at the f32 params' values, then handed over as f32
    for (size_t k = 0; k < ps.size(); ++k) ps32[k].set_grad(ps[k].grad().to(DType::f32));
    opt.step();
  }
  expect_close(flat(ps32), ref_adam(pr, 3, 0.01, 0.5, 0.999, 1e-8, 0, false, false), 1e-5);
}

// ---- groups, skipping, zero_grad ---------------------------------------------------------------

TEST(OptimGroups, PerGroupLearningRates) {
  Tensor a = Tensor::from_data({2}, Vec{1.0, 2.0}, Options{DType::f64}).requires_grad_();
  Tensor b = Tensor::from_data({1}, Vec{3.0}, Options{DType::f64}).requires_grad_();
  gan::optim::SGD opt(std::vector<gan::optim::ParamGroup>{{{a}, {{"lr", 0.5}}}, {{b}}}, {.lr = 0.1});
  EXPECT_EQ(opt.num_groups(), 2u);
  EXPECT_DOUBLE_EQ(opt.lr(0), 0.5);
  EXPECT_DOUBLE_EQ(opt.lr(1), 0.1);
  a.set_grad(Tensor::from_data({2}, Vec{1.0, -2.0}, Options{DType::f64}));
  b.set_grad(Tensor::from_data({1}, Vec{4.0}, Options{DType::f64}));
  const auto va = a.impl().version;
  opt.step();
  EXPECT_EQ(a.to_double_vector(), (Vec{1.0 - 0.5 * 1.0, 2.0 + 0.5 * 2.0}));
  EXPECT_EQ(b.to_double_vector(), (Vec{3.0 - 0.1 * 4.0}));
  EXPECT_GT(a.impl().version, va);
  // TTUR-style change of one group's rate.
  opt.set_lr(0.25, 1);
  opt.step();
  EXPECT_DOUBLE_EQ(b.to_double_vector()[0], 3.0 - 0.4 - 0.25 * 4.0);
  EXPECT_THROW(opt.set("momentum", -1.0), gan::Error);
  EXPECT_THROW(opt.lr(2), gan::Error);
}

TEST(OptimGroups, ParamsWithoutGradAreSkippedAndZeroGradClears) {
  Tensor a = Tensor::from_data({2}, Vec{1.0, 2.0}, Options{DType::f64}).requires_grad_();
  Tensor b = Tensor::from_data({1}, Vec{3.0}, Options{DType::f64}).requires_grad_();
  gan::optim::Adam opt(std::vector<Tensor>{a, b}, {.lr = 0.1});
  a.set_grad(Tensor::from_data({2}, Vec{1.0, 1.0}, Options{DType::f64}));
  opt.step();
  EXPECT_EQ(b.to_double_vector(), Vec{3.0});
  EXPECT_EQ(opt.step_count(0), 1);
  EXPECT_EQ(opt.step_count(1), 0);
  EXPECT_FALSE(opt.state(1, "exp_avg").defined());
  EXPECT_TRUE(opt.state(0, "exp_avg").defined());
  // First Adam step moves each coordinate by lr (bias-corrected m/sqrt(v) = sign(g)).
  EXPECT_NEAR(a.to_double_vector()[0], 0.9, 1e-7);
  opt.zero_grad();
  EXPECT_FALSE(a.grad().defined());
}

TEST(OptimErrors, BadConstructionIsAnError) {
  Tensor a = Tensor::from_data({2}, Vec{1.0, 2.0}, Options{DType::f64}).requires_grad_();
  EXPECT_THROW(gan::optim::Adam(std::vector<Tensor>{a}, {.beta1 = 1.0}), gan::Error);
  EXPECT_THROW(gan::optim::SGD(std::vector<Tensor>{a}, {.lr = -1}), gan::Error);
  EXPECT_THROW(gan::optim::SGD(std::vector<Tensor>{a}, {.nesterov = true}), gan::Error);
  EXPECT_THROW(gan::optim::SGD(std::vector<Tensor>{a, a}), gan::Error);
  EXPECT_THROW(gan::optim::SGD(std::vector<gan::optim::ParamGroup>{{{a}, {{"betaX", 1}}}}), gan::Error);
}

// ---- state_dict: resume is bit-identical -----------------------------------------------------

template <class Opt, class Options_>
void check_resume(const Options_& o) {
  Problem pr;
  auto full = make_params(pr.p0);
  Opt opt_full(full, o);
  run_steps(opt_full, full, pr, 0, 6);

  auto first = make_params(pr.p0);
  Opt opt_first(first, o);
  run_steps(opt_first, first, pr, 0, 3);
  gan::NamedTensors saved;
  for (auto& [k, t] : opt_first.state_dict()) saved.emplace_back(k, t.clone());
  // A fresh optimizer over fresh parameters holding the mid-run values.
  auto second = make_params(flat(first));
  Opt opt_second(second, o);
  opt_second.load_state_dict(saved);
  run_steps(opt_second, second, pr, 3, 6);
  EXPECT_EQ(flat(second), flat(full));  // bit-identical
  EXPECT_EQ(opt_second.step_count(1), 6);
}

TEST(OptimStateDict, ResumeIsBitIdentical) {
  check_resume<gan::optim::Adam>(gan::optim::AdamOptions{.lr = 0.01, .beta1 = 0.5, .amsgrad = true});
  gan::optim::AdamWOptions w;
  w.lr = 0.01;
  check_resume<gan::optim::AdamW>(w);
  check_resume<gan::optim::SGD>(gan::optim::SGDOptions{.lr = 0.1, .momentum = 0.9, .nesterov = true});
  check_resume<gan::optim::RMSprop>(gan::optim::RMSpropOptions{.momentum = 0.5, .centered = true});
}

TEST(OptimStateDict, LayoutAndHyperParameters) {
  Problem pr;
  auto ps = make_params(pr.p0);
  gan::optim::Adam opt(ps, {.lr = 0.01, .beta1 = 0.5});
  run_steps(opt, ps, pr, 0, 2);
  const auto sd = opt.state_dict();
  EXPECT_EQ(gan::find_tensor(sd, "state.0.step").item(), 2);
  EXPECT_EQ(gan::find_tensor(sd, "state.0.step").dtype(), DType::i64);
  EXPECT_EQ(gan::find_tensor(sd, "state.1.exp_avg").shape(), (gan::Shape{2, 2}));
  EXPECT_TRUE(gan::find_tensor(sd, "state.1.exp_avg_sq").defined());
  EXPECT_DOUBLE_EQ(gan::find_tensor(sd, "param_groups.0.lr").item(), 0.01);
  EXPECT_DOUBLE_EQ(gan::find_tensor(sd, "param_groups.0.beta1").item(), 0.5);
  EXPECT_EQ(gan::find_tensor(sd, "param_groups.0.params").to_vector<int64_t>(), (std::vector<int64_t>{0, 1}));
  // Hyper-parameters travel with the state.
  auto ps2 = make_params(pr.p0);
  gan::optim::Adam opt2(ps2, {.lr = 0.5});
  opt2.load_state_dict(sd);
  EXPECT_DOUBLE_EQ(opt2.lr(), 0.01);
  EXPECT_DOUBLE_EQ(opt2.get("beta1"), 0.5);
}

TEST(OptimStateDict, MismatchesAreClearErrors) {
  Problem pr;
  auto ps = make_params(pr.p0);
  gan::optim::Adam opt(ps, {.lr = 0.01});
  run_steps(opt, ps, pr, 0, 1);
  const auto sd = opt.state_dict();

  // Different shapes: names the key and both shapes.
  std::vector<Tensor> other = {Tensor::zeros({2}, Options{DType::f64}).requires_grad_(),
                               Tensor::zeros({3, 2}, Options{DType::f64}).requires_grad_()};
  gan::optim::Adam wrong_shape(other);
  try {
    wrong_shape.load_state_dict(sd);
    FAIL() << "expected an error";
  } catch (const gan::Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("state.1.exp_avg"));
    EXPECT_THAT(e.what(), HasSubstr("[2, 2]"));
    EXPECT_THAT(e.what(), HasSubstr("[3, 2]"));
  }
  // Fewer parameters.
  gan::optim::Adam fewer(std::vector<Tensor>{Tensor::zeros({2}, Options{DType::f64}).requires_grad_()});
  EXPECT_THROW(fewer.load_state_dict(sd), gan::Error);
  // Two groups vs one.
  gan::optim::Adam two(std::vector<gan::optim::ParamGroup>{{{make_params(pr.p0)[0]}}, {{make_params(pr.p0)[1]}}});
  try {
    two.load_state_dict(sd);
    FAIL() << "expected an error";
  } catch (const gan::Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("param_groups.0.params"));
  }
  // Unknown keys and buffers of another optimizer.
  auto extra = sd;
  extra.emplace_back("state.0.momentum_buffer", Tensor::zeros({2}, Options{DType::f64}));
  EXPECT_THROW(opt.load_state_dict(extra), gan::Error);
  auto junk = sd;
  junk.emplace_back("something", Tensor::zeros({1}));
  EXPECT_THROW(opt.load_state_dict(junk), gan::Error);
  // A failed load leaves the optimizer untouched.
  EXPECT_EQ(opt.step_count(0), 1);
}

}  // namespace
