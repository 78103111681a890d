// Plots and `gan report`: ticks, text, the files written from a metrics.jsonl,
// alarms drawn where they happened, and clear errors.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "gan/error.h"
#include "gan/io/png.h"
#include "gan/models/plot.h"
#include "gan/models/report.h"
#include "system_test_util.h"

namespace gan::models {
namespace {

namespace fs = std::filesystem;

std::string temp_dir(const std::string& name) {
  const std::string d = ::testing::TempDir() + "/gan_report_" + std::to_string(::getpid()) + "_" + name;
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

TEST(Plot, NiceTicks) {
  EXPECT_EQ(plot::nice_ticks(0, 1, 5), (std::vector<double>{0, 0.2, 0.4, 0.6000000000000001, 0.8, 1}));
  const auto t = plot::nice_ticks(-3.2, 1270, 6);
  EXPECT_EQ(t, (std::vector<double>{0, 500, 1000}));
  EXPECT_EQ(plot::tick_label(0.25), "0.25");
  EXPECT_EQ(plot::tick_label(3e-5), "3e-05");
  EXPECT_EQ(plot::tick_label(12000), "12000");  // steps in full, not 1.2e+04
  EXPECT_EQ(plot::tick_label(1e7), "1e+07");
  EXPECT_EQ(plot::tick_label(12345.5), "1.235e+04");
}

TEST(Plot, TextAndSeriesPaintPixels) {
  plot::PlotOptions o;
  o.title = "t";
  plot::Series s;
  s.x = {0, 1, 2, 3};
  s.y = {1, NAN, 3, 2};
  s.color = {255, 0, 0};
  const io::Image img = plot::line_plot({s}, o);
  EXPECT_EQ(img.width, 900);
  EXPECT_EQ(img.height, 340);
  int red = 0;
  for (size_t i = 0; i < img.pixels.size(); i += 3) red += img.pixels[i] == 255 && img.pixels[i + 1] == 0;
  EXPECT_GT(red, 100);  // the segment 2 -> 3 and the legend swatch
  plot::PlotOptions tiny;
  tiny.width = 50;
  EXPECT_THROW(plot::line_plot({s}, tiny), Error);
}

// Bar i's points: black 5x5 marks, and the y range stretched to hold a point
// above its bar (so the bar itself is drawn shorter).
TEST(Plot, BarPointsAreMarkedAndFitTheAxis) {
  plot::PlotOptions o;
  const auto count_black = [](const io::Image& img) {
    int n = 0;
    for (size_t i = 0; i < img.pixels.size(); i += 3)
      n += img.pixels[i] == 0 && img.pixels[i + 1] == 0 && img.pixels[i + 2] == 0;
    return n;
  };
  // The first row (from the top) of the bar's colour in the image's middle column: the bar's top.
  const auto bar_top = [](const io::Image& img) {
    const int x = img.width / 2;
    for (int y = 0; y < img.height; ++y) {
      const uint8_t* p = &img.pixels[(static_cast<size_t>(y) * img.width + x) * 3];
      if (!(p[0] == p[1] && p[1] == p[2])) return y;  // the palette's colours are not grey
    }
    return -1;
  };
  const io::Image plain = plot::bar_plot({1.0}, {"a"}, o);
  const io::Image marked = plot::bar_plot({1.0}, {"a"}, o, {{0.5, 2.0, NAN}});
  EXPECT_EQ(count_black(marked) - count_black(plain), 2 * 25);  // NaN skipped
  EXPECT_GT(bar_top(marked), bar_top(plain));
  EXPECT_THROW(plot::bar_plot({1.0, 2.0}, {"a", "b"}, o, {{1.0}}), Error);
}

// On a log axis bars start at 1: a ratio above 1 rises from the baseline, one
// below hangs under it, and 1 itself draws no bar.
TEST(Plot, LogBarsRiseOrHangFromOne) {
  plot::PlotOptions o;
  o.log_y = true;
  // The first and last rows of the bar's colour in the image's middle column.
  const auto bar_rows = [](const io::Image& img) {
    const int x = img.width / 2;
    int first = -1, last = -1;
    for (int y = 0; y < img.height; ++y) {
      const uint8_t* p = &img.pixels[(static_cast<size_t>(y) * img.width + x) * 3];
      if (!(p[0] == p[1] && p[1] == p[2])) last = y, first = first < 0 ? y : first;
    }
    return std::pair<int, int>{first, last};
  };
  // 10 and 0.1, a decade each way, one bar at a time; the point (outside the bar) makes
  // both axes span the same two decades.
  const auto up = bar_rows(plot::bar_plot({10.0}, {"a"}, o, {{0.1}}));
  const auto down = bar_rows(plot::bar_plot({0.1}, {"a"}, o, {{10.0}}));
  ASSERT_GE(up.first, 0);
  ASSERT_GE(down.first, 0);
  EXPECT_NEAR(up.second, down.first, 2);                          // they meet at the baseline
  EXPECT_NEAR(up.second - up.first, down.second - down.first, 2);  // a decade is a decade either way
  EXPECT_EQ(bar_rows(plot::bar_plot({1.0}, {"a"}, o, {{0.1, 10.0}})).first, -1);
}

// Two runs compared: one panel per key drawn, a curve per run in its palette
// colour; a key no run has is named with the keys they have; runs without an
// evaluation need named keys; a folder without metrics.jsonl is named.
TEST(Report, ComparisonDrawsACurvePerRunAndNamesMissingKeys) {
  const std::string a = temp_dir("cmp_a"), b = temp_dir("cmp_b"), bare = temp_dir("cmp_bare");
  for (const auto& [dir, base] : {std::pair<std::string, double>{a, 30.0}, {b, 60.0}}) {
    std::ofstream f(dir + "/metrics.jsonl");
    for (int s = 1; s <= 300; ++s) f << "{\"step\":" << s << ",\"r_t\":" << 0.5 + 0.001 * s << "}\n";
    for (int s = 100; s <= 300; s += 100) f << "{\"step\":" << s << ",\"frechet_classifier_distance\":" << base - 0.05 * s << "}\n";
  }
  const std::string png = temp_dir("cmp_out") + "/cmp.png";
  EXPECT_EQ(write_comparison({a, b}, {}, png), (std::vector<std::string>{"frechet_classifier_distance"}));
  const io::Image img = io::read_png(png);
  EXPECT_EQ(img.height, 340);  // one panel
  const auto has = [&](plot::Color c) {
    for (size_t i = 0; i < img.pixels.size(); i += 3)
      if (img.pixels[i] == c[0] && img.pixels[i + 1] == c[1] && img.pixels[i + 2] == c[2]) return true;
    return false;
  };
  EXPECT_TRUE(has(plot::palette(0)));
  EXPECT_TRUE(has(plot::palette(1)));
  EXPECT_EQ(write_comparison({a, b}, {"r_t", "frechet_classifier_distance"}, png).size(), 2u);
  EXPECT_EQ(io::read_png(png).height, 2 * 340);
  const std::string missing = testing::error_of([&] { write_comparison({a, b}, {"recall"}, png); });
  EXPECT_NE(missing.find("no run has the key 'recall' (they have: frechet_classifier_distance, r_t)"), std::string::npos)
      << missing;
  { std::ofstream(bare + "/metrics.jsonl") << "{\"step\":1,\"loss_d\":1.0}\n"; }
  const std::string none = testing::error_of([&] { write_comparison({bare}, {}, png); });
  EXPECT_NE(none.find("name keys to compare with --metrics"), std::string::npos) << none;
  const std::string nofile = testing::error_of([&] { write_comparison({a, bare + "/nope"}, {}, png); });
  EXPECT_NE(nofile.find("cannot open '" + bare + "/nope/metrics.jsonl'"), std::string::npos) << nofile;
}

TEST(Report, WritesPanelsAndMarksAlarms) {
  const std::string dir = temp_dir("run");
  {
    std::ofstream f(dir + "/metrics.jsonl");
    for (int s = 1; s <= 300; ++s)
      f << "{\"step\":" << s << ",\"loss_d\":" << 1.3 + 0.1 * std::sin(s) << ",\"loss_g\":" << 0.8 + 0.001 * s
        << ",\"d_real\":0.6,\"d_fake\":0.4,\"grad_norm_d\":" << 2.0 / s << ",\"grad_norm_g\":1.0}\n";
    f << "{\"step\":150,\"alarm\":\"vanishing_gradients\",\"message\":\"x\"}\n";
    f << "not json\n";
    f << "{\"step\":100,\"frechet_classifier_distance\":30.0,\"precision\":0.5}\n";
    f << "{\"step\":300,\"frechet_classifier_distance\":20.0,\"precision\":0.6,\"class_histogram\":[5,3,0,1,1,0,0,0,0,0]}\n";
  }
  const ReportResult r = write_report(dir);
  EXPECT_EQ(r.records, 303);
  EXPECT_EQ(r.skipped, 1);
  EXPECT_EQ(r.alarms, 1);
  for (const char* name : {"losses.png", "d_outputs.png", "grad_norms.png", "metric_frechet_classifier_distance.png",
                           "metric_precision.png", "class_histogram.png", "report.png"})
    EXPECT_TRUE(fs::exists(dir + "/report/" + name)) << name;
  EXPECT_EQ(r.files.back(), dir + "/report/report.png");
  // The alarm at step 150 of 1..300 is a dashed magenta line near the middle of the losses plot.
  const io::Image img = io::read_png(dir + "/report/losses.png");
  int magenta_cols = 0;
  for (int x = img.width / 2 - 20; x < img.width / 2 + 20; ++x) {
    int n = 0;
    for (int y = 40; y < img.height - 40; ++y) {
      const uint8_t* p = &img.pixels[(static_cast<size_t>(y) * img.width + x) * 3];
      n += p[0] > 200 && p[1] < 90 && p[2] > 200;
    }
    magenta_cols += n > 50;
  }
  EXPECT_EQ(magenta_cols, 1);
}

// A run without live diagnostics: replaying its records finds the collapse of G's gradient.
TEST(Report, ReplayedDiagnosticsFindVanishingGradients) {
  const std::string dir = temp_dir("replay");
  {
    std::ofstream f(dir + "/metrics.jsonl");
    for (int s = 1; s <= 600; ++s) {
      const bool dead = s > 300;
      f << "{\"step\":" << s << ",\"loss_d\":" << (dead ? 0.01 : 1.3 + 0.05 * std::sin(s)) << ",\"loss_g\":0.7"
        << ",\"d_real\":" << (dead ? 0.999 : 0.6) << ",\"d_fake\":" << (dead ? 0.001 : 0.4)
        << ",\"grad_norm_d\":1.0,\"grad_norm_g\":" << (dead ? 1e-5 : 1.0 + 0.1 * std::cos(s)) << "}\n";
    }
  }
  const ReportResult r = write_report(dir, /*replay_diagnostics=*/true);
  ASSERT_EQ(r.alarms, 1) << (r.replayed.empty() ? "" : r.replayed.back());
  EXPECT_EQ(r.replayed[0].rfind("ALARM step 350 vanishing_gradients: ", 0), 0u) << r.replayed[0];
  EXPECT_NE(r.replayed.back().find("vanishing_gradients: 1 episode(s), at step 350"), std::string::npos);
}

TEST(Report, MissingOrEmptyMetricsAreErrors) {
  const std::string dir = temp_dir("empty");
  try {
    write_report(dir);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("metrics.jsonl"), std::string::npos) << e.what();
  }
  std::ofstream(dir + "/metrics.jsonl") << "garbage\n";
  try {
    write_report(dir);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("holds no record"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace gan::models
