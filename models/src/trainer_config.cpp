// TrainerConfig as text: one table of run fields drives --set-style
// assignment, JSON out (the resolved config of a run, checkpoint metadata) and
// JSON in; the system's own keys go to its SystemOptions table (options.h).
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <nlohmann/json.hpp>

#include "gan/models/trainer.h"

#include "gan/cuda/runtime.h"
#include "gan/models/eval/probe.h"
#include "gan/models/registry.h"

namespace gan::models {

namespace {

using Json = nlohmann::ordered_json;

int64_t parse_int(const std::string& key, const std::string& v) {
  char* end = nullptr;
  errno = 0;
  const long long x = std::strtoll(v.c_str(), &end, 10);
  GAN_CHECK(!v.empty() && end && *end == '\0' && errno == 0, "config key '", key, "': expected an integer, got '",
            v, "'");
  return static_cast<int64_t>(x);
}

uint64_t parse_u64(const std::string& key, const std::string& v) {
  char* end = nullptr;
  errno = 0;
  const unsigned long long x = std::strtoull(v.c_str(), &end, 10);
  GAN_CHECK(!v.empty() && v[0] != '-' && end && *end == '\0' && errno == 0, "config key '", key,
            "': expected a non-negative integer, got '", v, "'");
  return static_cast<uint64_t>(x);
}

double parse_double(const std::string& key, const std::string& v) {
  char* end = nullptr;
  errno = 0;
  const double x = std::strtod(v.c_str(), &end);
  GAN_CHECK(!v.empty() && end && *end == '\0' && errno == 0 && std::isfinite(x), "config key '", key,
            "': expected a finite number, got '", v, "'");
  return x;
}

struct Field {
  const char* key;
  std::function<void(TrainerConfig&, const std::string&)> set;
  std::function<Json(const TrainerConfig&)> get;
};

#define GAN_INT_FIELD(name) \
  Field{#name, [](TrainerConfig& c, const std::string& v) { c.name = parse_int(#name, v); }, \
        [](const TrainerConfig& c) { return Json(c.name); }}
#define GAN_DOUBLE_FIELD(name) \
  Field{#name, [](TrainerConfig& c, const std::string& v) { c.name = parse_double(#name, v); }, \
        [](const TrainerConfig& c) { return Json(c.name); }}
#define GAN_STRING_FIELD(name) \
  Field{#name, [](TrainerConfig& c, const std::string& v) { c.name = v; }, \
        [](const TrainerConfig& c) { return Json(c.name); }}

const std::vector<Field>& fields() {
  static const std::vector<Field> f = {
      Field{"system",
            [](TrainerConfig& c, const std::string& v) {
              c.system_options = default_options(v);  // unknown names list the known ones
              c.system = v;
            },
            [](const TrainerConfig& c) { return Json(c.system); }},
      GAN_STRING_FIELD(dataset),
      GAN_STRING_FIELD(labels),
      GAN_INT_FIELD(labels_per_class),
      GAN_INT_FIELD(dataset_limit),
      GAN_INT_FIELD(image_size),
      GAN_INT_FIELD(channels),
      Field{"loss", [](TrainerConfig& c, const std::string& v) { c.loss = parse_loss_kind(v); },
            [](const TrainerConfig& c) { return Json(loss_kind_name(c.loss)); }},
      GAN_INT_FIELD(n_critic),
      GAN_DOUBLE_FIELD(gp_weight),
      GAN_DOUBLE_FIELD(r1_weight),
      GAN_DOUBLE_FIELD(clip_value),
      GAN_INT_FIELD(pack),
      GAN_INT_FIELD(minibatch_stddev),
      GAN_STRING_FIELD(augment),
      GAN_DOUBLE_FIELD(ada_target),
      GAN_INT_FIELD(ada_interval),
      GAN_DOUBLE_FIELD(ada_kimg),
      GAN_STRING_FIELD(optimizer),
      GAN_DOUBLE_FIELD(lr_g),
      GAN_DOUBLE_FIELD(lr_d),
      GAN_DOUBLE_FIELD(beta1),
      GAN_DOUBLE_FIELD(beta2),
      GAN_INT_FIELD(batch),
      GAN_INT_FIELD(steps),
      Field{"seed", [](TrainerConfig& c, const std::string& v) { c.seed = parse_u64("seed", v); },
            [](const TrainerConfig& c) { return Json(c.seed); }},
      GAN_DOUBLE_FIELD(ema_decay),
      GAN_STRING_FIELD(device),
      GAN_INT_FIELD(checkpoint_every),
      GAN_INT_FIELD(sample_every),
      GAN_INT_FIELD(sample_count),
      GAN_INT_FIELD(log_every),
      GAN_INT_FIELD(eval_every),
      GAN_INT_FIELD(eval_samples),
      GAN_INT_FIELD(probe_samples),
      GAN_INT_FIELD(probe_fit_samples),
      GAN_STRING_FIELD(probe_pool),
      GAN_STRING_FIELD(out_dir),
  };
  return f;
}

#undef GAN_INT_FIELD
#undef GAN_DOUBLE_FIELD
#undef GAN_STRING_FIELD

std::string joined_keys() {
  std::string s;
  for (const auto& k : config_keys()) s += (s.empty() ? "" : ", ") + k;
  return s;
}

// Sets a system key, naming the table in errors.
void set_system_value(TrainerConfig& cfg, const std::string& key, const std::string& value) {
  cfg.system_options.set(key, value);
}

}  // namespace

AugmentConfig augment_config(const TrainerConfig& c) { return {c.augment, c.ada_target, c.ada_interval, c.ada_kimg}; }

TrainerConfig::TrainerConfig() : system(default_system_name()), system_options(default_options(system)) {}

const std::vector<std::string>& config_keys() {
  static const std::vector<std::string> keys = [] {
    std::vector<std::string> k;
    for (const Field& f : fields()) k.emplace_back(f.key);
    return k;
  }();
  return keys;
}

void set_config_value(TrainerConfig& cfg, const std::string& key, const std::string& value) {
  // "table.key": a key of the system's own table.
  if (const auto dot = key.find('.'); dot != std::string::npos) {
    const std::string table = key.substr(0, dot);
    GAN_CHECK(table == cfg.system, "config key '", key, "': table [", table, "] is not this run's system ('",
              cfg.system, "'; set system = \"", table, "\" to use its keys)");
    set_system_value(cfg, key.substr(dot + 1), value);
    return;
  }
  for (const Field& f : fields()) {
    if (key != f.key) continue;
    try {
      f.set(cfg, value);
    } catch (const Error& e) {
      const std::string msg = e.what();
      // parse_loss_kind does not know the key; name it.
      throw Error(msg.rfind("config key", 0) == 0 ? msg : "config key '" + key + "': " + msg);
    }
    return;
  }
  if (cfg.system_options.has(key)) return set_system_value(cfg, key, value);
  throw Error("unknown config key '" + key + "' (run keys: " + joined_keys() + "; keys of [" + cfg.system +
              "]: " + cfg.system_options.key_list() + ")");
}

void validate_config(const TrainerConfig& c) {
  auto need = [](bool ok, const char* key, const std::string& why) {
    GAN_CHECK(ok, "config key '", key, "': ", why);
  };
  need(!c.dataset.empty(), "dataset", "must not be empty");
  need(c.dataset_limit >= 0, "dataset_limit", "must be >= 0, got " + std::to_string(c.dataset_limit));
  need(c.image_size >= 1, "image_size", "must be >= 1 (28, 32 or 64 for the DCGAN nets; 1 for 2-D mixtures), got " +
                                            std::to_string(c.image_size));
  need(c.channels >= 1, "channels", "must be >= 1, got " + std::to_string(c.channels));
  need(!c.labels.empty(), "labels", "must be a path, 'auto' or 'none'");
  need(c.labels_per_class >= 0, "labels_per_class", "must be >= 0 (0 keeps every label)");
  need(c.system_options.table() == c.system, "system", "options are of table [" + c.system_options.table() + "]");
  need(c.n_critic >= 1, "n_critic", "must be >= 1, got " + std::to_string(c.n_critic));
  need(c.gp_weight >= 0, "gp_weight", "must be >= 0");
  need(c.r1_weight >= 0, "r1_weight", "must be >= 0");
  need(c.clip_value >= 0, "clip_value", "must be >= 0");
  validate_augment(augment_config(c));  // names augment / ada_* keys
  need(c.pack >= 1, "pack", "must be >= 1 (1: no packing), got " + std::to_string(c.pack));
  need(c.batch % c.pack == 0, "pack", "must divide the batch (" + std::to_string(c.batch) + "), got " +
                                          std::to_string(c.pack));
  need(c.pack == 1 || c.probe_samples == 0, "pack",
       "a packed D judges several images at once, so its features cannot be probed per image (set probe_samples = 0)");
  need(c.minibatch_stddev >= 0, "minibatch_stddev", "must be >= 0 (0: off), got " + std::to_string(c.minibatch_stddev));
  need(c.minibatch_stddev == 0 || (c.batch / c.pack) % std::min(c.minibatch_stddev, c.batch / c.pack) == 0,
       "minibatch_stddev", "the group size must divide the batch D sees (batch / pack = " +
                               std::to_string(c.batch / c.pack) + ")");
  need(c.optimizer == "adam" || c.optimizer == "rmsprop", "optimizer",
       "must be 'adam' or 'rmsprop', got '" + c.optimizer + "'");
  need(c.lr_g > 0, "lr_g", "must be > 0");
  need(c.lr_d > 0, "lr_d", "must be > 0");
  need(c.beta1 >= 0 && c.beta1 < 1, "beta1", "must be in [0, 1)");
  need(c.beta2 >= 0 && c.beta2 < 1, "beta2", "must be in [0, 1)");
  need(c.batch >= 1, "batch", "must be >= 1, got " + std::to_string(c.batch));
  need(c.steps >= 0, "steps", "must be >= 0, got " + std::to_string(c.steps));
  need(c.ema_decay >= 0 && c.ema_decay < 1, "ema_decay", "must be in [0, 1) (0 disables the EMA)");
  need(c.checkpoint_every >= 0, "checkpoint_every", "must be >= 0 (0 disables)");
  need(c.sample_every >= 0, "sample_every", "must be >= 0 (0 disables)");
  need(c.sample_count >= 1, "sample_count", "must be >= 1");
  need(c.log_every >= 0, "log_every", "must be >= 0 (0 disables)");
  need(c.eval_every >= 0, "eval_every", "must be >= 0 (0 disables)");
  need(c.eval_samples >= 0, "eval_samples", "must be >= 0 (0: no metric suite)");
  need(c.probe_samples >= 0, "probe_samples", "must be >= 0 (0: no probe of D's features)");
  need(c.probe_fit_samples >= 0, "probe_fit_samples", "must be >= 0 (0: as many as probe_samples)");
  eval::parse_feature_pool(c.probe_pool);  // names the key
  need(!c.out_dir.empty(), "out_dir", "must not be empty");
  resolve_device(c.device);  // names the key when the device is unusable here
}

Device resolve_device(const std::string& device) {
  if (device == "auto") {
    const bool real_gpu = std::string(cuda::backend_name()) == "cuda" && cuda::available();
    return real_gpu ? Device::cuda(0) : Device::cpu();
  }
  Device d;
  try {
    d = parse_device(device);
  } catch (const Error&) {
    throw Error("config key 'device': expected auto, cpu, cuda or cuda:N, got '" + device + "'");
  }
  if (d.is_cuda()) {
    GAN_CHECK(cuda::available(), "config key 'device': '", device, "' but this build (", cuda::backend_name(),
              " backend) has no CUDA device");
    GAN_CHECK(d.index < cuda::device_count(), "config key 'device': '", device, "' but only ",
              cuda::device_count(), " CUDA device(s) are present");
  }
  return d;
}

std::string config_to_json(const TrainerConfig& cfg, int indent) {
  Json j = Json::object();
  for (const Field& f : fields()) j[f.key] = f.get(cfg);
  Json table = Json::object();
  const SystemOptions& o = cfg.system_options;
  for (size_t i = 0; i < o.specs().size(); ++i) {
    const std::string& v = o.values()[i];
    switch (o.specs()[i].type) {
      case OptionType::integer: table[o.specs()[i].key] = std::stoll(v); break;
      case OptionType::number: table[o.specs()[i].key] = std::stod(v); break;
      case OptionType::boolean: table[o.specs()[i].key] = v == "true"; break;
      case OptionType::string: table[o.specs()[i].key] = v; break;
    }
  }
  j[cfg.system] = table;
  return j.dump(indent);
}

TrainerConfig config_from_json(const std::string& text) {
  Json j;
  try {
    j = Json::parse(text);
  } catch (const std::exception& e) {
    throw Error(std::string("config JSON: ") + e.what());
  }
  GAN_CHECK(j.is_object(), "config JSON: expected an object");
  TrainerConfig cfg;
  // The system first: it decides which table and plain keys are its own.
  if (j.contains("system")) {
    GAN_CHECK(j["system"].is_string(), "config key 'system': expected a string");
    set_config_value(cfg, "system", j["system"].get<std::string>());
  }
  auto as_text = [](const std::string& key, const Json& v) {
    GAN_CHECK(v.is_string() || v.is_number() || v.is_boolean(), "config key '", key,
              "': expected a string, number or boolean");
    return v.is_string() ? v.get<std::string>() : v.dump();
  };
  for (const auto& [key, v] : j.items()) {
    if (key == "system") continue;
    if (v.is_object()) {
      for (const auto& [k, sv] : v.items()) set_config_value(cfg, key + "." + k, as_text(key + "." + k, sv));
      continue;
    }
    set_config_value(cfg, key, as_text(key, v));
  }
  return cfg;
}

std::unique_ptr<GanSystem> make_system(const TrainerConfig& cfg, int64_t num_classes) {
  SystemSetup setup;
  setup.image_size = cfg.image_size;
  setup.channels = cfg.channels;
  setup.num_classes = num_classes;
  setup.loss = cfg.loss;
  setup.pack = cfg.pack;
  setup.minibatch_stddev = cfg.minibatch_stddev;
  setup.options = cfg.system_options;
  return make_system(cfg.system, std::move(setup));
}

}  // namespace gan::models
