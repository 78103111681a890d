// CUDA conv2d / conv_transpose2d (implicit GEMM, kernels/cuda/conv2d.cu,
// conv_transpose2d.cu) vs the CPU reference on fresh random inputs, outputs
// NaN-poisoned, two schedule orders: every pass (fprop, dgrad, wgrad,
// bias_grad) over DCGAN shapes (4x4 s2 p1, the first generator layer from
// 1x1, the final 4x4 -> 1x1 discriminator conv), SNGAN 3x3 p1, 1x1 (16-byte
// and 4-byte loads), odd channel counts, sizes that are not tile multiples,
// groups 2 and 4, dilation 2, output_padding (including the out_pad >= stride
// case that maps to a smaller conv), bias / no bias; fp32, tf32 and fp64;
// split-K forced on and off and automatic; all three tiles (the narrow one
// automatic on RGB-side passes). The fused epilogue
// (bias + activation + residual) against the unfused CPU composition, and the
// runtime selection's names for DCGAN layers at batch 128.
//
// Errors are max |got - ref| / max |ref| (a GEMM result's error scales with
// its largest terms, not with each element). Tolerances: tf32 1e-2 (inputs
// rounded to 10 mantissa bits), fp32 1e-5, fp64 1e-12.
#include <cmath>
#include <string>
#include <vector>

#include "cuda_test_util.h"
#include "gan/kernels/conv.h"

namespace gan::cuda_test {
namespace {

namespace k = gan::kernels;
namespace kc = gan::kernels::cuda;

template <class T>
double scaled_err(const std::vector<T>& got, const std::vector<T>& ref) {
  double scale = 0;
  for (T v : ref)
    if (std::isfinite(static_cast<double>(v))) scale = std::max(scale, std::abs(static_cast<double>(v)));
  return max_rel_err(got, ref, std::max(err_floor<T>(), scale));
}

template <class T>
double tol(kc::MathMode m) {
  if constexpr (std::is_same_v<T, double>) return 1e-12;
  return m == kc::MathMode::tf32 ? 1e-2 : 1e-5;
}

template <class T>
const char* math_name(kc::MathMode m) {
  if constexpr (std::is_same_v<T, double>) return "fp64";
  return m == kc::MathMode::tf32 ? "tf32" : "fp32";
}

kc::IgemmOptions opts(kc::MathMode m, kc::TileChoice t = kc::TileChoice::automatic, int split = 0) {
  kc::IgemmOptions o;
  o.math = m;
  o.tile = t;
  o.split_k = split;
  return o;
}

std::string conv_str(const k::Conv2dParams& p) {
  return cat("n", p.n, " ", p.c_in, "x", p.h_in, "x", p.w_in, "->", p.c_out, "x", p.h_out, "x", p.w_out, " k",
             p.kh, "x", p.kw, " s", p.stride_h, "x", p.stride_w, " p", p.pad_h, "x", p.pad_w, " d", p.dil_h, " g",
             p.groups);
}

std::string convt_str(const k::ConvTranspose2dParams& p) {
  return cat("n", p.n, " ", p.c_in, "x", p.h_in, "x", p.w_in, "->", p.c_out, "x", p.h_out, "x", p.w_out, " k",
             p.kh, "x", p.kw, " s", p.stride_h, "x", p.stride_w, " p", p.pad_h, "x", p.pad_w, " d", p.dil_h, " op",
             p.out_pad_h, " g", p.groups);
}

k::Conv2dParams conv(int64_t n, int64_t c_in, int64_t h, int64_t w, int64_t c_out, int64_t kh, int64_t kw,
                     int64_t stride, int64_t pad, int64_t dil = 1, int64_t groups = 1) {
  k::Conv2dParams p;
  p.n = n, p.c_in = c_in, p.h_in = h, p.w_in = w, p.c_out = c_out, p.kh = kh, p.kw = kw;
  p.stride_h = p.stride_w = stride;
  p.pad_h = p.pad_w = pad;
  p.dil_h = p.dil_w = dil;
  p.groups = groups;
  k::conv2d_infer(p);
  return p;
}

k::ConvTranspose2dParams convt(int64_t n, int64_t c_in, int64_t h, int64_t w, int64_t c_out, int64_t kh,
                               int64_t stride, int64_t pad, int64_t out_pad = 0, int64_t dil = 1,
                               int64_t groups = 1) {
  k::ConvTranspose2dParams p;
  p.n = n, p.c_in = c_in, p.h_in = h, p.w_in = w, p.c_out = c_out, p.kh = p.kw = kh;
  p.stride_h = p.stride_w = stride;
  p.pad_h = p.pad_w = pad;
  p.out_pad_h = p.out_pad_w = out_pad;
  p.dil_h = p.dil_w = dil;
  p.groups = groups;
  k::conv_transpose2d_infer(p);
  return p;
}

// All four passes of one conv under one option set; one table row per pass.
// offset: every device buffer starts that many elements past an aligned
// allocation (1: no 16-byte copies may be taken; the emulator faults on a
// misaligned cp.async).
template <class T>
void conv2d_case(const k::Conv2dParams& p, bool with_bias, const kc::IgemmOptions& o, std::size_t offset = 0) {
  const auto nx = static_cast<std::size_t>(p.n * p.c_in * p.h_in * p.w_in);
  const auto nw = static_cast<std::size_t>(p.c_out * (p.c_in / p.groups) * p.kh * p.kw);
  const auto ny = static_cast<std::size_t>(p.n * p.c_out * p.h_out * p.w_out);
  const auto nb = static_cast<std::size_t>(p.c_out);
  const auto x = random_vector<T>(nx, next_seed());
  const auto w = random_vector<T>(nw, next_seed());
  const auto b = random_vector<T>(nb, next_seed());
  const auto dy = random_vector<T>(ny, next_seed());
  std::vector<T> y(ny), dx(nx), dw(nw), db(nb);
  k::cpu::conv2d_fprop<T>(p, x.data(), w.data(), with_bias ? b.data() : nullptr, y.data());
  k::cpu::conv2d_dgrad<T>(p, dy.data(), w.data(), dx.data());
  k::cpu::conv2d_wgrad<T>(p, x.data(), dy.data(), dw.data());
  k::cpu::bias_grad<T>(p.n, p.c_out, p.h_out * p.w_out, dy.data(), db.data());

  double ey = 0, edx = 0, edw = 0, edb = 0;
  const std::string orders = for_each_order([&] {
    DeviceBuffer<T> gx(x, offset), gw(w, offset), gb(b, offset), gdy(dy, offset), gy(ny, nan_value<T>(), offset),
        gdx(nx, nan_value<T>(), offset), gdw(nw, nan_value<T>(), offset), gdb(nb, nan_value<T>(), offset);
    kc::conv2d_fprop_with<T>(p, gx.get(), gw.get(), with_bias ? gb.get() : nullptr, gy.get(), o);
    kc::conv2d_dgrad_with<T>(p, gdy.get(), gw.get(), gdx.get(), o);
    kc::conv2d_wgrad_with<T>(p, gx.get(), gdy.get(), gdw.get(), o);
    kc::bias_grad<T>(p.n, p.c_out, p.h_out * p.w_out, gdy.get(), gdb.get());
    ey = std::max(ey, scaled_err(gy.download(), y));
    edx = std::max(edx, scaled_err(gdx.download(), dx));
    edw = std::max(edw, scaled_err(gdw.download(), dw));
    edb = std::max(edb, max_rel_err(gdb.download(), db));
  });
  const std::string s = conv_str(p) + (with_bias ? " bias" : "");
  const double t = tol<T>(o.math);
  // The selection's names assume aligned tensors; misaligned ones run the same tiles with 4-byte loads.
  auto plan = [&](kc::ConvPass pass) {
    return offset > 0 ? std::string("misaligned, 4-byte loads") : kc::conv2d_selected_kernel<T>(pass, p, o);
  };
  check_and_record<T>("conv2d_fprop", s + " " + plan(kc::ConvPass::fprop), orders,
                      ey, t);
  check_and_record<T>("conv2d_dgrad", s + " " + plan(kc::ConvPass::dgrad), orders,
                      edx, t);
  check_and_record<T>("conv2d_wgrad", s + " " + plan(kc::ConvPass::wgrad), orders,
                      edw, t);
  // bias_grad sums in double on both sides: tight for every math mode.
  check_and_record<T>("bias_grad", s, orders, edb, std::is_same_v<T, float> ? 1e-6 : 1e-12);
}

template <class T>
void conv_transpose2d_case(const k::ConvTranspose2dParams& p, bool with_bias, const kc::IgemmOptions& o,
                           std::size_t offset = 0) {
  const auto nx = static_cast<std::size_t>(p.n * p.c_in * p.h_in * p.w_in);
  const auto nw = static_cast<std::size_t>(p.c_in * (p.c_out / p.groups) * p.kh * p.kw);
  const auto ny = static_cast<std::size_t>(p.n * p.c_out * p.h_out * p.w_out);
  const auto x = random_vector<T>(nx, next_seed());
  const auto w = random_vector<T>(nw, next_seed());
  const auto b = random_vector<T>(static_cast<std::size_t>(p.c_out), next_seed());
  const auto dy = random_vector<T>(ny, next_seed());
  std::vector<T> y(ny), dx(nx), dw(nw);
  k::cpu::conv_transpose2d_fprop<T>(p, x.data(), w.data(), with_bias ? b.data() : nullptr, y.data());
  k::cpu::conv_transpose2d_dgrad<T>(p, dy.data(), w.data(), dx.data());
  k::cpu::conv_transpose2d_wgrad<T>(p, x.data(), dy.data(), dw.data());

  double ey = 0, edx = 0, edw = 0;
  const std::string orders = for_each_order([&] {
    DeviceBuffer<T> gx(x, offset), gw(w, offset), gb(b, offset), gdy(dy, offset), gy(ny, nan_value<T>(), offset),
        gdx(nx, nan_value<T>(), offset), gdw(nw, nan_value<T>(), offset);
    kc::conv_transpose2d_fprop_with<T>(p, gx.get(), gw.get(), with_bias ? gb.get() : nullptr, gy.get(), o);
    kc::conv_transpose2d_dgrad_with<T>(p, gdy.get(), gw.get(), gdx.get(), o);
    kc::conv_transpose2d_wgrad_with<T>(p, gx.get(), gdy.get(), gdw.get(), o);
    ey = std::max(ey, scaled_err(gy.download(), y));
    edx = std::max(edx, scaled_err(gdx.download(), dx));
    edw = std::max(edw, scaled_err(gdw.download(), dw));
  });
  const std::string s = convt_str(p) + (with_bias ? " bias" : "");
  const double t = tol<T>(o.math);
  auto plan = [&](kc::ConvPass pass) {
    return offset > 0 ? std::string("misaligned, 4-byte loads") : kc::conv_transpose2d_selected_kernel<T>(pass, p, o);
  };
  check_and_record<T>("conv_transpose2d_fprop",
                      s + " " + plan(kc::ConvPass::fprop), orders, ey, t);
  check_and_record<T>("conv_transpose2d_dgrad",
                      s + " " + plan(kc::ConvPass::dgrad), orders, edx, t);
  check_and_record<T>("conv_transpose2d_wgrad",
                      s + " " + plan(kc::ConvPass::wgrad), orders, edw, t);
}

// The conv shapes every math mode runs (automatic tile and split-K).
std::vector<std::pair<k::Conv2dParams, bool>> conv_shapes() {
  return {
      {conv(2, 3, 16, 16, 8, 4, 4, 2, 1), true},     // DCGAN D first layer, 3 channels
      {conv(2, 16, 8, 8, 13, 4, 4, 2, 1), false},    // DCGAN D 8x8 -> 4x4, odd c_out
      {conv(3, 32, 4, 4, 1, 4, 4, 1, 0), true},      // DCGAN D final 4x4 -> 1x1 (auto split-K)
      {conv(2, 5, 9, 7, 6, 3, 3, 1, 1), true},       // SNGAN 3x3 p1, odd sizes
      {conv(2, 13, 6, 6, 7, 1, 1, 1, 0), true},      // 1x1, 36 pixels: 16-byte loads of x
      {conv(2, 8, 5, 7, 5, 1, 1, 1, 0), false},      // 1x1, 35 pixels: 4-byte loads
      {conv(2, 6, 7, 9, 4, 3, 3, 1, 1, 1, 2), true}, // groups 2
      {conv(2, 8, 10, 10, 8, 4, 4, 2, 1, 1, 4), false},  // groups 4
      {conv(2, 3, 11, 11, 5, 3, 3, 1, 2, 2), true},  // dilation 2
      {conv(2, 3, 11, 11, 5, 3, 3, 2, 2, 2), false}, // stride 2 + dilation 2: dgrad without phases
      {conv(2, 3, 10, 11, 4, 3, 2, 3, 1), true},     // stride 3, 3x2 kernel: dgrad phases without taps
      // Full windows (igemm_conv_full.cuh): the SphereGAN-style wide head, odd K = 294 (4-byte loads)
      {conv(3, 6, 7, 7, 70, 7, 7, 1, 0), true},
      {conv(5, 4, 4, 4, 12, 4, 4, 2, 0), false},     // stride 2, widths of 4: 16-byte loads everywhere
      {conv(2, 6, 5, 3, 8, 5, 3, 1, 0, 1, 2), true}, // groups 2, 5x3 window, N = 45
      {conv(2, 4, 4, 4, 8, 4, 4, 1, 1), false},      // a 4x4 window with pad 1 (3x3 out): not a full window
  };
}

std::vector<std::pair<k::ConvTranspose2dParams, bool>> convt_shapes() {
  return {
      {convt(2, 16, 1, 1, 8, 4, 1, 0), true},        // DCGAN G first layer: 1x1 -> 4x4
      {convt(2, 12, 1, 1, 5, 7, 1, 0), false},       // FMNIST G first layer: 1x1 -> 7x7
      {convt(2, 8, 4, 4, 6, 4, 2, 1), true},         // DCGAN G 4x4 s2 p1: 4x4 -> 8x8
      {convt(2, 4, 5, 5, 5, 3, 2, 1, 1), true},      // output_padding 1: 5x5 -> 10x10
      {convt(2, 3, 6, 6, 4, 3, 1, 1, 1, 2), false},  // out_pad 1 >= stride 1 (dil 2): smaller conv
      {convt(2, 4, 5, 5, 6, 4, 2, 1, 0, 1, 2), true},  // groups 2
      {convt(2, 6, 1, 1, 10, 5, 1, 0, 0, 1, 2), true},  // 1x1 -> 5x5, groups 2: bias per channel of 25 taps
      {convt(3, 8, 1, 1, 4, 4, 2, 0), false},           // 1x1 -> 4x4 at stride 2: still a full window
  };
}

template <class T>
void all_shapes(kc::MathMode m) {
  for (const auto& [p, bias] : conv_shapes()) conv2d_case<T>(p, bias, opts(m));
  for (const auto& [p, bias] : convt_shapes()) conv_transpose2d_case<T>(p, bias, opts(m));
}

TEST(CudaConv, Conv2dAndTransposeFp32) {
  GAN_REQUIRE_DEVICE();
  all_shapes<float>(kc::MathMode::fp32);
}

TEST(CudaConv, Conv2dAndTransposeTf32) {
  GAN_REQUIRE_DEVICE();
  all_shapes<float>(kc::MathMode::tf32);
}

TEST(CudaConv, Conv2dAndTransposeDouble) {
  GAN_REQUIRE_DEVICE();
  all_shapes<double>(kc::MathMode::fp32);
}

// Each tile instantiation with split-K forced on and off; the large tile with
// several tiles in both M and N (576 x 136).
TEST(CudaConv, TilesAndSplitK) {
  GAN_REQUIRE_DEVICE();
  const auto big = conv(4, 8, 12, 12, 136, 3, 3, 1, 1);  // fprop M = 576, N = 136, K = 72
  const auto deep = conv(2, 24, 6, 6, 20, 4, 4, 2, 1);   // K = 384: 12 k steps of 32
  for (auto m : {kc::MathMode::fp32, kc::MathMode::tf32}) {
    for (auto t : {kc::TileChoice::large, kc::TileChoice::small, kc::TileChoice::narrow}) {
      conv2d_case<float>(big, true, opts(m, t, 1));
      conv2d_case<float>(deep, false, opts(m, t, 1));
      conv2d_case<float>(deep, true, opts(m, t, 3));
    }
  }
  conv2d_case<double>(deep, true, opts(kc::MathMode::fp32, kc::TileChoice::automatic, 1));
  conv2d_case<double>(deep, true, opts(kc::MathMode::fp32, kc::TileChoice::automatic, 5));
  // Full windows: fprop K = 320 and dgrad K = 200 split; every tile.
  const auto head = conv(4, 20, 4, 4, 36, 4, 4, 1, 0);
  const auto wide = conv(3, 4, 3, 3, 200, 3, 3, 1, 0);
  for (auto t : {kc::TileChoice::large, kc::TileChoice::small, kc::TileChoice::narrow}) {
    conv2d_case<float>(head, true, opts(kc::MathMode::fp32, t, 3));
    conv2d_case<float>(wide, false, opts(kc::MathMode::tf32, t, 3));
  }
  conv2d_case<double>(wide, true, opts(kc::MathMode::fp32, kc::TileChoice::automatic, 2));
  conv2d_case<double>(deep, true, opts(kc::MathMode::fp32, kc::TileChoice::narrow, 1));  // double: the small tile
  // RGB at the image side (automatically narrow: N = 3): D1's dgrad and G5's fprop over
  // several M tiles per stride phase.
  conv2d_case<float>(conv(2, 3, 24, 20, 16, 4, 4, 2, 1), true, opts(kc::MathMode::tf32));
  conv_transpose2d_case<float>(convt(2, 16, 10, 12, 3, 4, 2, 1), true, opts(kc::MathMode::fp32));
  conv_transpose2d_case<float>(convt(2, 24, 3, 3, 10, 4, 2, 1), true, opts(kc::MathMode::fp32, kc::TileChoice::large, 4));
  conv_transpose2d_case<float>(convt(2, 24, 3, 3, 10, 4, 2, 1), true, opts(kc::MathMode::tf32, kc::TileChoice::small, 2));
}

// Tensors that start off a 16-byte boundary (views with a storage offset):
// shapes whose widths allow 16-byte copies (full windows, a 1x1 conv, an RGB
// conv on the narrow tile) must take the 4-byte path and still match.
TEST(CudaConv, MisalignedTensorsTakeScalarLoads) {
  GAN_REQUIRE_DEVICE();
  for (auto m : {kc::MathMode::fp32, kc::MathMode::tf32}) {
    conv2d_case<float>(conv(5, 4, 4, 4, 12, 4, 4, 2, 0), true, opts(m), 1);
    conv2d_case<float>(conv(2, 13, 6, 6, 8, 1, 1, 1, 0), true, opts(m), 1);
    conv2d_case<float>(conv(2, 3, 8, 8, 16, 4, 4, 2, 1), false, opts(m), 1);
    conv_transpose2d_case<float>(convt(2, 16, 1, 1, 8, 4, 1, 0), true, opts(m), 1);
  }
  conv2d_case<double>(conv(3, 4, 4, 4, 8, 4, 4, 1, 0), true, opts(kc::MathMode::fp32), 1);
}

// y = act(conv + bias) + residual in one launch vs the CPU conv followed by
// the same elementwise steps in double.
template <class T>
void fused_case(bool transpose, kc::Activation act, bool residual, const kc::IgemmOptions& o) {
  const auto pc = conv(2, 6, 9, 9, 5, 3, 3, 1, 1);
  const auto pt = convt(2, 6, 4, 4, 5, 4, 2, 1);
  const int64_t c_out = 5;
  const auto nx = static_cast<std::size_t>(transpose ? pt.n * pt.c_in * pt.h_in * pt.w_in
                                                     : pc.n * pc.c_in * pc.h_in * pc.w_in);
  const auto nw = static_cast<std::size_t>(6 * 5 * (transpose ? 16 : 9));
  const auto ny = static_cast<std::size_t>(transpose ? pt.n * c_out * pt.h_out * pt.w_out
                                                     : pc.n * c_out * pc.h_out * pc.w_out);
  const int64_t hw = transpose ? pt.h_out * pt.w_out : pc.h_out * pc.w_out;
  const auto x = random_vector<T>(nx, next_seed());
  const auto w = random_vector<T>(nw, next_seed(), -0.5, 0.5);
  const auto b = random_vector<T>(static_cast<std::size_t>(c_out), next_seed());
  const auto r = random_vector<T>(ny, next_seed());
  std::vector<T> y(ny);
  if (transpose) k::cpu::conv_transpose2d_fprop<T>(pt, x.data(), w.data(), b.data(), y.data());
  else k::cpu::conv2d_fprop<T>(pc, x.data(), w.data(), b.data(), y.data());
  const double slope = 0.2;
  for (std::size_t i = 0; i < ny; ++i) {
    double v = static_cast<double>(y[i]);
    if (act == kc::Activation::relu) v = v > 0 ? v : 0;
    if (act == kc::Activation::leaky_relu) v = v >= 0 ? v : slope * v;
    if (act == kc::Activation::tanh) v = std::tanh(v);
    if (residual) v += static_cast<double>(r[i]);
    y[i] = static_cast<T>(v);
  }
  (void)hw;
  kc::ConvEpilogue ep;
  ep.act = act;
  ep.slope = slope;
  double err = 0;
  const std::string orders = for_each_order([&] {
    DeviceBuffer<T> gx(x), gw(w), gb(b), gr(r), gy(ny, nan_value<T>());
    if (transpose)
      kc::conv_transpose2d_fprop_fused<T>(pt, gx.get(), gw.get(), gb.get(), residual ? gr.get() : nullptr, gy.get(),
                                          ep, o);
    else
      kc::conv2d_fprop_fused<T>(pc, gx.get(), gw.get(), gb.get(), residual ? gr.get() : nullptr, gy.get(), ep, o);
    err = std::max(err, scaled_err(gy.download(), y));
  });
  const char* acts[] = {"identity", "relu", "leaky_relu(0.2)", "tanh"};
  const std::string s = cat(transpose ? convt_str(pt) : conv_str(pc), " bias ", acts[static_cast<int>(act)],
                            residual ? " +residual" : "", o.split_k > 1 ? " splitk" : "", " ", math_name<T>(o.math));
  check_and_record<T>(transpose ? "conv_transpose2d_fprop_fused" : "conv2d_fprop_fused", s, orders, err,
                      tol<T>(o.math));
}

TEST(CudaConv, FusedEpilogue) {
  GAN_REQUIRE_DEVICE();
  for (bool transpose : {false, true}) {
    for (auto act : {kc::Activation::identity, kc::Activation::relu, kc::Activation::leaky_relu,
                     kc::Activation::tanh}) {
      fused_case<float>(transpose, act, act != kc::Activation::relu, opts(kc::MathMode::fp32));
      fused_case<float>(transpose, act, true, opts(kc::MathMode::tf32));
      fused_case<double>(transpose, act, true, opts(kc::MathMode::fp32));
    }
    // The split-K second pass runs the same epilogue.
    fused_case<float>(transpose, kc::Activation::leaky_relu, true,
                      opts(kc::MathMode::fp32, kc::TileChoice::small, 2));
  }
}

// In-place residual (residual == y): each element is read before it is written.
TEST(CudaConv, FusedResidualInPlace) {
  GAN_REQUIRE_DEVICE();
  const auto p = conv(2, 4, 6, 6, 3, 3, 3, 1, 1);
  const auto x = random_vector<float>(static_cast<std::size_t>(2 * 4 * 36), next_seed());
  const auto w = random_vector<float>(static_cast<std::size_t>(3 * 4 * 9), next_seed());
  const auto r = random_vector<float>(static_cast<std::size_t>(2 * 3 * 36), next_seed());
  std::vector<float> y(r.size());
  k::cpu::conv2d_fprop<float>(p, x.data(), w.data(), nullptr, y.data());
  for (std::size_t i = 0; i < y.size(); ++i) y[i] = std::max(y[i], 0.0f) + r[i];
  kc::ConvEpilogue ep;
  ep.act = kc::Activation::relu;
  double err = 0;
  const std::string orders = for_each_order([&] {
    DeviceBuffer<float> gx(x), gw(w), gy(r);
    kc::conv2d_fprop_fused<float>(p, gx.get(), gw.get(), nullptr, gy.get(), gy.get(), ep, opts(kc::MathMode::fp32));
    err = std::max(err, scaled_err(gy.download(), y));
  });
  check_and_record<float>("conv2d_fprop_fused", conv_str(p) + " relu +residual in place", orders, err, 1e-5);
}

// The selection on real DCGAN layers at batch 128 (names only: no launch).
TEST(CudaConv, SelectionNamesForDcganLayers) {
  const auto tf = opts(kc::MathMode::tf32);
  // D 256 -> 512, 8x8 -> 4x4: 64 large tiles < 132 SMs -> 64x64 tiles (256), no split.
  const auto d3 = conv(128, 256, 8, 8, 512, 4, 4, 2, 1);
  EXPECT_EQ(kc::conv2d_selected_kernel<float>(kc::ConvPass::fprop, d3, tf),
            "igemm_fprop_tf32_64x64x32_w32x32_s2_ld16b");
  // D final 512 -> 1, 4x4 -> 1x1 (a full window: x rows are the GEMM's A): M = 128,
  // N = 1: 1 narrow tile, 256 k steps -> split-K 64 (4 k steps a slice).
  const auto d4 = conv(128, 512, 4, 4, 1, 4, 4, 1, 0);
  EXPECT_EQ(kc::conv2d_selected_kernel<float>(kc::ConvPass::fprop, d4, opts(kc::MathMode::fp32)),
            "igemm_fprop_full_fp32_128x16x32_w32x16_s2_splitk64_ld16ab");
  // The RGB side: D1's dgrad and G5's fprop have N = 3 columns -> the narrow tile
  // (4 phases of 1,024 tiles: no split).
  EXPECT_EQ(kc::conv2d_selected_kernel<float>(kc::ConvPass::dgrad, conv(128, 3, 64, 64, 64, 4, 4, 2, 1), tf),
            "igemm_dgrad_phase_tf32_128x16x32_w32x16_s2");
  EXPECT_EQ(kc::conv_transpose2d_selected_kernel<float>(kc::ConvPass::fprop, convt(128, 64, 32, 32, 3, 4, 2, 1), tf),
            "igemm_dgrad_phase_tf32_128x16x32_w32x16_s2");
  // SphereGAN's head 64x7x7 -> 1024 at batch 64: dgrad M = 64, N = 3136, K = 1024 (not K = 1024*49
  // with 48 of 49 taps zero): 49 small tiles -> split-K 3.
  EXPECT_EQ(kc::conv2d_selected_kernel<float>(kc::ConvPass::dgrad, conv(64, 64, 7, 7, 1024, 7, 7, 1, 0), tf),
            "igemm_dgrad_full_tf32_64x64x32_w32x32_s2_splitk3_ld16ab");
  // D 3 -> 64, 64x64 -> 32x32: M = 131072: the large tile fills the GPU.
  const auto d1 = conv(128, 3, 64, 64, 64, 4, 4, 2, 1);
  EXPECT_EQ(kc::conv2d_selected_kernel<float>(kc::ConvPass::fprop, d1, tf),
            "igemm_fprop_tf32_128x128x32_w64x32_s2_ld16b");
  // Its wgrad: M = 64, N = 48, K = 131072: one tile -> 132 slices of 31.03 k steps
  // -> 128 slices of 32.
  EXPECT_EQ(kc::conv2d_selected_kernel<float>(kc::ConvPass::wgrad, d1, tf),
            "igemm_wgrad_tf32_64x64x32_w32x32_s2_splitk128_ld16a");
  // G first layer 100 -> 512, 1x1 -> 4x4 (transposed): the conv's full-window dgrad,
  // M = 128, N = 512*16, K = 100.
  const auto g1 = convt(128, 100, 1, 1, 512, 4, 1, 0);
  EXPECT_EQ(kc::conv_transpose2d_selected_kernel<double>(kc::ConvPass::fprop, g1, tf),
            "igemm_dgrad_full_fp64_64x64x16_w32x32_s2_ld16ab");
  // Forced options show in the name.
  EXPECT_EQ(kc::conv2d_selected_kernel<float>(kc::ConvPass::dgrad, d3,
                                              opts(kc::MathMode::fp32, kc::TileChoice::large, 4)),
            "igemm_dgrad_phase_fp32_128x128x32_w64x32_s2_splitk4");
  // Stride 1: the plain dgrad GEMM.
  EXPECT_EQ(kc::conv2d_selected_kernel<float>(kc::ConvPass::dgrad, conv(128, 128, 16, 16, 128, 3, 3, 1, 1), tf),
            "igemm_dgrad_tf32_128x128x32_w64x32_s2");
}

TEST(CudaConv, DefaultMathFollowsAllowTf32) {
  EXPECT_TRUE(kc::allow_tf32());
  EXPECT_EQ(kc::default_igemm_options().math, kc::MathMode::tf32);
  kc::set_allow_tf32(false);
  EXPECT_EQ(kc::default_igemm_options().math, kc::MathMode::fp32);
  const auto p = conv(128, 256, 8, 8, 512, 4, 4, 2, 1);
  EXPECT_NE(kc::conv2d_selected_kernel<float>(kc::ConvPass::fprop, p, kc::default_igemm_options()).find("_fp32_"),
            std::string::npos);
  kc::set_allow_tf32(true);
}

// The contract launchers (default options) on one shape: same results as the
// explicit tf32 path within its tolerance.
TEST(CudaConv, ContractLaunchersUseDefaults) {
  GAN_REQUIRE_DEVICE();
  const auto p = conv(2, 4, 6, 6, 3, 3, 3, 1, 1);
  const auto x = random_vector<float>(static_cast<std::size_t>(2 * 4 * 36), next_seed());
  const auto w = random_vector<float>(static_cast<std::size_t>(3 * 4 * 9), next_seed());
  std::vector<float> y(static_cast<std::size_t>(2 * 3 * 36));
  k::cpu::conv2d_fprop<float>(p, x.data(), w.data(), nullptr, y.data());
  double e_tf32 = 0, e_fp32 = 0;
  const std::string orders = for_each_order([&] {
    DeviceBuffer<float> gx(x), gw(w), gy(y.size(), nan_value<float>());
    kc::conv2d_fprop<float>(p, gx.get(), gw.get(), nullptr, gy.get());
    e_tf32 = std::max(e_tf32, scaled_err(gy.download(), y));
    kc::set_allow_tf32(false);
    DeviceBuffer<float> gz(y.size(), nan_value<float>());
    kc::conv2d_fprop<float>(p, gx.get(), gw.get(), nullptr, gz.get());
    kc::set_allow_tf32(true);
    e_fp32 = std::max(e_fp32, scaled_err(gz.download(), y));
  });
  check_and_record<float>("conv2d_fprop (allow_tf32 on)", conv_str(p), orders, e_tf32, 1e-2);
  check_and_record<float>("conv2d_fprop (allow_tf32 off)", conv_str(p), orders, e_fp32, 1e-5);
  EXPECT_GT(e_tf32, e_fp32) << "tf32 rounding should show against the exact path";
}

TEST(CudaConv, BadInputIsRejectedBeforeLaunch) {
  auto p = conv(2, 4, 6, 6, 3, 3, 3, 1, 1);
  std::vector<float> buf(1000, 0.0f);
  p.h_out = 5;  // does not match conv2d_infer
  EXPECT_THROW(kc::conv2d_fprop<float>(p, buf.data(), buf.data(), nullptr, buf.data()), k::KernelError);
  p = conv(2, 4, 6, 6, 3, 3, 3, 1, 1);
  EXPECT_THROW(kc::conv2d_dgrad<float>(p, nullptr, buf.data(), buf.data()), k::KernelError);
  EXPECT_THROW(kc::bias_grad<float>(-1, 3, 4, buf.data(), buf.data()), k::KernelError);
  auto t = convt(2, 4, 5, 5, 6, 4, 2, 1);
  t.w_out = 3;
  EXPECT_THROW(kc::conv_transpose2d_fprop<float>(t, buf.data(), buf.data(), nullptr, buf.data()), k::KernelError);
  try {
    p.groups = 3;  // c_in 4 not divisible
    kc::conv2d_wgrad<float>(p, buf.data(), buf.data(), buf.data());
    FAIL() << "no error";
  } catch (const k::KernelError& e) {
    EXPECT_NE(std::string(e.what()).find("groups"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace gan::cuda_test

namespace gan::cuda_test {
namespace {

// The engine dispatches with GAN_KERNEL: `cuda ? &cuda::fn<T> : &cpu::fn<T>`.
// That only compiles while each contract name is a single function template
// with the CPU signature (the options variants have their own names).
template <class T>
bool same_signatures(bool cuda) {
  const auto f1 = cuda ? &kc::conv2d_fprop<T> : &k::cpu::conv2d_fprop<T>;
  const auto f2 = cuda ? &kc::conv2d_dgrad<T> : &k::cpu::conv2d_dgrad<T>;
  const auto f3 = cuda ? &kc::conv2d_wgrad<T> : &k::cpu::conv2d_wgrad<T>;
  const auto f4 = cuda ? &kc::bias_grad<T> : &k::cpu::bias_grad<T>;
  const auto f5 = cuda ? &kc::conv_transpose2d_fprop<T> : &k::cpu::conv_transpose2d_fprop<T>;
  const auto f6 = cuda ? &kc::conv_transpose2d_dgrad<T> : &k::cpu::conv_transpose2d_dgrad<T>;
  const auto f7 = cuda ? &kc::conv_transpose2d_wgrad<T> : &k::cpu::conv_transpose2d_wgrad<T>;
  return f1 && f2 && f3 && f4 && f5 && f6 && f7;
}

TEST(CudaConv, ContractMatchesCpuSignatures) {
  EXPECT_TRUE(same_signatures<float>(true));
  EXPECT_TRUE(same_signatures<double>(false));
}

}  // namespace
}  // namespace gan::cuda_test

namespace gan::cuda_test {
namespace {

// The CPU-named entries without the output-size check, on the conv of a
// transposed conv with out_pad >= stride (h_out smaller than conv2d_infer's),
// as the engine's conv op calls them.
template <class T>
void internal_entries_case() {
  const auto t = convt(2, 3, 6, 6, 4, 3, 1, 1, 1, 2);
  const k::Conv2dParams q = k::conv_transpose2d_as_conv2d(t);
  const auto nx = static_cast<std::size_t>(q.n * q.c_in * q.h_in * q.w_in);
  const auto nw = static_cast<std::size_t>(q.c_out * q.c_in * q.kh * q.kw);
  const auto ny = static_cast<std::size_t>(q.n * q.c_out * q.h_out * q.w_out);
  const auto x = random_vector<T>(nx, next_seed());
  const auto w = random_vector<T>(nw, next_seed());
  const auto b = random_vector<T>(static_cast<std::size_t>(q.c_out), next_seed());
  const auto dy = random_vector<T>(ny, next_seed());
  std::vector<T> y(ny), dx(nx), dw(nw);
  k::cpu::conv2d_fprop_im2col_gemm<T>(q, x.data(), w.data(), b.data(), y.data());
  k::cpu::conv2d_dgrad_gemm_col2im<T>(q, dy.data(), w.data(), dx.data());
  k::cpu::conv2d_wgrad_im2col_gemm<T>(q, x.data(), dy.data(), dw.data());
  double ey = 0, edx = 0, edw = 0;
  kc::set_allow_tf32(false);  // compare the exact path at the fp32 tolerance
  const std::string orders = for_each_order([&] {
    DeviceBuffer<T> gx(x), gw(w), gb(b), gdy(dy), gy(ny, nan_value<T>()), gdx(nx, nan_value<T>()),
        gdw(nw, nan_value<T>());
    kc::conv2d_fprop_im2col_gemm<T>(q, gx.get(), gw.get(), gb.get(), gy.get());
    kc::conv2d_dgrad_gemm_col2im<T>(q, gdy.get(), gw.get(), gdx.get());
    kc::conv2d_wgrad_im2col_gemm<T>(q, gx.get(), gdy.get(), gdw.get());
    ey = std::max(ey, scaled_err(gy.download(), y));
    edx = std::max(edx, scaled_err(gdx.download(), dx));
    edw = std::max(edw, scaled_err(gdw.download(), dw));
  });
  kc::set_allow_tf32(true);
  const std::string s = conv_str(q) + " (h_out < conv2d_infer's)";
  const double tl = tol<T>(kc::MathMode::fp32);
  check_and_record<T>("conv2d_fprop_im2col_gemm", s, orders, ey, tl);
  check_and_record<T>("conv2d_dgrad_gemm_col2im", s, orders, edx, tl);
  check_and_record<T>("conv2d_wgrad_im2col_gemm", s, orders, edw, tl);
}

TEST(CudaConv, CpuNamedEntriesOnSmallerOutput) {
  GAN_REQUIRE_DEVICE();
  internal_entries_case<float>();
  internal_entries_case<double>();
  k::Conv2dParams bad = conv(2, 4, 6, 6, 3, 3, 3, 1, 1);
  bad.h_out = 0;
  std::vector<float> buf(1000, 0.0f);
  EXPECT_THROW(kc::conv2d_fprop_im2col_gemm<float>(bad, buf.data(), buf.data(), nullptr, buf.data()), k::KernelError);
}

}  // namespace
}  // namespace gan::cuda_test
