// Attention maps of a generator's self-attention blocks (attention_maps.h).
#include "gan/models/attention_maps.h"

#include <algorithm>
#include <array>
#include <cmath>

#include "gan/autograd.h"
#include "gan/error.h"

namespace gan::models {

namespace {

using Rgb = std::array<double, 3>;

// Marker colours of the queries, in order (then repeating).
constexpr std::array<Rgb, 6> kQueryColours = {{{0.0, 1.0, 1.0}, {0.2, 1.0, 0.2}, {1.0, 0.3, 1.0},
                                               {0.3, 0.5, 1.0}, {1.0, 1.0, 0.2}, {1.0, 0.5, 0.0}}};

// a in [0, 1] -> black -> red -> yellow -> white.
Rgb heat(double a) {
  const auto c = [](double x) { return std::clamp(x, 0.0, 1.0); };
  return {c(3 * a), c(3 * a - 1), c(3 * a - 2)};
}

// A tile of S x S pixels (before zoom), RGB in [0, 1].
struct Tile {
  int64_t s;
  std::vector<Rgb> px;  // [s * s]
  Rgb& at(int64_t y, int64_t x) { return px[static_cast<size_t>(y * s + x)]; }
};

// Sample b of images [B, C, S, S] in [-1, 1] as gray in [0, 1] (RGB: the mean).
Tile gray_tile(const std::vector<double>& img, int64_t b, int64_t c, int64_t s) {
  Tile t{s, std::vector<Rgb>(static_cast<size_t>(s * s))};
  for (int64_t y = 0; y < s; ++y)
    for (int64_t x = 0; x < s; ++x) {
      double v = 0;
      for (int64_t k = 0; k < c; ++k) v += img[static_cast<size_t>(((b * c + k) * s + y) * s + x)];
      v = std::clamp((v / static_cast<double>(c) + 1) / 2, 0.0, 1.0);
      t.at(y, x) = {v, v, v};
    }
  return t;
}

// map [side * side] (row-major) at image pixel centre (y, x) of an s x s
// image, bilinear with the pixel-centre convention of align_corners = false.
double upsample(const double* map, int64_t side, int64_t s, int64_t y, int64_t x) {
  const double scale = static_cast<double>(side) / static_cast<double>(s);
  const double fy = std::clamp((static_cast<double>(y) + 0.5) * scale - 0.5, 0.0, static_cast<double>(side - 1));
  const double fx = std::clamp((static_cast<double>(x) + 0.5) * scale - 0.5, 0.0, static_cast<double>(side - 1));
  const int64_t y0 = static_cast<int64_t>(fy), x0 = static_cast<int64_t>(fx);
  const int64_t y1 = std::min(y0 + 1, side - 1), x1 = std::min(x0 + 1, side - 1);
  const double wy = fy - static_cast<double>(y0), wx = fx - static_cast<double>(x0);
  const auto m = [&](int64_t r, int64_t c) { return map[r * side + c]; };
  return (1 - wy) * ((1 - wx) * m(y0, x0) + wx * m(y0, x1)) + wy * ((1 - wx) * m(y1, x0) + wx * m(y1, x1));
}

// A square outline around the image pixels covered by map cell (qr, qc).
void mark(Tile& t, int64_t side, int64_t qr, int64_t qc, const Rgb& colour) {
  const int64_t cell = std::max<int64_t>(1, t.s / side);
  const int64_t y0 = std::max<int64_t>(0, qr * t.s / side - 1), x0 = std::max<int64_t>(0, qc * t.s / side - 1);
  const int64_t y1 = std::min(t.s - 1, y0 + cell + 1), x1 = std::min(t.s - 1, x0 + cell + 1);
  for (int64_t y = y0; y <= y1; ++y)
    for (int64_t x = x0; x <= x1; ++x)
      if (y == y0 || y == y1 || x == x0 || x == x1) t.at(y, x) = colour;
}

// Copies a tile, magnified zoom times, into img at pixel (top, left).
void paste(io::Image& img, const Tile& t, int64_t zoom, int64_t top, int64_t left) {
  for (int64_t y = 0; y < t.s * zoom; ++y)
    for (int64_t x = 0; x < t.s * zoom; ++x) {
      const Rgb& p = t.px[static_cast<size_t>((y / zoom) * t.s + x / zoom)];
      const size_t o = static_cast<size_t>(((top + y) * img.width + left + x) * 3);
      for (size_t k = 0; k < 3; ++k) img.pixels[o + k] = static_cast<uint8_t>(std::lround(p[k] * 255.0));
    }
}

}  // namespace

std::vector<nn::SelfAttention2d*> attention_blocks(nn::Module& root) {
  std::vector<nn::SelfAttention2d*> out;
  if (auto* self = dynamic_cast<nn::SelfAttention2d*>(&root)) out.push_back(self);
  for (const auto& [name, m] : root.named_modules())
    if (auto* b = dynamic_cast<nn::SelfAttention2d*>(m.get()); b != nullptr && b != &root) out.push_back(b);
  return out;
}

GeneratorAttention generator_attention(GanSystem& system, nn::Module& G, const Latent& latent) {
  const std::vector<nn::SelfAttention2d*> blocks = attention_blocks(G);
  GAN_CHECK(!blocks.empty(), "attention maps: the generator (", G.type_name(), ") has no self-attention block");
  const bool was = G.is_training();
  G.eval();
  GeneratorAttention out;
  {
    NoGradGuard ng;
    for (auto* b : blocks) b->keep_attention = true;
    out.images = system.generate(G, latent).to(Device::cpu());
  }
  for (auto* b : blocks) {
    const Tensor beta = b->last_attention.to(Device::cpu());
    const auto side = static_cast<int64_t>(std::lround(std::sqrt(static_cast<double>(beta.size(2)))));
    GAN_CHECK(side * side == beta.size(2), "attention maps: a block's ", beta.size(2),
              " positions are not a square feature map");
    out.maps.push_back(beta);
    out.sides.push_back(side);
    b->keep_attention = false;
    b->last_attention = Tensor();
  }
  G.train(was);
  return out;
}

io::Image draw_attention_maps(const Tensor& images, const Tensor& beta, int64_t side,
                              const std::vector<std::pair<int64_t, int64_t>>& queries, int64_t zoom) {
  GAN_CHECK(images.dim() == 4 && images.size(2) == images.size(3) && (images.size(1) == 1 || images.size(1) == 3),
            "attention maps: expected images [B, 1 or 3, S, S], got ", shape_str(images.shape()));
  const int64_t b_n = images.size(0), c = images.size(1), s = images.size(2), n = side * side;
  GAN_CHECK(beta.dim() == 3 && beta.size(0) == b_n && beta.size(1) == n && beta.size(2) == n,
            "attention maps: expected weights [", b_n, ", ", n, ", ", n, "] for a ", side, "x", side, " map, got ",
            shape_str(beta.shape()));
  GAN_CHECK(!queries.empty(), "attention maps: no query position given");
  for (const auto& [r, q] : queries)
    GAN_CHECK(r >= 0 && r < side && q >= 0 && q < side, "attention maps: query (", r, ", ", q,
              ") is outside the ", side, "x", side, " feature map");
  GAN_CHECK(zoom >= 1 && zoom <= 16, "attention maps: zoom must be in [1, 16], got ", zoom);
  const std::vector<double> img = images.to(Device::cpu()).to_double_vector();
  const std::vector<double> att = beta.to(Device::cpu()).to_double_vector();
  const auto nq = static_cast<int64_t>(queries.size());
  const int64_t tile = s * zoom, pad = 2;
  io::Image out;
  out.channels = 3;
  out.width = static_cast<int>((nq + 1) * (tile + pad) + pad);
  out.height = static_cast<int>(b_n * (tile + pad) + pad);
  out.pixels.assign(static_cast<size_t>(out.width) * static_cast<size_t>(out.height) * 3, 0);
  for (int64_t b = 0; b < b_n; ++b) {
    const int64_t top = pad + b * (tile + pad);
    Tile sample = gray_tile(img, b, c, s);
    for (int64_t i = 0; i < nq; ++i) {
      const auto [qr, qc] = queries[static_cast<size_t>(i)];
      const Rgb& colour = kQueryColours[static_cast<size_t>(i) % kQueryColours.size()];
      const double* row = att.data() + (b * n + qr * side + qc) * n;  // beta[b, query, :]
      const double peak = std::max(*std::max_element(row, row + n), 1e-30);
      Tile t = gray_tile(img, b, c, s);
      for (int64_t y = 0; y < s; ++y)
        for (int64_t x = 0; x < s; ++x) {
          const Rgb h = heat(upsample(row, side, s, y, x) / peak);
          Rgb& p = t.at(y, x);
          for (size_t k = 0; k < 3; ++k) p[k] = 0.35 * p[k] + 0.65 * h[k];
        }
      mark(t, side, qr, qc, colour);
      mark(sample, side, qr, qc, colour);
      paste(out, t, zoom, top, pad + (i + 1) * (tile + pad));
    }
    paste(out, sample, zoom, top, pad);
  }
  return out;
}

std::vector<std::pair<int64_t, int64_t>> default_attention_queries(int64_t side) {
  const auto at = [side](double f) { return std::min(side - 1, static_cast<int64_t>(f * static_cast<double>(side))); };
  return {{at(0.5), at(0.5)}, {at(0.25), at(0.5)}, {at(0.5), at(0.2)}, {at(0.8), at(0.7)}};
}

}  // namespace gan::models
