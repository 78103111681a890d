// What a training run writes besides checkpoints (trainer.h): one JSON line of
// metrics per logged step, sample grids of the fixed latent, the resolved config.
#include <filesystem>
#include <nlohmann/json.hpp>

#include "gan/autograd.h"
#include "gan/io/atomic_file.h"
#include "gan/io/png.h"
#include "trainer_state.h"

namespace gan::models {

namespace fs = std::filesystem;

void Trainer::write_metrics(const StepStats& s, const std::vector<std::string>& records) {
  if (!state_->metrics.is_open()) {
    ensure_dir(cfg_.out_dir);
    const std::string path = (fs::path(cfg_.out_dir) / "metrics.jsonl").string();
    state_->metrics.open(path, state_->resumed ? std::ios::app : std::ios::trunc);
    GAN_CHECK(state_->metrics.good(), "cannot write metrics to ", path);
  }
  nlohmann::ordered_json j = {{"step", s.step},
                              {"loss_d", s.loss_d},
                              {"loss_g", s.loss_g},
                              {"d_real", s.d_real},
                              {"d_fake", s.d_fake},
                              {"r_t", s.r_t},
                              {"grad_norm_d", s.grad_norm_d},
                              {"grad_norm_g", s.grad_norm_g},
                              {"step_seconds", s.step_seconds},
                              {"run_seconds", s.run_seconds}};
  if (cfg_.gp_weight > 0 || cfg_.r1_weight > 0) j["penalty"] = s.penalty;
  for (const auto& [name, v] : s.scalars) j[name] = v;
  for (const auto& [name, v] : s.evaluation) j[name] = v;
  state_->metrics << j.dump() << "\n";
  for (const std::string& r : records) state_->metrics << r << "\n";  // alarms, metric records (each with "step")
  state_->metrics.flush();
}

void Trainer::write_samples(const std::string& path) const {
  nn::Module& g = G_ema_ ? *G_ema_ : *G_;
  const bool was_training = g.is_training();
  g.eval();
  Tensor images;
  {
    NoGradGuard ng;
    Latent l = fixed_latent_;
    l.z = l.z.to(device_);
    if (l.y.defined()) l.y = l.y.to(device_);
    if (l.c.defined()) l.c = l.c.to(device_);
    images = system_->generate(g, l).to(Device::cpu());
  }
  g.train(was_training);
  ensure_parent(path);
  io::write_png(path, system_->render_samples(images, 0));
}

void Trainer::write_config_json(const std::string& path) const {
  ensure_parent(path);
  io::write_file_atomic(path, config_to_json(cfg_) + "\n");
}

}  // namespace gan::models
