// RunMonitor (run_monitor.h): step diagnostics and periodic metrics of a run.
#include "gan/models/run_monitor.h"

#include <filesystem>
#include <vector>

#include "gan/autograd.h"
#include "gan/models/eval/evaluate.h"
#include "gan/models/trainer.h"
#include "gan/ops.h"

namespace gan::models {

struct RunMonitor::Suite {
  eval::LoadedClassifier classifier;
  eval::RealReference reference;
};

RunMonitor::RunMonitor(const TrainerConfig& cfg, Device device)
    : n_(cfg.eval_samples), seed_(cfg.seed + 7), device_(device) {
  metrics_enabled_ = cfg.eval_every > 0 && cfg.eval_samples > 0 && cfg.channels == 1 && cfg.image_size >= 8;
}

RunMonitor::~RunMonitor() = default;

std::vector<Alarm> RunMonitor::observe_step(const StepStats& s) {
  return diagnostics_.observe(StepRecord{s.step, s.loss_d, s.loss_g, s.d_real, s.d_fake, s.grad_norm_g, s.grad_norm_d});
}

bool RunMonitor::evaluate(GanSystem& system, nn::Module& G, int64_t step, Evaluation& out) {
  if (!metrics_enabled_) return false;
  if (!suite_) {
    auto s = std::make_unique<Suite>();
    s->classifier = eval::load_classifier("", device_);
    s->reference = eval::build_real_reference(s->classifier, eval::load_real_split("t10k"), "t10k", n_, 0);
    suite_ = std::move(s);
  }
  NoGradGuard ng;
  Generator gen(seed_);  // the same latents at every evaluation
  const int64_t k = system.setup().num_classes;
  std::vector<Tensor> images, requested;
  for (int64_t i = 0; i < n_; i += 500) {
    const int64_t b = std::min<int64_t>(500, n_ - i);
    Latent l = system.sample_latent(b, gen, device_);
    if (system.conditional() && k > 0) {
      std::vector<int64_t> y(static_cast<size_t>(b));
      for (int64_t j = 0; j < b; ++j) y[static_cast<size_t>(j)] = (i + j) % k;
      l.y = Tensor::from_data({b}, y).to(device_);
      requested.push_back(l.y);
    }
    images.push_back(system.generate(G, l));
  }
  const Tensor fake = images.size() == 1 ? images[0] : ops::cat(images, 0);
  const Tensor req = requested.empty() ? Tensor() : ops::cat(requested, 0);
  eval::EvalOptions o;
  o.seed = seed_;
  o.kid_subsets = 20;  // live: a cheaper KID (gan eval uses 100)
  const eval::EvalReport r = eval::evaluate(fake, req.defined() ? &req : nullptr, suite_->reference, o);
  out.json = eval::to_json(r, step);
  out.line = eval::format_line(r);
  out.alarms = diagnostics_.observe(eval_record(step, r));
  return true;
}

}  // namespace gan::models
