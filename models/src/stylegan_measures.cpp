// Lazy R1, frequency bands, path length and style mixing (stylegan_measures.h).
#include "gan/models/stylegan_measures.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "gan/autograd.h"
#include "gan/models/trainer.h"
#include "gan/ops.h"

#if defined(GAN_HAS_CUDA_KERNELS)
#include "gan/kernels/igemm.h"
#endif

namespace gan::models {

Tensor lazy_r1(const Critic& D, const Tensor& real, int64_t step, int64_t every, double gamma, Tensor* r1) {
  GAN_CHECK(every >= 1, "lazy_r1: every must be >= 1, got ", every);
  if (gamma <= 0 || step % every != 0) return {};
  const Tensor p = r1_penalty(D, real);  // E ||grad_x D(x)||^2, with graph
  if (r1) *r1 = p.detach();
  return p * (0.5 * gamma * static_cast<double>(every));
}

std::array<double, kBands> band_energy_fractions(const Tensor& x) {
  GAN_CHECK(x.dim() == 4 && x.size(2) == x.size(3), "band_energy_fractions: expected [N, C, S, S], got ",
            shape_str(x.shape()));
  const int64_t S = x.size(2), planes = x.size(0) * x.size(1);
  const std::vector<double> v = x.detach().to(Device::cpu()).to_double_vector();
  std::vector<double> cs(static_cast<size_t>(S)), sn(static_cast<size_t>(S));  // e^{-2 pi i k / S}
  for (int64_t k = 0; k < S; ++k) {
    cs[static_cast<size_t>(k)] = std::cos(2 * std::numbers::pi * static_cast<double>(k) / static_cast<double>(S));
    sn[static_cast<size_t>(k)] = -std::sin(2 * std::numbers::pi * static_cast<double>(k) / static_cast<double>(S));
  }
  std::array<double, kBands> e{};
  std::vector<double> gr(static_cast<size_t>(S * S)), gi(static_cast<size_t>(S * S));  // row DFTs G(x, v)
  for (int64_t p = 0; p < planes; ++p) {
    const double* f = v.data() + p * S * S;
    for (int64_t r = 0; r < S; ++r)
      for (int64_t vv = 0; vv < S; ++vv) {
        double re = 0, im = 0;
        for (int64_t y = 0; y < S; ++y) {
          const size_t k = static_cast<size_t>((vv * y) % S);
          re += f[r * S + y] * cs[k];
          im += f[r * S + y] * sn[k];
        }
        gr[static_cast<size_t>(r * S + vv)] = re;
        gi[static_cast<size_t>(r * S + vv)] = im;
      }
    for (int64_t u = 0; u < S; ++u)
      for (int64_t vv = 0; vv < S; ++vv) {
        double re = 0, im = 0;
        for (int64_t r = 0; r < S; ++r) {
          const size_t k = static_cast<size_t>((u * r) % S);
          const double a = gr[static_cast<size_t>(r * S + vv)], b = gi[static_cast<size_t>(r * S + vv)];
          re += a * cs[k] - b * sn[k];
          im += a * sn[k] + b * cs[k];
        }
        const double fu = static_cast<double>(std::min(u, S - u)), fv = static_cast<double>(std::min(vv, S - vv));
        const double radius = std::sqrt(fu * fu + fv * fv);
        const int band = std::min(kBands - 1, static_cast<int>(radius / (static_cast<double>(S) / 8.0)));
        e[static_cast<size_t>(band)] += re * re + im * im;
      }
  }
  double total = 0;
  for (double b : e) total += b;
  if (total > 0)
    for (double& b : e) b /= total;
  return e;
}

namespace {

// Rows of a, b [P, D] on the unit sphere, slerped by t [P] (the StyleGAN
// code's slerp: both ends normalized first, the result normalized).
Tensor slerp_rows(const Tensor& a, const Tensor& b, const std::vector<double>& t) {
  const int64_t P = a.size(0), D = a.size(1);
  const std::vector<double> va = a.to_double_vector(), vb = b.to_double_vector();
  std::vector<float> out(static_cast<size_t>(P * D));
  for (int64_t p = 0; p < P; ++p) {
    const double* x = va.data() + p * D;
    const double* y = vb.data() + p * D;
    double nx = 0, ny = 0;
    for (int64_t i = 0; i < D; ++i) nx += x[i] * x[i], ny += y[i] * y[i];
    nx = std::sqrt(nx), ny = std::sqrt(ny);
    double d = 0;
    for (int64_t i = 0; i < D; ++i) d += (x[i] / nx) * (y[i] / ny);
    d = std::clamp(d, -1.0, 1.0);
    const double ang = t[static_cast<size_t>(p)] * std::acos(d);
    std::vector<double> c(static_cast<size_t>(D));
    double nc = 0;
    for (int64_t i = 0; i < D; ++i) {
      c[static_cast<size_t>(i)] = y[i] / ny - d * x[i] / nx;
      nc += c[static_cast<size_t>(i)] * c[static_cast<size_t>(i)];
    }
    nc = std::sqrt(std::max(nc, 1e-30));
    for (int64_t i = 0; i < D; ++i)
      out[static_cast<size_t>(p * D + i)] =
          static_cast<float>(x[i] / nx * std::cos(ang) + c[static_cast<size_t>(i)] / nc * std::sin(ang));
  }
  return Tensor::from_data({P, D}, out);
}

// Mean of v inside its [1st, 99th] percentile values (lower / higher ranks).
double filtered_mean(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  const double lo = v[static_cast<size_t>(std::floor(0.01 * static_cast<double>(n - 1)))];
  const double hi = v[static_cast<size_t>(std::ceil(0.99 * static_cast<double>(n - 1)))];
  double s = 0;
  int64_t k = 0;
  for (double x : v)
    if (x >= lo && x <= hi) s += x, ++k;
  return k ? s / static_cast<double>(k) : 0;
}

Device device_of(nn::Module& m) { return m.parameters().front().device(); }

// Exact FP32 convolutions on CUDA while alive: TF32's ~1e-3 relative rounding
// of a conv's inputs, divided by eps^2 = 1e-8, would swamp a path length (on
// the sim backend it made ppl ~ 100x the CPU's). StyleGAN2-ADA turns TF32 off
// for the same reason.
class ExactFloatMath {
 public:
#if defined(GAN_HAS_CUDA_KERNELS)
  ExactFloatMath() : saved_(kernels::cuda::allow_tf32()) { kernels::cuda::set_allow_tf32(false); }
  ~ExactFloatMath() { kernels::cuda::set_allow_tf32(saved_); }

 private:
  bool saved_;
#endif
};

}  // namespace

PathLengths path_lengths(StyleganGenerator& G, const std::function<Tensor(const Tensor&)>& embed, int64_t pairs,
                         uint64_t seed, double eps) {
  GAN_CHECK(pairs >= 2, "path_lengths: pairs must be >= 2, got ", pairs);
  NoGradGuard ng;
  [[maybe_unused]] const ExactFloatMath exact;  // RAII: a no-op without CUDA
  const Device dev = device_of(G);
  const int64_t D = G.options.w_dim;
  Generator gen(seed);
  const Tensor z0 = Tensor::randn({pairs, D}, gen), z1 = Tensor::randn({pairs, D}, gen);
  const Tensor noise = Tensor::randn({pairs, G.noise_numel()}, gen).to(dev);
  std::vector<double> t(static_cast<size_t>(pairs));
  for (double& x : t) x = gen.uniform();
  std::vector<double> te(t);
  for (double& x : te) x += eps;
  const auto dist = [&](const Tensor& a, const Tensor& b) {
    const Tensor d = ops::sum(ops::square(ops::sub(embed(a), embed(b))), {1});  // [P]
    std::vector<double> v = d.to(Device::cpu()).to_double_vector();
    for (double& x : v) x /= eps * eps;
    return filtered_mean(v);
  };
  const auto image = [&](const Tensor& w) {
    return G.synthesize(std::vector<Tensor>(static_cast<size_t>(G.num_ws()), w), noise);
  };
  PathLengths out;
  out.z = dist(image(G.map(slerp_rows(z0, z1, t).to(dev))), image(G.map(slerp_rows(z0, z1, te).to(dev))));
  const Tensor w0 = G.map(z0.to(dev)), w1 = G.map(z1.to(dev));
  const auto lerp = [&](const std::vector<double>& tt) {
    std::vector<float> f(tt.begin(), tt.end());
    const Tensor tv = Tensor::from_data({pairs, 1}, f).to(dev);
    return ops::add(w0, ops::mul(ops::sub(w1, w0), tv));
  };
  out.w = dist(image(lerp(t)), image(lerp(te)));
  return out;
}

Tensor style_mix(StyleganGenerator& G, const Tensor& z_coarse, const Tensor& z_fine, int64_t crossover,
                 const Tensor& noise) {
  GAN_CHECK(crossover >= 0 && crossover <= G.num_ws(), "style_mix: crossover must be in [0, ", G.num_ws(), "], got ",
            crossover);
  const int64_t R = z_coarse.size(0), C = z_fine.size(0);
  const Tensor wc = G.map(z_coarse), wf = G.map(z_fine);  // [R, D], [C, D]
  std::vector<int64_t> ri, ci;
  for (int64_t r = 0; r < R; ++r)
    for (int64_t c = 0; c < C; ++c) ri.push_back(r), ci.push_back(c);
  const Tensor rows = ops::index_select0(wc, Tensor::from_data({R * C}, ri).to(wc.device()));
  const Tensor cols = ops::index_select0(wf, Tensor::from_data({R * C}, ci).to(wf.device()));
  std::vector<Tensor> ws(static_cast<size_t>(G.num_ws()));
  for (int64_t i = 0; i < G.num_ws(); ++i) ws[static_cast<size_t>(i)] = i < crossover ? rows : cols;
  return G.synthesize(ws, ops::expand(noise, {R * C, noise.size(1)}));
}

io::Image style_mixing_figure(StyleganGenerator& G, int64_t rows, int64_t cols, int64_t crossover, uint64_t seed) {
  NoGradGuard ng;
  const Device dev = device_of(G);
  Generator gen(seed);
  const Tensor zc = Tensor::randn({rows, G.options.w_dim}, gen).to(dev);
  const Tensor zf = Tensor::randn({cols, G.options.w_dim}, gen).to(dev);
  const Tensor noise = Tensor::randn({1, G.noise_numel()}, gen).to(dev);
  const Tensor mixes = style_mix(G, zc, zf, crossover, noise).to(Device::cpu());        // [R C, ...]
  const Tensor coarse = style_mix(G, zc, zc.narrow0(0, 1), G.num_ws(), noise).to(Device::cpu());  // [R, ...]
  const Tensor fine = style_mix(G, zf, zf.narrow0(0, 1), G.num_ws(), noise).to(Device::cpu());    // [Cn, ...]
  const int64_t ch = mixes.size(1), S = mixes.size(2);
  std::vector<Tensor> tiles;
  tiles.push_back(Tensor::full({1, ch, S, S}, -1.0));  // the empty corner
  for (int64_t c = 0; c < cols; ++c) tiles.push_back(fine.narrow0(c, 1));
  for (int64_t r = 0; r < rows; ++r) {
    tiles.push_back(coarse.narrow0(r, 1));
    tiles.push_back(mixes.narrow0(r * cols, cols));
  }
  return make_image_grid(ops::cat(tiles, 0), cols + 1);
}

}  // namespace gan::models
