// IDX (MNIST format) reader: hand-made files, plain and gzipped, and the errors.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <filesystem>

#include "gan/io/idx.h"
#include "temp_dir_test.h"

namespace {

using gan::io::FormatError;
using testing::HasSubstr;
namespace fs = std::filesystem;

class IdxTest : public gan::testing::TempDirTest {};

void write_plain(const std::string& file, const std::vector<uint8_t>& bytes) {
  gan::io::write_file_atomic(file, std::as_bytes(std::span<const uint8_t>(bytes)));
}

void write_gzip(const std::string& file, const std::vector<uint8_t>& bytes) {
  gzFile f = gzopen(file.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size())), static_cast<int>(bytes.size()));
  ASSERT_EQ(gzclose(f), Z_OK);
}

// magic 00 00 08 <ndims>, big-endian dims, then data.
std::vector<uint8_t> idx_bytes(const std::vector<uint32_t>& dims, const std::vector<uint8_t>& data,
                               uint8_t type = 0x08) {
  std::vector<uint8_t> out = {0, 0, type, static_cast<uint8_t>(dims.size())};
  for (const uint32_t d : dims)
    for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<uint8_t>(d >> s));
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

std::vector<uint8_t> iota_bytes(size_t n) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>(i * 7);
  return v;
}

std::string error_of(const std::string& file) {
  try {
    gan::io::read_idx(file);
  } catch (const FormatError& e) {
    return e.what();
  }
  ADD_FAILURE() << "read_idx accepted " << file;
  return "";
}

TEST_F(IdxTest, ReadsPlainFile) {
  const auto data = iota_bytes(24);
  write_plain(path("a-idx3-ubyte"), idx_bytes({2, 3, 4}, data));
  const auto arr = gan::io::read_idx(path("a-idx3-ubyte"));
  EXPECT_EQ(arr.shape, (std::vector<int64_t>{2, 3, 4}));
  EXPECT_EQ(arr.data, data);
}

TEST_F(IdxTest, ReadsGzippedFile) {
  const auto data = iota_bytes(3 * 28 * 28);
  write_gzip(path("a-idx3-ubyte.gz"), idx_bytes({3, 28, 28}, data));
  const auto arr = gan::io::read_idx(path("a-idx3-ubyte.gz"));
  EXPECT_EQ(arr.shape, (std::vector<int64_t>{3, 28, 28}));
  EXPECT_EQ(arr.data, data);
}

TEST_F(IdxTest, ReadsLabelsAndEmptyArray) {
  write_plain(path("labels"), idx_bytes({5}, {9, 0, 3, 3, 1}));
  EXPECT_EQ(gan::io::read_idx(path("labels")).data, (std::vector<uint8_t>{9, 0, 3, 3, 1}));
  write_plain(path("empty"), idx_bytes({0, 28}, {}));
  const auto e = gan::io::read_idx(path("empty"));
  EXPECT_EQ(e.shape, (std::vector<int64_t>{0, 28}));
  EXPECT_TRUE(e.data.empty());
}

TEST_F(IdxTest, RejectsBadMagic) {
  auto bytes = idx_bytes({2}, {1, 2});
  bytes[0] = 0x1f;
  write_plain(path("bad"), bytes);
  const std::string msg = error_of(path("bad"));
  EXPECT_THAT(msg, HasSubstr(path("bad")));
  EXPECT_THAT(msg, HasSubstr("byte offset 0"));
  EXPECT_THAT(msg, HasSubstr("bad IDX magic"));
}

TEST_F(IdxTest, RejectsUnsupportedType) {
  write_plain(path("f32"), idx_bytes({1}, {0, 0, 0, 0}, 0x0D));
  const std::string msg = error_of(path("f32"));
  EXPECT_THAT(msg, HasSubstr("unsupported IDX type byte 0x0D"));
  EXPECT_THAT(msg, HasSubstr("byte offset 2"));
}

TEST_F(IdxTest, RejectsTruncatedData) {
  write_plain(path("short"), idx_bytes({2, 5}, iota_bytes(7)));
  const std::string msg = error_of(path("short"));
  EXPECT_THAT(msg, HasSubstr(path("short")));
  EXPECT_THAT(msg, HasSubstr("truncated data: expected 10 bytes, got 7"));
}

TEST_F(IdxTest, RejectsTruncatedGzipStream) {
  write_gzip(path("full.gz"), idx_bytes({100, 100}, iota_bytes(10000)));
  const auto gz = gan::io::read_file_bytes(path("full.gz"));
  for (const size_t keep : {gz.size() / 2, gz.size() - 4, gz.size() - 1}) {
    gan::io::write_file_atomic(path("cut.gz"), std::span<const std::byte>(gz.data(), keep));
    EXPECT_THAT(error_of(path("cut.gz")), HasSubstr(path("cut.gz"))) << keep;
  }
}

TEST_F(IdxTest, RejectsTruncatedHeaderAtEveryOffset) {
  const auto bytes = idx_bytes({2, 3}, iota_bytes(6));
  for (size_t n = 0; n < bytes.size(); ++n) {
    write_plain(path("cut"), std::vector<uint8_t>(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n)));
    const std::string msg = error_of(path("cut"));
    EXPECT_THAT(msg, HasSubstr("truncated")) << n;
  }
}

TEST_F(IdxTest, RejectsDimsProductOverflow) {
  write_plain(path("huge"), idx_bytes({0xffffffffu, 0xffffffffu, 0xffffffffu}, {}));
  EXPECT_THAT(error_of(path("huge")), HasSubstr("product of IDX dims overflows"));
}

TEST_F(IdxTest, HugeDimsWithLittleDataFailsWithoutHugeAllocation) {
  write_plain(path("liar"), idx_bytes({0xffffffffu, 0xffff}, iota_bytes(100)));
  EXPECT_THAT(error_of(path("liar")), HasSubstr("got 100"));
}

TEST_F(IdxTest, RejectsTrailingBytesAndZeroDims) {
  write_plain(path("long"), idx_bytes({2}, {1, 2, 3}));
  EXPECT_THAT(error_of(path("long")), HasSubstr("trailing bytes"));
  write_plain(path("zero"), idx_bytes({}, {}));
  EXPECT_THAT(error_of(path("zero")), HasSubstr("0 dims"));
}

TEST_F(IdxTest, MissingFile) {
  const std::string msg = error_of(path("missing.gz"));
  EXPECT_THAT(msg, HasSubstr(path("missing.gz")));
  EXPECT_THAT(msg, HasSubstr("No such file"));
}

TEST_F(IdxTest, ReadsFashionMnistLabelsIfInstalled) {
  const std::string file = "/usr/share/datasets/fashion-mnist/train-labels-idx1-ubyte.gz";
  if (!fs::exists(file)) GTEST_SKIP() << file << " not installed";
  const auto arr = gan::io::read_idx(file);
  EXPECT_EQ(arr.shape, (std::vector<int64_t>{60000}));
  ASSERT_EQ(arr.data.size(), 60000u);
  std::vector<int> counts(10, 0);
  for (const uint8_t label : arr.data) {
    ASSERT_LT(label, 10);
    ++counts[label];
  }
  for (const int c : counts) EXPECT_EQ(c, 6000);  // Fashion-MNIST is balanced
}

TEST_F(IdxTest, ReadsFashionMnistTestImagesIfInstalled) {
  const std::string file = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz";
  if (!fs::exists(file)) GTEST_SKIP() << file << " not installed";
  const auto arr = gan::io::read_idx(file);
  EXPECT_EQ(arr.shape, (std::vector<int64_t>{10000, 28, 28}));
  EXPECT_EQ(arr.data.size(), 10000u * 28 * 28);
}

}  // namespace
