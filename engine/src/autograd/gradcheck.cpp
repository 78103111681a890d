#include "gan/gradcheck.h"

#include <cmath>
#include <sstream>

#include "gan/autograd.h"
#include "gan/ops.h"
#include "gan/random.h"

namespace gan {

namespace {

// Scalar function of the inputs whose gradient is compared.
using ScalarFn = std::function<Tensor(const std::vector<Tensor>&)>;

GradcheckResult compare(const ScalarFn& s, const std::vector<Tensor>& inputs, const GradcheckOptions& opt) {
  std::vector<Tensor> wrt;
  std::vector<size_t> wrt_index;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (!inputs[i].defined() || !inputs[i].requires_grad()) continue;
    GAN_CHECK(inputs[i].dtype() == DType::f64 && inputs[i].device().is_cpu(),
              "gradcheck: input ", i, " must be an f64 CPU tensor, got ", inputs[i].str());
    wrt.push_back(inputs[i]);
    wrt_index.push_back(i);
  }
  GAN_CHECK(!wrt.empty(), "gradcheck: no input requires grad");

  const Tensor out = s(inputs);
  GAN_CHECK(out.numel() == 1, "gradcheck: internal scalar has shape ", shape_str(out.shape()));
  autograd::GradOptions go;
  go.allow_unused = true;
  // A scalar that does not depend on the inputs (e.g. the second derivative of a
  // linear op) has zero gradient everywhere.
  const std::vector<Tensor> analytical =
      out.requires_grad() ? autograd::grad({out}, wrt, {}, go) : std::vector<Tensor>(wrt.size());

  GradcheckResult r;
  for (size_t k = 0; k < wrt.size(); ++k) {
    Tensor x = wrt[k];
    double* p = x.data<double>();
    const std::vector<double> a =
        analytical[k].defined() ? analytical[k].to_double_vector() : std::vector<double>(static_cast<size_t>(x.numel()), 0.0);
    for (int64_t e = 0; e < x.numel(); ++e) {
      const double orig = p[e];
      double plus, minus;
      {
        NoGradGuard ng;  // the first-order backward inside s() re-enables grad itself where it needs it
        p[e] = orig + opt.eps;
        plus = s(inputs).item();
        p[e] = orig - opt.eps;
        minus = s(inputs).item();
        p[e] = orig;
      }
      const double numerical = (plus - minus) / (2 * opt.eps);
      const double err = std::abs(a[static_cast<size_t>(e)] - numerical);
      const double rel = err / std::max(std::abs(numerical), 1e-3);
      r.max_abs_error = std::max(r.max_abs_error, err);
      r.max_rel_error = std::max(r.max_rel_error, rel);
      ++r.checked;
      const bool bad = !(err <= opt.atol + opt.rtol * std::abs(numerical));  // NaN fails
      if (bad && r.ok) {
        r.ok = false;
        std::ostringstream os;
        os << "input " << wrt_index[k] << " element " << e << ": analytical " << a[static_cast<size_t>(e)]
           << " numerical " << numerical;
        r.first_failure = os.str();
      }
    }
  }
  return r;
}

Tensor random_like(const Tensor& t, Generator& gen) { return Tensor::randn(t.shape(), gen, {DType::f64, Device::cpu()}); }

}  // namespace

GradcheckResult gradcheck(const GradcheckFn& f, const std::vector<Tensor>& inputs, GradcheckOptions opt) {
  Generator gen(opt.seed);
  const Tensor y0 = [&] {
    NoGradGuard ng;
    return f(inputs);
  }();
  const Tensor v = random_like(y0, gen);
  return compare([&](const std::vector<Tensor>& in) { return ops::sum(ops::mul(f(in), v)); }, inputs, opt);
}

GradcheckResult gradgradcheck(const GradcheckFn& f, const std::vector<Tensor>& inputs, GradcheckOptions opt) {
  Generator gen(opt.seed);
  const Tensor y0 = [&] {
    NoGradGuard ng;
    return f(inputs);
  }();
  const Tensor v = random_like(y0, gen);
  std::vector<Tensor> wrt;
  for (const Tensor& t : inputs)
    if (t.defined() && t.requires_grad()) wrt.push_back(t);
  std::vector<Tensor> w;
  for (const Tensor& t : wrt) w.push_back(random_like(t, gen));

  // h(inputs) = sum_j <d<f,v>/d input_j, w_j>, differentiable (create_graph).
  auto h = [&](const std::vector<Tensor>& in) {
    autograd::EnableGradGuard on(true);
    const Tensor y = ops::sum(ops::mul(f(in), v));
    autograd::GradOptions go;
    go.create_graph = true;
    go.allow_unused = true;
    const auto g = autograd::grad({y}, wrt, {}, go);
    Tensor acc = Tensor::zeros({}, {DType::f64, Device::cpu()});
    for (size_t j = 0; j < g.size(); ++j)
      if (g[j].defined()) acc = ops::add(acc, ops::sum(ops::mul(g[j], w[j])));
    return acc;
  };
  return compare(h, inputs, opt);
}

}  // namespace gan
