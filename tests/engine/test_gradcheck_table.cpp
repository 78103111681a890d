// Runs every row of the gradient-check table (rows live beside each family's
// tests: grad_rows_*.cpp). Prints one line per row: the table the issue asks for.
#include <gtest/gtest.h>

#include <cstdio>

#include "gradcheck_table.h"

namespace gan::testing {

std::vector<GradcheckRow>& gradcheck_rows() {
  static std::vector<GradcheckRow> rows;
  return rows;
}

namespace {

class GradcheckTable : public ::testing::TestWithParam<size_t> {};

TEST_P(GradcheckTable, MatchesFiniteDifferences) {
  const GradcheckRow& row = gradcheck_rows()[GetParam()];
  Generator gen(0x5eed + GetParam());
  const std::vector<Tensor> inputs = row.make_inputs(gen);
  const GradcheckResult first = gradcheck(row.f, inputs, row.opt);
  std::printf("[gradcheck]     %-44s max_abs_err %.2e  elements %lld  %s\n", row.name.c_str(),
              first.max_abs_error, static_cast<long long>(first.checked), first.ok ? "PASS" : "FAIL");
  EXPECT_TRUE(first.ok) << row.name << ": " << first.first_failure;
  if (row.second_order) {
    const GradcheckResult second = gradgradcheck(row.f, inputs, row.opt);
    std::printf("[gradgradcheck] %-44s max_abs_err %.2e  elements %lld  %s\n", row.name.c_str(),
                second.max_abs_error, static_cast<long long>(second.checked), second.ok ? "PASS" : "FAIL");
    EXPECT_TRUE(second.ok) << row.name << " (second order): " << second.first_failure;
  }
}

std::string row_name(const ::testing::TestParamInfo<size_t>& info) {
  std::string s = gradcheck_rows()[info.param].name;
  for (char& c : s)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return s + "_" + std::to_string(info.param);
}

INSTANTIATE_TEST_SUITE_P(Ops, GradcheckTable, ::testing::Range<size_t>(0, gradcheck_rows().size()), row_name);

}  // namespace
}  // namespace gan::testing
