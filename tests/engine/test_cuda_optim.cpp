// Optimizers and the weight EMA on CUDA tensors against the same on the CPU:
// Adam/AdamW (one multi-tensor launch per group, per dtype/device), SGD and
// RMSprop (per-tensor kernels), over several steps with fresh gradients, f32
// and f64, parameters skipped on some steps (different step counts inside one
// launch), several parameter groups, mixed dtypes and devices in one group,
// state_dict round trips on CUDA (and CUDA -> CPU), and ema_update. Every
// parameter and state buffer must be bit-identical (the kernels follow the CPU
// reference's rounding sequence). Runs on the SIMT emulator in the sim flavour;
// skips without a CUDA backend.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cuda_compare.h"
#include "gan/autograd.h"
#include "gan/optim/adam.h"
#include "gan/optim/ema.h"
#include "gan/optim/rmsprop.h"
#include "gan/optim/sgd.h"

namespace gan {
namespace {

using testing::kCuda;
using testing::max_rel_err;
using ::testing::HasSubstr;

using MakeOpt = std::function<std::unique_ptr<optim::Optimizer>(std::vector<optim::ParamGroup>)>;

// Sizes 1, 7, 1000, 65537 and a conv weight; shapes as nested lists of groups.
const std::vector<Shape> kShapes = {{1}, {7}, {10, 100}, {65537}, {4, 3, 4, 4}};

std::vector<Tensor> make_params(const std::vector<Shape>& shapes, DType dt, Device dev, uint64_t seed) {
  Generator gen(seed);
  std::vector<Tensor> ps;
  for (const Shape& s : shapes) {
    Tensor p = Tensor::randn(s, gen).to(dt).to(dev);
    p.requires_grad_();
    ps.push_back(p);
  }
  return ps;
}

// Same gradients on both devices; parameter `skip` gets none (its state and step stay).
void set_grads(std::vector<Tensor>& cpu, std::vector<Tensor>& dev, Generator& gen, int64_t skip) {
  for (size_t i = 0; i < cpu.size(); ++i) {
    if (static_cast<int64_t>(i) == skip) {
      cpu[i].set_grad({});
      dev[i].set_grad({});
      continue;
    }
    const Tensor g = Tensor::randn(cpu[i].shape(), gen).to(cpu[i].dtype());
    cpu[i].set_grad(g);
    dev[i].set_grad(g.to(dev[i].device()));
  }
}

// Max error over every parameter and every state buffer (0 expected).
double compare(const optim::Optimizer& oc, const optim::Optimizer& od, const std::vector<Tensor>& cpu,
               const std::vector<Tensor>& dev, const std::vector<std::string>& buffers) {
  double err = 0;
  for (size_t i = 0; i < cpu.size(); ++i) {
    err = std::max(err, max_rel_err(dev[i].to(Device::cpu()), cpu[i]));
    EXPECT_EQ(od.step_count(i), oc.step_count(i)) << "parameter " << i;
    for (const auto& b : buffers) {
      const Tensor sc = oc.state(i, b), sd = od.state(i, b);
      EXPECT_EQ(sc.defined(), sd.defined()) << b << " of parameter " << i;
      if (!sc.defined() || !sd.defined()) continue;
      EXPECT_EQ(sd.device(), dev[i].device()) << b;
      err = std::max(err, max_rel_err(sd.to(Device::cpu()), sc));
    }
  }
  return err;
}

// Runs `steps` steps of the same optimizer over CPU params and their CUDA
// copies (groups split as `group_sizes`), dropping parameter (step % nparams)'s
// gradient on odd steps; returns the max error after each step.
double run_both(const MakeOpt& make, DType dt, const std::vector<size_t>& group_sizes,
                const std::vector<std::string>& buffers, int steps = 4) {
  std::vector<Tensor> cpu = make_params(kShapes, dt, Device::cpu(), 3);
  std::vector<Tensor> dev;
  for (const Tensor& p : cpu) dev.push_back(p.detach().to(kCuda).requires_grad_());
  auto groups = [&](std::vector<Tensor>& ps) {
    std::vector<optim::ParamGroup> gs;
    size_t at = 0;
    for (size_t g = 0; g < group_sizes.size(); ++g) {
      std::vector<Tensor> sub(ps.begin() + static_cast<std::ptrdiff_t>(at),
                              ps.begin() + static_cast<std::ptrdiff_t>(at + group_sizes[g]));
      at += group_sizes[g];
      gs.emplace_back(sub, optim::HyperParams{{"lr", 1e-2 * static_cast<double>(g + 1)}});
    }
    return gs;
  };
  auto oc = make(groups(cpu)), od = make(groups(dev));
  Generator gen(17);
  double err = 0;
  for (int s = 0; s < steps; ++s) {
    set_grads(cpu, dev, gen, s % 2 ? static_cast<int64_t>(s % cpu.size()) : -1);
    oc->step();
    od->step();
    err = std::max(err, compare(*oc, *od, cpu, dev, buffers));
  }
  EXPECT_NE(oc->step_count(1), oc->step_count(0));  // a skipped parameter: step counts differ in one launch
  return err;
}

const std::vector<std::string> kAdamBuffers = {"exp_avg", "exp_avg_sq", "max_exp_avg_sq"};

TEST(CudaOptim, AdamAndAdamWMatchCpu) {
  GAN_REQUIRE_CUDA_DEVICE();
  struct Case {
    const char* name;
    MakeOpt make;
  };
  const Case cases[] = {
      {"Adam dcgan betas", [](auto g) { return std::make_unique<optim::Adam>(g, optim::AdamOptions{.lr = 2e-4, .beta1 = 0.5}); }},
      {"Adam L2 amsgrad",
       [](auto g) {
         return std::make_unique<optim::Adam>(g, optim::AdamOptions{.weight_decay = 0.05, .amsgrad = true});
       }},
      {"AdamW", [](auto g) { return std::make_unique<optim::AdamW>(g); }},
      {"AdamW amsgrad",
       [](auto g) {
         optim::AdamWOptions o;
         o.amsgrad = true;
         o.weight_decay = 0.1;
         return std::make_unique<optim::AdamW>(g, o);
       }},
  };
  for (const auto& c : cases)
    for (DType dt : {DType::f32, DType::f64}) {
      const double err1 = run_both(c.make, dt, {kShapes.size()}, kAdamBuffers);
      const double err3 = run_both(c.make, dt, {2, 1, 2}, kAdamBuffers);  // three groups, lr 1e-2, 2e-2, 3e-2
      std::printf("[ optim ] %-18s %s  one group: max err %.3g, three groups: %.3g\n", c.name, dtype_name(dt),
                  err1, err3);
      EXPECT_EQ(err1, 0.0) << c.name << " " << dtype_name(dt);
      EXPECT_EQ(err3, 0.0) << c.name << " " << dtype_name(dt);
    }
}

TEST(CudaOptim, SgdAndRmspropMatchCpu) {
  GAN_REQUIRE_CUDA_DEVICE();
  struct Case {
    const char* name;
    MakeOpt make;
    std::vector<std::string> buffers;
  };
  const Case cases[] = {
      {"SGD", [](auto g) { return std::make_unique<optim::SGD>(g, optim::SGDOptions{.lr = 0.1}); }, {"momentum_buffer"}},
      {"SGD nesterov wd",
       [](auto g) {
         return std::make_unique<optim::SGD>(
             g, optim::SGDOptions{.lr = 0.1, .momentum = 0.9, .weight_decay = 0.01, .nesterov = true});
       },
       {"momentum_buffer"}},
      {"SGD dampening",
       [](auto g) {
         return std::make_unique<optim::SGD>(g, optim::SGDOptions{.lr = 0.1, .momentum = 0.5, .dampening = 0.2});
       },
       {"momentum_buffer"}},
      {"RMSprop", [](auto g) { return std::make_unique<optim::RMSprop>(g); }, {"square_avg"}},
      {"RMSprop centered mom wd",
       [](auto g) {
         return std::make_unique<optim::RMSprop>(
             g, optim::RMSpropOptions{.weight_decay = 0.01, .momentum = 0.9, .centered = true});
       },
       {"square_avg", "grad_avg", "momentum_buffer"}},
  };
  for (const auto& c : cases)
    for (DType dt : {DType::f32, DType::f64}) {
      const double err = run_both(c.make, dt, {2, 3}, c.buffers);
      std::printf("[ optim ] %-24s %s  two groups: max err %.3g\n", c.name, dtype_name(dt), err);
      EXPECT_EQ(err, 0.0) << c.name << " " << dtype_name(dt);
    }
}

// One group holding f32 and f64 CUDA parameters and a CPU parameter: two
// multi-tensor launches plus the CPU reference, same results as all-CPU.
TEST(CudaOptim, AdamGroupWithMixedDtypesAndDevices) {
  GAN_REQUIRE_CUDA_DEVICE();
  std::vector<Tensor> cpu = make_params({{5}, {3, 3}, {1000}, {2, 2}}, DType::f32, Device::cpu(), 5);
  cpu[1] = cpu[1].detach().to(DType::f64).requires_grad_();
  cpu[3] = cpu[3].detach().to(DType::f64).requires_grad_();
  std::vector<Tensor> dev;
  for (size_t i = 0; i < cpu.size(); ++i)
    dev.push_back(i == 2 ? cpu[i].detach().clone().requires_grad_() : cpu[i].detach().to(kCuda).requires_grad_());
  optim::Adam oc(cpu, {.beta1 = 0.5, .amsgrad = true}), od(dev, {.beta1 = 0.5, .amsgrad = true});
  Generator gen(23);
  double err = 0;
  for (int s = 0; s < 3; ++s) {
    set_grads(cpu, dev, gen, -1);
    oc.step();
    od.step();
    err = std::max(err, compare(oc, od, cpu, dev, kAdamBuffers));
  }
  EXPECT_TRUE(od.state(0, "exp_avg").device().is_cuda());
  EXPECT_TRUE(od.state(2, "exp_avg").device().is_cpu());
  EXPECT_EQ(od.state(1, "exp_avg").dtype(), DType::f64);
  EXPECT_EQ(err, 0.0);
}

// state_dict of a CUDA optimizer: load into a fresh CUDA optimizer (and into a
// CPU one) and continue; both continuations match the uninterrupted run.
TEST(CudaOptim, StateDictRoundTripOnCuda) {
  GAN_REQUIRE_CUDA_DEVICE();
  for (DType dt : {DType::f32, DType::f64}) {
    std::vector<Tensor> a = make_params(kShapes, dt, kCuda, 9);
    optim::Adam oa(a, {.lr = 1e-2, .beta1 = 0.5, .amsgrad = true});
    Generator gen(31);
    std::vector<Tensor> grads;
    auto apply = [&](std::vector<Tensor>& ps, optim::Optimizer& o, int s) {
      for (size_t i = 0; i < ps.size(); ++i) ps[i].set_grad(grads[static_cast<size_t>(s) * ps.size() + i].to(ps[i].device()));
      o.step();
    };
    for (int s = 0; s < 5; ++s)
      for (const Tensor& p : a) grads.push_back(Tensor::randn(p.shape(), gen).to(dt));
    for (int s = 0; s < 3; ++s) apply(a, oa, s);
    NamedTensors sd;
    for (const auto& [k, t] : oa.state_dict()) sd.emplace_back(k, t.clone());  // a snapshot
    for (const auto& [k, t] : sd) {
      if (k.find("exp_avg") != std::string::npos) {
        EXPECT_TRUE(t.device().is_cuda()) << k;
      }
    }
    std::vector<Tensor> b, c;
    for (const Tensor& p : a) {
      b.push_back(p.detach().clone().requires_grad_());
      c.push_back(p.detach().to(Device::cpu()).requires_grad_());
    }
    optim::Adam ob(b, {.lr = 0.5}), ocpu(c, {.lr = 0.5});  // hyper-parameters come from the state
    ob.load_state_dict(sd);
    ocpu.load_state_dict(sd);
    EXPECT_EQ(ob.lr(), 1e-2);
    EXPECT_TRUE(ob.state(0, "exp_avg").device().is_cuda());
    EXPECT_TRUE(ocpu.state(0, "exp_avg").device().is_cpu());
    for (int s = 3; s < 5; ++s) {
      apply(a, oa, s);
      apply(b, ob, s);
      apply(c, ocpu, s);
    }
    double err_b = 0, err_c = 0;
    for (size_t i = 0; i < a.size(); ++i) {
      err_b = std::max(err_b, max_rel_err(b[i].to(Device::cpu()), a[i].to(Device::cpu())));
      err_c = std::max(err_c, max_rel_err(c[i], a[i].to(Device::cpu())));
      err_b = std::max(err_b, max_rel_err(ob.state(i, "max_exp_avg_sq").to(Device::cpu()),
                                          oa.state(i, "max_exp_avg_sq").to(Device::cpu())));
      EXPECT_EQ(ob.step_count(i), 5);
    }
    std::printf("[ optim ] state_dict round trip %s: CUDA->CUDA max err %.3g, CUDA->CPU %.3g\n", dtype_name(dt),
                err_b, err_c);
    EXPECT_EQ(err_b, 0.0);
    EXPECT_EQ(err_c, 0.0);
  }
}

TEST(CudaOptim, EmaUpdateMatchesCpu) {
  GAN_REQUIRE_CUDA_DEVICE();
  std::vector<Tensor> ec = make_params(kShapes, DType::f32, Device::cpu(), 41);
  ec[2] = ec[2].detach().to(DType::f64);  // a second dtype: a second launch
  std::vector<Tensor> pc = make_params(kShapes, DType::f32, Device::cpu(), 43);
  pc[2] = pc[2].detach().to(DType::f64);
  std::vector<Tensor> ed, pd;
  for (size_t i = 0; i < ec.size(); ++i) {
    ec[i] = ec[i].detach();
    pc[i] = pc[i].detach();
    ed.push_back(ec[i].to(kCuda));
    pd.push_back(pc[i].to(kCuda));
  }
  double err = 0;
  for (double beta : {0.999, 0.9, 0.25}) {
    optim::ema_update(ec, pc, beta);
    optim::ema_update(ed, pd, beta);
    for (size_t i = 0; i < ec.size(); ++i) err = std::max(err, max_rel_err(ed[i].to(Device::cpu()), ec[i]));
  }
  std::printf("[ optim ] ema_update CUDA vs CPU, 5 tensors (f32 + f64), 3 updates: max err %.3g\n", err);
  EXPECT_EQ(err, 0.0);
  EXPECT_NE(ec[0].to_double_vector(), make_params(kShapes, DType::f32, Device::cpu(), 41)[0].to_double_vector());
}

TEST(CudaOptim, EmaUpdateBadInputIsAClearError) {
  GAN_REQUIRE_CUDA_DEVICE();
  Tensor e = Tensor::zeros({3, 4}, Options{DType::f32, kCuda});
  const Tensor p = Tensor::ones({3, 4}, Options{DType::f32, kCuda});
  const Tensor q = Tensor::ones({4, 3}, Options{DType::f32, kCuda});
  const Tensor c = Tensor::ones({3, 4});
  EXPECT_THAT([&] { optim::ema_update({e}, {q}, 0.9); }, ::testing::ThrowsMessage<Error>(HasSubstr("[3, 4]")));
  EXPECT_THAT([&] { optim::ema_update({e}, {c}, 0.9); },
              ::testing::ThrowsMessage<Error>(HasSubstr("differ in dtype or device")));
  EXPECT_THAT([&] { optim::ema_update({e}, {p}, 1.5); }, ::testing::ThrowsMessage<Error>(HasSubstr("beta must be")));
  EXPECT_THAT([&] { optim::ema_update({e, e}, {p}, 0.5); },
              ::testing::ThrowsMessage<Error>(HasSubstr("2 EMA tensors but 1 parameters")));
  EXPECT_EQ(e.to(Device::cpu()).to_double_vector(), std::vector<double>(12, 0.0));  // untouched
}

}  // namespace
}  // namespace gan
