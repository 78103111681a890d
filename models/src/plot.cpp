// The line / bar plotter (plot.h): integer pixel drawing on an RGB io::Image.
#include "gan/models/plot.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "gan/error.h"

namespace gan::models::plot {

namespace detail {
const uint8_t* glyph_rows(char c);
}

namespace {

constexpr Color kBlack{0, 0, 0}, kGrid{225, 225, 225}, kAxis{90, 90, 90}, kWhite{255, 255, 255};

io::Image blank(int w, int h) {
  io::Image img;
  img.width = w, img.height = h, img.channels = 3;
  img.pixels.assign(static_cast<size_t>(w) * h * 3, 255);
  return img;
}

// alpha in [0, 1]: 1 paints c, less blends it over what is there.
void put(io::Image& img, int x, int y, Color c, double alpha = 1.0) {
  if (x < 0 || y < 0 || x >= img.width || y >= img.height) return;
  uint8_t* p = &img.pixels[(static_cast<size_t>(y) * img.width + x) * 3];
  for (int k = 0; k < 3; ++k) p[k] = static_cast<uint8_t>(std::lround(p[k] * (1 - alpha) + c[static_cast<size_t>(k)] * alpha));
}

void fill_rect(io::Image& img, int x0, int y0, int x1, int y1, Color c) {
  for (int y = y0; y <= y1; ++y)
    for (int x = x0; x <= x1; ++x) put(img, x, y, c);
}

// Bresenham with a square brush of `width` pixels, clipped to [cx0, cx1] x [cy0, cy1].
void line(io::Image& img, int x0, int y0, int x1, int y1, Color c, int width, double alpha, int cx0, int cy0, int cx1,
          int cy1) {
  const int dx = std::abs(x1 - x0), dy = -std::abs(y1 - y0), sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1;
  int err = dx + dy;
  const int lo = -(width - 1) / 2, hi = width / 2;
  for (int guard = 0; guard < 100000; ++guard) {
    for (int a = lo; a <= hi; ++a)
      for (int b = lo; b <= hi; ++b) {
        const int x = x0 + a, y = y0 + b;
        if (x >= cx0 && x <= cx1 && y >= cy0 && y <= cy1) put(img, x, y, c, alpha);
      }
    if (x0 == x1 && y0 == y1) break;
    const int e2 = 2 * err;
    if (e2 >= dy) err += dy, x0 += sx;
    if (e2 <= dx) err += dx, y0 += sy;
  }
}

struct Frame {
  int left, top, right, bottom;  // plot area, inclusive pixels
  double x0, x1, y0, y1;         // data range (y in log10 when log)
  bool log_y;
  int px(double x) const { return left + static_cast<int>(std::lround((x - x0) / (x1 - x0) * (right - left))); }
  int py(double y) const {
    const double t = log_y ? std::log10(y) : y;
    return bottom - static_cast<int>(std::lround((t - y0) / (y1 - y0) * (bottom - top)));
  }
};

void draw_axes(io::Image& img, const Frame& f, const PlotOptions& o, const std::vector<double>& xt,
               const std::vector<double>& yt) {
  for (double t : yt) {
    const int y = f.bottom - static_cast<int>(std::lround((t - f.y0) / (f.y1 - f.y0) * (f.bottom - f.top)));
    if (y < f.top || y > f.bottom) continue;
    line(img, f.left, y, f.right, y, kGrid, 1, 1, 0, 0, img.width, img.height);
    const std::string s = f.log_y ? tick_label(std::pow(10.0, t)) : tick_label(t);
    draw_text(img, f.left - 6 - text_width(s), y - 3, s, kAxis);
  }
  for (double t : xt) {
    const int x = f.px(t);
    if (x < f.left || x > f.right) continue;
    line(img, x, f.top, x, f.bottom, kGrid, 1, 1, 0, 0, img.width, img.height);
    const std::string s = tick_label(t);
    draw_text(img, x - text_width(s) / 2, f.bottom + 6, s, kAxis);
  }
  line(img, f.left, f.top, f.left, f.bottom, kAxis, 1, 1, 0, 0, img.width, img.height);
  line(img, f.left, f.bottom, f.right, f.bottom, kAxis, 1, 1, 0, 0, img.width, img.height);
  line(img, f.right, f.top, f.right, f.bottom, kAxis, 1, 1, 0, 0, img.width, img.height);
  line(img, f.left, f.top, f.right, f.top, kAxis, 1, 1, 0, 0, img.width, img.height);
  draw_text(img, f.left, 6, o.title, kBlack, 2);
  if (!o.x_label.empty()) draw_text(img, f.right - text_width(o.x_label), f.bottom + 18, o.x_label, kAxis);
  if (!o.y_label.empty()) draw_text(img, f.left + 4, f.top + 4, o.y_label, kAxis);
}

// One row in the header, right-aligned above the plot area: never covers data.
void draw_legend(io::Image& img, const Frame& f, const std::vector<std::pair<std::string, Color>>& entries) {
  int x = f.right;
  for (auto it = entries.rbegin(); it != entries.rend(); ++it) {
    x -= text_width(it->first) + 22;
    const int y = f.top - 12;
    fill_rect(img, x, y + 2, x + 12, y + 4, it->second);
    draw_text(img, x + 16, y, it->first, kBlack);
  }
}

std::vector<double> ema(const std::vector<double>& y, double w) {
  std::vector<double> out(y.size(), NAN);
  double acc = 0, norm = 0;
  for (size_t i = 0; i < y.size(); ++i) {
    if (!std::isfinite(y[i])) continue;
    acc = w * acc + (1 - w) * y[i];
    norm = w * norm + (1 - w);  // debiased, as TensorBoard's smoothing
    out[i] = acc / norm;
  }
  return out;
}

}  // namespace

Color palette(size_t i) {
  static const Color k[] = {{31, 119, 180}, {255, 127, 14}, {44, 160, 44},  {214, 39, 40},   {148, 103, 189},
                            {140, 86, 75},  {227, 119, 194}, {127, 127, 127}, {188, 189, 34}, {23, 190, 207}};
  return k[i % 10];
}

int text_width(const std::string& text, int scale) { return static_cast<int>(text.size()) * 6 * scale; }

void draw_text(io::Image& img, int x, int y, const std::string& text, Color c, int scale) {
  for (size_t i = 0; i < text.size(); ++i) {
    const uint8_t* rows = detail::glyph_rows(text[i]);
    for (int r = 0; r < 7; ++r)
      for (int b = 0; b < 5; ++b)
        if (rows[r] & (0x10 >> b))
          fill_rect(img, x + (static_cast<int>(i) * 6 + b) * scale, y + r * scale,
                    x + (static_cast<int>(i) * 6 + b) * scale + scale - 1, y + r * scale + scale - 1, c);
  }
}

std::vector<double> nice_ticks(double lo, double hi, int target) {
  if (!(hi > lo)) return {lo};
  const double raw = (hi - lo) / std::max(target, 1);
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * mag >= raw) {
      step = m * mag;
      break;
    }
  std::vector<double> t;
  for (double v = std::ceil(lo / step) * step; v <= hi + 1e-9 * step; v += step) t.push_back(std::abs(v) < 1e-12 * step ? 0 : v);
  return t;
}

std::string tick_label(double v) {
  char buf[32];
  // Whole numbers up to 10^7 in full (training steps: "12000", not "1.2e+04").
  if (std::abs(v) >= 1e4 && std::abs(v) < 1e7 && v == std::round(v))
    std::snprintf(buf, sizeof buf, "%.0f", v);
  else
    std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

// Ticks of a log axis spanning log10 range [y0, y1], as log10 values: powers
// of ten over three decades or more, else 1, 2, 5 x 10^k.
std::vector<double> log_ticks(double y0, double y1) {
  std::vector<double> yt;
  if (y1 - y0 >= 3) {
    for (double e = std::ceil(y0); e <= y1; e += std::max(1.0, std::floor((y1 - y0) / 6))) yt.push_back(e);
  } else {
    for (double e = std::floor(y0); e <= std::ceil(y1); e += 1)
      for (double m : {1.0, 2.0, 5.0}) yt.push_back(e + std::log10(m));
  }
  return yt;
}

io::Image line_plot(const std::vector<Series>& series, const PlotOptions& o) {
  GAN_CHECK(o.width >= 200 && o.height >= 120, "line_plot: the image must be at least 200x120, got ", o.width, "x",
            o.height);
  double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
  for (const Series& s : series) {
    GAN_CHECK(s.x.size() == s.y.size(), "line_plot: series '", s.name, "' has ", s.x.size(), " x and ", s.y.size(), " y");
    for (size_t i = 0; i < s.x.size(); ++i) {
      if (!std::isfinite(s.y[i]) || !std::isfinite(s.x[i]) || (o.log_y && s.y[i] <= 0)) continue;
      const double y = o.log_y ? std::log10(s.y[i]) : s.y[i];
      x0 = std::min(x0, s.x[i]), x1 = std::max(x1, s.x[i]), y0 = std::min(y0, y), y1 = std::max(y1, y);
    }
  }
  for (const VLine& v : o.vlines) x0 = std::min(x0, v.x), x1 = std::max(x1, v.x);
  if (!std::isfinite(x0)) x0 = 0, x1 = 1;
  if (!std::isfinite(y0)) y0 = 0, y1 = 1;
  if (std::isfinite(o.x_min) && std::isfinite(o.x_max) && o.x_max > o.x_min) x0 = o.x_min, x1 = o.x_max;
  if (x1 <= x0) {  // one point: centred
    const double pad = std::max(1.0, 0.1 * std::abs(x0));
    x0 -= pad, x1 += pad;
  }
  if (y1 <= y0) {
    const double pad = std::max(std::abs(y0) * 0.1, o.log_y ? 0.5 : 1e-3);
    y0 -= pad, y1 += pad;
  } else {
    const double pad = 0.05 * (y1 - y0);
    y0 -= pad, y1 += pad;
  }
  const std::vector<double> yt = o.log_y ? log_ticks(y0, y1) : nice_ticks(y0, y1, 6);
  int label_w = 0;
  for (double t : yt) label_w = std::max(label_w, text_width(tick_label(o.log_y ? std::pow(10.0, t) : t)));
  io::Image img = blank(o.width, o.height);
  const Frame f{label_w + 12, 28, o.width - 14, o.height - 32, x0, x1, y0, y1, o.log_y};
  draw_axes(img, f, o, nice_ticks(x0, x1, 8), yt);
  // Marker lines first (behind the data), dashed.
  std::vector<std::pair<std::string, Color>> legend;
  std::map<std::string, bool> seen;
  for (const VLine& v : o.vlines) {
    const int x = f.px(v.x);
    for (int y = f.top; y <= f.bottom; ++y)
      if ((y / 4) % 2 == 0) put(img, x, y, v.color, 0.8);
    if (!v.label.empty() && !seen[v.label]) {
      seen[v.label] = true;
      legend.emplace_back(v.label, v.color);
    }
  }
  std::vector<std::pair<std::string, Color>> series_legend;
  for (const Series& s : series) {
    auto draw = [&](const std::vector<double>& y, int width, double alpha) {
      bool have = false;
      int px = 0, py = 0;
      for (size_t i = 0; i < s.x.size(); ++i) {
        if (!std::isfinite(y[i]) || (o.log_y && y[i] <= 0)) {
          have = false;
          continue;
        }
        const int X = f.px(s.x[i]), Y = f.py(y[i]);
        if (have) line(img, px, py, X, Y, s.color, width, alpha, f.left, f.top, f.right, f.bottom);
        if (s.markers) fill_rect(img, X - 2, Y - 2, X + 2, Y + 2, s.color);
        have = true, px = X, py = Y;
      }
    };
    if (o.smoothing > 0 && !s.markers) {
      draw(s.y, 1, 0.25);
      if (o.log_y) {  // smooth what is drawn: the logarithm (else one early spike dominates for decades)
        std::vector<double> ly(s.y.size());
        for (size_t i = 0; i < ly.size(); ++i) ly[i] = s.y[i] > 0 ? std::log(s.y[i]) : NAN;
        std::vector<double> sm = ema(ly, o.smoothing);
        for (double& v : sm) v = std::exp(v);
        draw(sm, 2, 1.0);
      } else {
        draw(ema(s.y, o.smoothing), 2, 1.0);
      }
    } else {
      draw(s.y, s.markers ? 2 : 1, 1.0);
    }
    series_legend.emplace_back(s.name, s.color);
  }
  series_legend.insert(series_legend.end(), legend.begin(), legend.end());
  draw_legend(img, f, series_legend);
  return img;
}

io::Image bar_plot(const std::vector<double>& values, const std::vector<std::string>& labels, const PlotOptions& o,
                   const std::vector<std::vector<double>>& points) {
  GAN_CHECK(!values.empty() && labels.size() == values.size(), "bar_plot: ", values.size(), " values and ",
            labels.size(), " labels");
  GAN_CHECK(points.empty() || points.size() == values.size(), "bar_plot: ", points.size(), " point lists for ",
            values.size(), " bars");
  // Linear: bars up from 0 (negative values are not drawn). Log (o.log_y): bars
  // from 1 up or down, so a ratio below 1 hangs under the baseline.
  const auto usable = [&](double v) { return std::isfinite(v) && (o.log_y ? v > 0 : v >= 0); };
  const auto axis = [&](double v) { return o.log_y ? std::log10(v) : v; };
  double lo = 0, hi = 0;  // in axis units; both include the baseline
  for (double v : values)
    if (usable(v)) lo = std::min(lo, axis(v)), hi = std::max(hi, axis(v));
  for (const std::vector<double>& p : points)
    for (double v : p)
      if (usable(v)) lo = std::min(lo, axis(v)), hi = std::max(hi, axis(v));
  if (hi - lo <= 0) hi = lo + 1;
  const double pad = 0.08 * (hi - lo);
  const double y0 = lo < 0 ? lo - pad : 0, y1 = hi + pad;
  const std::vector<double> yt = o.log_y ? log_ticks(y0, y1) : nice_ticks(0, y1, 5);
  int label_w = 0;
  for (double t : yt) label_w = std::max(label_w, text_width(tick_label(o.log_y ? std::pow(10.0, t) : t)));
  io::Image img = blank(o.width, o.height);
  const Frame f{label_w + 12, 28, o.width - 14, o.height - 32, 0, static_cast<double>(values.size()), y0, y1, o.log_y};
  draw_axes(img, f, o, {}, yt);
  const int base = f.py(o.log_y ? 1.0 : 0.0);
  const double slot = static_cast<double>(f.right - f.left) / static_cast<double>(values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    const int xa = f.left + static_cast<int>(slot * i + slot * 0.15), xb = f.left + static_cast<int>(slot * (i + 1) - slot * 0.15);
    if (usable(values[i]) && values[i] != (o.log_y ? 1.0 : 0.0)) {
      const int top = f.py(values[i]);
      fill_rect(img, xa, std::min(top, base), xb, std::min(std::max(top, base), f.bottom - 1), palette(i));
    }
    // Each point a 5x5 black square, spread across the bar so equal values stay apart.
    const std::vector<double> none;
    const std::vector<double>& pts = points.empty() ? none : points[i];
    for (size_t k = 0; k < pts.size(); ++k) {
      if (!usable(pts[k])) continue;
      const int x = xa + static_cast<int>((xb - xa) * (k + 1.0) / (pts.size() + 1.0)), y = f.py(pts[k]);
      fill_rect(img, x - 2, y - 2, x + 2, y + 2, kBlack);
    }
    const std::string& s = labels[i];
    draw_text(img, (xa + xb) / 2 - text_width(s) / 2, f.bottom + 6, s, kAxis);
  }
  return img;
}

io::Image stack_vertical(const std::vector<io::Image>& panels) {
  int w = 0, h = 0;
  for (const io::Image& p : panels) w = std::max(w, p.width), h += p.height;
  io::Image out = blank(std::max(w, 1), std::max(h, 1));
  int y0 = 0;
  for (const io::Image& p : panels) {
    GAN_CHECK(p.channels == 3, "stack_vertical: panels must be RGB");
    for (int y = 0; y < p.height; ++y)
      std::copy_n(&p.pixels[static_cast<size_t>(y) * p.width * 3], static_cast<size_t>(p.width) * 3,
                  &out.pixels[(static_cast<size_t>(y0 + y) * out.width) * 3]);
    y0 += p.height;
  }
  return out;
}

}  // namespace gan::models::plot
