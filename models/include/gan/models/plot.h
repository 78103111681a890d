// A small line / bar plotter over io::Image (written with io::write_png): axes
// with "nice" ticks (1, 2, 5 x 10^k; powers of ten on a log axis) and numeric
// labels in a built-in 5x7 bitmap font (upper-case, digits, punctuation:
// lower-case letters print as upper-case), polyline series with a legend,
// optional EMA smoothing (raw series drawn faint behind), vertical marker lines
// (alarms). Enough to look at a run without Python; not a general library.
#pragma once

#include <array>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "gan/io/png.h"

namespace gan::models::plot {

using Color = std::array<uint8_t, 3>;
// A qualitative palette (Tableau 10), by index.
Color palette(size_t i);

struct Series {
  std::string name;
  std::vector<double> x, y;  // same length; non-finite y breaks the line
  Color color{31, 119, 180};
  bool markers = false;      // a dot at each point (sparse series such as evaluations)
};

struct VLine {
  double x = 0;
  Color color{214, 39, 40};
  std::string label;  // legend entry (one per distinct label)
};

struct PlotOptions {
  std::string title, x_label, y_label;
  int width = 900, height = 340;
  bool log_y = false;     // non-positive values are skipped
  double smoothing = 0;   // EMA weight of the past in [0, 1): 0 = raw only
  std::vector<VLine> vlines;
  double x_min = NAN, x_max = NAN;  // fixed x range (both finite), e.g. a run's steps; else from the data
};

io::Image line_plot(const std::vector<Series>& series, const PlotOptions& o);
// One bar per value, labels under the bars. points (empty, or one list per
// bar): values marked on bar i as black squares, e.g. each seed's under a
// bar at their mean; the y range covers them too. Non-finite values are
// skipped, and negative ones. With o.log_y the bars rise or hang from 1 (a
// ratio axis; non-positive values skipped).
io::Image bar_plot(const std::vector<double>& values, const std::vector<std::string>& labels, const PlotOptions& o,
                   const std::vector<std::vector<double>>& points = {});
// Panels one under another (width = the widest; white fill).
io::Image stack_vertical(const std::vector<io::Image>& panels);

// Text in the 5x7 font at (x, y) = top-left, `scale` pixels per font pixel.
void draw_text(io::Image& img, int x, int y, const std::string& text, Color c, int scale = 1);
int text_width(const std::string& text, int scale = 1);
// Tick values covering [lo, hi] (about `target` of them) and their labels.
std::vector<double> nice_ticks(double lo, double hi, int target = 6);
std::string tick_label(double v);  // 4 significant digits; whole numbers in [1e4, 1e7) in full

}  // namespace gan::models::plot
