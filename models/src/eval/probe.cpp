// Linear probe of frozen features and matched agreement (eval/probe.h).
#include "gan/models/eval/probe.h"

#include <algorithm>
#include <limits>
#include <vector>

#include "gan/autograd.h"
#include "gan/ops.h"

namespace gan::models::eval {

namespace {

double accuracy(const Tensor& logits, const Tensor& y) {
  const std::vector<double> l = logits.to_double_vector(), t = y.to_double_vector();
  const int64_t n = logits.size(0), k = logits.size(1);
  int64_t hit = 0;
  for (int64_t i = 0; i < n; ++i) {
    int64_t best = 0;
    for (int64_t j = 1; j < k; ++j)
      if (l[static_cast<size_t>(i * k + j)] > l[static_cast<size_t>(i * k + best)]) best = j;
    hit += static_cast<double>(best) == t[static_cast<size_t>(i)];
  }
  return n ? static_cast<double>(hit) / static_cast<double>(n) : 0.0;
}

// features [N, ...] -> [N, F] as the probe reads them.
Tensor pooled(const Tensor& f, FeaturePool pool, const std::string& name) {
  if (pool == FeaturePool::flat) return f.flatten(1);
  GAN_CHECK(f.dim() == 4, "config key 'probe_pool' = \"", pool == FeaturePool::avg ? "avg" : "max", "\": system '", name,
            "' returns features ", shape_str(f.shape()), ", not a map [N, C, H, W] to pool (use \"flat\")");
  return pool == FeaturePool::avg ? ops::mean(f, {2, 3}) : ops::max(f, {2, 3});
}

}  // namespace

FeaturePool parse_feature_pool(const std::string& name) {
  if (name == "flat") return FeaturePool::flat;
  if (name == "avg") return FeaturePool::avg;
  if (name == "max") return FeaturePool::max;
  throw Error("config key 'probe_pool': expected \"flat\", \"avg\" or \"max\", got \"" + name + "\"");
}

ProbeResult linear_probe(const Tensor& train_x, const Tensor& train_y, const Tensor& test_x, const Tensor& test_y,
                         int64_t k, const ProbeOptions& o) {
  GAN_CHECK(train_x.dim() == 2 && test_x.dim() == 2 && train_x.size(1) == test_x.size(1) &&
                train_y.dim() == 1 && train_y.size(0) == train_x.size(0) && test_y.dim() == 1 &&
                test_y.size(0) == test_x.size(0),
            "linear_probe: expected features [N, F], [M, F] and labels [N], [M], got ", shape_str(train_x.shape()), ", ",
            shape_str(test_x.shape()), ", ", shape_str(train_y.shape()), ", ", shape_str(test_y.shape()));
  GAN_CHECK(k >= 2 && train_x.size(0) > 0, "linear_probe: need >= 2 classes and >= 1 training row");
  NoGradGuard ng;
  const auto host = [](const Tensor& t) { return t.detach().to(Device::cpu()).to(DType::f32); };
  const Tensor xtr = host(train_x), xte = host(test_x);
  const Tensor ytr = train_y.to(Device::cpu()), yte = test_y.to(Device::cpu());
  // Standardize by the training rows (constant features: std 1).
  const Tensor mu = ops::mean(xtr, {0}, true);
  const Tensor sd = ops::sqrt(ops::mean(ops::square(xtr - mu), {0}, true) + 1e-8);
  const Tensor a = (xtr - mu) / sd, b = (xte - mu) / sd;
  const int64_t f = a.size(1);
  Tensor w = Tensor::zeros({f, k}), bias = Tensor::zeros({k});
  Tensor loss;
  for (int64_t it = 0; it < o.iterations; ++it) {
    autograd::EnableGradGuard eg(true);
    w.requires_grad_(true);
    bias.requires_grad_(true);
    loss = ops::cross_entropy(ops::matmul(a, w) + bias, ytr);
    const std::vector<Tensor> g = autograd::grad({loss}, {w, bias});
    NoGradGuard inner;
    w = (w - o.lr * (g[0] + o.l2 * w)).detach();
    bias = (bias - o.lr * g[1]).detach();
  }
  ProbeResult r;
  r.train_loss = ops::cross_entropy(ops::matmul(a, w) + bias, ytr).item();
  r.train_accuracy = accuracy(ops::matmul(a, w) + bias, ytr);
  r.test_accuracy = test_x.size(0) > 0 ? accuracy(ops::matmul(b, w) + bias, yte) : 0.0;
  return r;
}

Tensor discriminator_features(GanSystem& system, nn::Module& D, const Tensor& images, const std::string& name,
                              FeaturePool pool) {
  struct RestoreMode {  // D's training mode comes back however this returns
    nn::Module& m;
    bool was;
    ~RestoreMode() { m.train(was); }
  } restore{D, D.is_training()};
  D.eval();
  NoGradGuard ng;
  const Device dev = D.parameters().front().device();
  std::vector<Tensor> parts;
  const int64_t n = images.size(0), chunk = 500;
  for (int64_t i = 0; i < n; i += chunk) {
    const int64_t m = std::min(chunk, n - i);
    const Judgement j = system.judge(D, images.narrow0(i, m).to(dev), {});
    GAN_CHECK(j.features.defined(), "config key 'probe_samples': system '", name,
              "' returns no features from its judge (the probe reads D's penultimate features)");
    parts.push_back(pooled(j.features, pool, name).to(Device::cpu()));
  }
  return parts.size() == 1 ? parts[0] : ops::cat(parts, 0);
}

ProbeResult discriminator_probe(GanSystem& system, nn::Module& D, const Dataset& data, int64_t fit, int64_t test,
                                const std::string& name, const ProbeOptions& o, FeaturePool pool) {
  GAN_CHECK(fit >= 1 && test >= 1, "config keys 'probe_fit_samples' = ", fit, ", 'probe_samples' = ", test,
            ": the probe needs at least one image to fit and one to test");
  const int64_t total = fit + test;
  std::vector<int64_t> rows;
  if (data.labels.defined()) {
    const Tensor l = data.labels.to(Device::cpu());
    const int64_t* p = l.data<int64_t>();
    for (int64_t i = 0; i < l.numel() && static_cast<int64_t>(rows.size()) < total; ++i)
      if (p[i] >= 0) rows.push_back(i);
  }
  GAN_CHECK(static_cast<int64_t>(rows.size()) == total, "config keys 'probe_fit_samples' = ", fit,
            ", 'probe_samples' = ", test, ": the probe needs ", total, " labelled images (", fit, " to fit, ", test,
            " to test), dataset ", data.source, " has ", rows.size());
  const Tensor idx = Tensor::from_data({total}, rows);
  const Tensor x = ops::index_select0(data.images, idx), y = ops::index_select0(data.labels, idx);
  const Tensor feats = discriminator_features(system, D, x, name, pool);
  return linear_probe(feats.narrow0(0, fit), y.narrow0(0, fit), feats.narrow0(fit, test), y.narrow0(fit, test),
                      std::max<int64_t>(data.num_classes, 2), o);
}

double matched_agreement(const std::vector<std::vector<int64_t>>& counts) {
  const size_t r = counts.size(), c = r ? counts[0].size() : 0;
  int64_t total = 0;
  for (const auto& row : counts) {
    GAN_CHECK(row.size() == c, "matched_agreement: rows of different lengths");
    for (int64_t v : row) total += v;
  }
  if (r == 0 || c == 0 || total == 0) return 0.0;
  // Hungarian algorithm (potentials; rows <= columns, 1-based) on cost = -count.
  const bool flip = r > c;
  const size_t n = flip ? c : r, m = flip ? r : c;
  auto cost = [&](size_t i, size_t j) {
    return -static_cast<double>(flip ? counts[j - 1][i - 1] : counts[i - 1][j - 1]);
  };
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<double> u(n + 1, 0), v(m + 1, 0);
  std::vector<size_t> p(m + 1, 0), way(m + 1, 0);
  for (size_t i = 1; i <= n; ++i) {
    p[0] = i;
    size_t j0 = 0;
    std::vector<double> minv(m + 1, inf);
    std::vector<bool> used(m + 1, false);
    do {
      used[j0] = true;
      const size_t i0 = p[j0];
      double delta = inf;
      size_t j1 = 0;
      for (size_t j = 1; j <= m; ++j) {
        if (used[j]) continue;
        const double cur = cost(i0, j) - u[i0] - v[j];
        if (cur < minv[j]) {
          minv[j] = cur;
          way[j] = j0;
        }
        if (minv[j] < delta) {
          delta = minv[j];
          j1 = j;
        }
      }
      for (size_t j = 0; j <= m; ++j) {
        if (used[j]) {
          u[p[j]] += delta;
          v[j] -= delta;
        } else {
          minv[j] -= delta;
        }
      }
      j0 = j1;
    } while (p[j0] != 0);
    do {
      const size_t j1 = way[j0];
      p[j0] = p[j1];
      j0 = j1;
    } while (j0 != 0);
  }
  int64_t matched = 0;
  for (size_t j = 1; j <= m; ++j)
    if (p[j] != 0) matched += flip ? counts[j - 1][p[j] - 1] : counts[p[j] - 1][j - 1];
  return static_cast<double>(matched) / static_cast<double>(total);
}

}  // namespace gan::models::eval
