// The zoo study (zoo_study.h) on hand-written run folders: the last
// evaluation's metrics, |grad G| late over early by hand, the share of steps
// where D wins outright (sigmoid losses only), alarms counted, mean and sample
// sd over seeds, a folder without an evaluation skipped with its reason, and
// the Markdown table and PNG chart written.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "gan/models/zoo_study.h"
#include "system_test_util.h"

namespace gan::models {
namespace {

namespace fs = std::filesystem;

struct TempDir {
  fs::path path = fs::temp_directory_path() / ("gan_zoo_" + std::to_string(::getpid()));
  TempDir() { fs::create_directories(path); }
  ~TempDir() { fs::remove_all(path); }
};

// 100 steps: |grad G| = 4 in steps 1..60, 1 after; D wins outright in steps 91..100
// (d_real 0.99, d_fake 0.01) when `wins`; an evaluation at step 50 and at 100.
void write_run(const fs::path& dir, const std::string& system, const std::string& loss, int seed, double fcd,
               bool evaluated = true, bool wins = true) {
  fs::create_directories(dir);
  std::ofstream(dir / "config.json") << "{\"system\": \"" << system << "\", \"loss\": \"" << loss
                                     << "\", \"seed\": " << seed << "}";
  std::ofstream m(dir / "metrics.jsonl");
  for (int s = 1; s <= 100; ++s) {
    const bool won = wins && s > 90;
    m << "{\"step\":" << s << ",\"loss_d\":0.5,\"loss_g\":1.0,\"d_real\":" << (won ? 0.99 : 0.6)
      << ",\"d_fake\":" << (won ? 0.01 : 0.4) << ",\"grad_norm_g\":" << (s <= 60 ? 4.0 : 1.0)
      << ",\"grad_norm_d\":1.0,\"run_seconds\":" << s * 0.5 << "}\n";
    if (evaluated && (s == 50 || s == 100))
      m << "{\"step\":" << s << ",\"frechet_classifier_distance\":" << (s == 100 ? fcd : 999.0)
        << ",\"precision\":0.7,\"recall\":0.3,\"coverage\":0.4,\"class_entropy_bits\":3.1}\n";
  }
  m << "{\"step\":95,\"alarm\":\"vanishing_gradients\",\"message\":\"x\"}\n";
  m << "not json\n";
}

TEST(ZooStudy, ReadsARunsLastEvaluationAndItsGradientAxes) {
  TempDir t;
  write_run(t.path / "a", "dcgan", "non-saturating", 0, 40.0);
  const ZooRun r = read_zoo_run((t.path / "a").string());
  EXPECT_EQ(r.system, "dcgan");
  EXPECT_EQ(r.steps, 100);
  EXPECT_DOUBLE_EQ(r.fcd, 40.0);  // the last evaluation, not the first
  EXPECT_DOUBLE_EQ(r.recall, 0.3);
  EXPECT_DOUBLE_EQ(r.grad_g_late_over_early, 0.25);  // median of steps 81..100 (1) / steps 11..60 (4)
  EXPECT_DOUBLE_EQ(r.d_wins_share, 0.10);
  EXPECT_EQ(r.alarms.at("vanishing_gradients"), 1);
  EXPECT_DOUBLE_EQ(r.seconds, 50.0);
}

TEST(ZooStudy, CriticLossesHaveNoDWinsShare) {
  TempDir t;
  write_run(t.path / "w", "wgan", "wasserstein", 0, 80.0);
  EXPECT_LT(read_zoo_run((t.path / "w").string()).d_wins_share, 0);
}

TEST(ZooStudy, RowsAverageSeedsAndSkipUnevaluatedRuns) {
  TempDir t;
  write_run(t.path / "dcgan-s0", "dcgan", "non-saturating", 0, 40.0);
  write_run(t.path / "dcgan-s1", "dcgan", "non-saturating", 1, 50.0, true, false);
  write_run(t.path / "lsgan-s0", "lsgan", "least-squares", 0, 60.0);
  write_run(t.path / "none", "dcgan", "non-saturating", 2, 0.0, false);
  const ZooRuns runs = read_zoo_runs(t.path.string());
  ASSERT_EQ(runs.runs.size(), 3u);
  ASSERT_EQ(runs.skipped.size(), 1u);
  EXPECT_NE(runs.skipped[0].find("no evaluation record"), std::string::npos) << runs.skipped[0];
  const auto rows = zoo_rows(runs.runs);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].system, "dcgan");
  EXPECT_EQ(rows[0].runs, 2);
  EXPECT_DOUBLE_EQ(rows[0].fcd.mean, 45.0);
  EXPECT_NEAR(rows[0].fcd.sd, std::sqrt(50.0), 1e-12);  // sample sd of {40, 50}: sqrt((25 + 25) / 1)
  EXPECT_EQ(rows[0].fcd.values, (std::vector<double>{40.0, 50.0}));  // each run's, for the chart
  EXPECT_DOUBLE_EQ(rows[0].d_wins.mean, 0.05);
  EXPECT_EQ(rows[0].alarms.at("vanishing_gradients"), 2);
  EXPECT_LT(rows[1].d_wins.mean, 0);  // least squares: no sigmoid

  const std::string md = zoo_markdown(rows);
  EXPECT_NE(md.find("| dcgan | non-saturating | 2 × 100 | 45.0 ± 7.1 |"), std::string::npos) << md;
  EXPECT_NE(md.find("| lsgan |"), std::string::npos) << md;
  const fs::path png = t.path / "zoo.png";
  write_zoo_chart(rows, png.string());
  EXPECT_GT(fs::file_size(png), 1000u);
}

TEST(ZooStudy, ErrorsNameTheFolderAndTheMissingFile) {
  TempDir t;
  fs::create_directories(t.path / "empty");
  const std::string e = testing::error_of([&] { read_zoo_run((t.path / "empty").string()); });
  EXPECT_NE(e.find("config.json"), std::string::npos) << e;
  const std::string e2 = testing::error_of([&] { read_zoo_runs((t.path / "missing").string()); });
  EXPECT_NE(e2.find("is not a folder of runs"), std::string::npos) << e2;
}

}  // namespace
}  // namespace gan::models
