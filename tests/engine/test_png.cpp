// PNG write/read: round trips for every channel count, conversions of PNGs we
// do not write ourselves (16-bit, palette, gray+alpha), and corrupt files.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <png.h>
#include <zlib.h>
#include <unistd.h>

#include <filesystem>

#include "gan/io/png.h"
#include "temp_dir_test.h"

namespace {

using gan::io::FormatError;
using gan::io::Image;
using testing::HasSubstr;
namespace fs = std::filesystem;

class PngTest : public gan::testing::TempDirTest {};

Image pattern(int w, int h, int c) {
  Image img{w, h, c, {}};
  img.pixels.resize(static_cast<size_t>(w) * h * c);
  for (size_t i = 0; i < img.pixels.size(); ++i) img.pixels[i] = static_cast<uint8_t>((i * 37 + i / 13) & 0xff);
  return img;
}

std::string error_of(const std::string& file) {
  try {
    gan::io::read_png(file);
  } catch (const FormatError& e) {
    return e.what();
  }
  ADD_FAILURE() << "read_png accepted " << file;
  return "";
}

std::vector<std::byte> file_bytes(const std::string& p) { return gan::io::read_file_bytes(p); }

// Writes with libpng's simplified API (a writer independent of ours).
void write_with_libpng(const std::string& file, png_uint_32 format, int w, int h, const void* pixels,
                       const void* colormap = nullptr, int colormap_entries = 0) {
  png_image image{};
  image.version = PNG_IMAGE_VERSION;
  image.width = static_cast<png_uint_32>(w);
  image.height = static_cast<png_uint_32>(h);
  image.format = format;
  image.colormap_entries = static_cast<png_uint_32>(colormap_entries);
  ASSERT_NE(png_image_write_to_file(&image, file.c_str(), 0, pixels, 0, colormap), 0) << image.message;
}

TEST_F(PngTest, RoundTripsGrayRgbRgbaOnOddSize) {
  for (const int channels : {1, 3, 4}) {
    SCOPED_TRACE(channels);
    const Image img = pattern(13, 7, channels);
    const std::string file = path("img" + std::to_string(channels) + ".png");
    gan::io::write_png(file, img);
    const Image back = gan::io::read_png(file);
    EXPECT_EQ(back.width, 13);
    EXPECT_EQ(back.height, 7);
    EXPECT_EQ(back.channels, channels);
    EXPECT_EQ(back.pixels, img.pixels);
  }
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator{}), 3);  // no temp files
}

TEST_F(PngTest, RoundTripsOnePixel) {
  const Image img{1, 1, 3, {10, 20, 30}};
  gan::io::write_png(path("p.png"), img);
  EXPECT_EQ(gan::io::read_png(path("p.png")).pixels, img.pixels);
}

TEST_F(PngTest, WriteRejectsInconsistentImage) {
  EXPECT_THROW(gan::io::write_png(path("a.png"), Image{2, 2, 2, std::vector<uint8_t>(8)}), std::invalid_argument);
  EXPECT_THROW(gan::io::write_png(path("a.png"), Image{2, 2, 3, std::vector<uint8_t>(11)}), std::invalid_argument);
  EXPECT_THROW(gan::io::write_png(path("a.png"), Image{0, 2, 1, {}}), std::invalid_argument);
  EXPECT_FALSE(fs::exists(path("a.png")));
}

TEST_F(PngTest, Reads16BitAs8Bit) {
  const std::vector<uint16_t> px = {0, 257, 65535, 257 * 128, 257 * 200, 257 * 3};  // 3x2 gray, 16-bit
  write_with_libpng(path("g16.png"), PNG_FORMAT_LINEAR_Y, 3, 2, px.data());
  const Image img = gan::io::read_png(path("g16.png"));
  EXPECT_EQ(img.channels, 1);
  EXPECT_EQ(img.pixels, (std::vector<uint8_t>{0, 1, 255, 128, 200, 3}));
}

TEST_F(PngTest, ReadsPaletteAsRgb) {
  const std::vector<uint8_t> colormap = {255, 0, 0, 0, 255, 0, 0, 0, 255};
  const std::vector<uint8_t> indices = {0, 1, 2, 2, 1, 0};  // 3x2
  write_with_libpng(path("pal.png"), PNG_FORMAT_RGB_COLORMAP, 3, 2, indices.data(), colormap.data(), 3);
  const Image img = gan::io::read_png(path("pal.png"));
  EXPECT_EQ(img.channels, 3);
  ASSERT_EQ(img.pixels.size(), 18u);
  for (size_t i = 0; i < indices.size(); ++i)
    for (size_t c = 0; c < 3; ++c) EXPECT_EQ(img.pixels[i * 3 + c], colormap[indices[i] * 3 + c]) << i;
}

TEST_F(PngTest, ReadsGrayAlphaAsRgba) {
  const std::vector<uint8_t> ga = {10, 255, 20, 128};  // 2x1
  write_with_libpng(path("ga.png"), PNG_FORMAT_GA, 2, 1, ga.data());
  const Image img = gan::io::read_png(path("ga.png"));
  EXPECT_EQ(img.channels, 4);
  EXPECT_EQ(img.pixels, (std::vector<uint8_t>{10, 10, 10, 255, 20, 20, 20, 128}));
}

TEST_F(PngTest, CorruptPngThrowsFormatError) {
  const std::string good = path("good.png");
  gan::io::write_png(good, pattern(13, 7, 3));
  auto bytes = file_bytes(good);
  // Flip a byte in the middle of the IDAT payload: its CRC no longer matches.
  auto corrupt = bytes;
  corrupt[corrupt.size() / 2] ^= std::byte(0x5a);
  const std::string bad = path("bad.png");
  gan::io::write_file_atomic(bad, corrupt);
  const std::string msg = error_of(bad);
  EXPECT_THAT(msg, HasSubstr(bad));
  EXPECT_THAT(msg, HasSubstr("corrupt PNG"));
}

TEST_F(PngTest, TruncatedPngAtEveryOffsetThrowsFormatError) {
  const std::string good = path("good.png");
  gan::io::write_png(good, pattern(5, 3, 4));
  const auto bytes = file_bytes(good);
  const std::string cut_file = path("cut.png");
  for (size_t n = 0; n < bytes.size(); ++n) {
    gan::io::write_file_atomic(cut_file, std::span<const std::byte>(bytes.data(), n));
    EXPECT_THAT(error_of(cut_file), HasSubstr(cut_file)) << n;
  }
}

TEST_F(PngTest, NotAPngAndMissingFile) {
  const std::string text = path("notes.png");
  gan::io::write_file_atomic(text, std::string("this is not an image, just text"));
  EXPECT_THAT(error_of(text), HasSubstr("not a PNG file"));
  const std::string missing = path("missing.png");
  const std::string msg = error_of(missing);
  EXPECT_THAT(msg, HasSubstr(missing));
  EXPECT_THAT(msg, HasSubstr("No such file"));
}

TEST_F(PngTest, HugeDeclaredSizeIsRejectedWithoutAllocating) {
  // A valid 1x1 PNG whose IHDR claims 30000x30000 RGBA (CRC fixed up): must be
  // refused or fail on the missing data, not allocate 3.6 GB.
  const std::string good = path("good.png");
  gan::io::write_png(good, Image{1, 1, 4, {1, 2, 3, 4}});
  auto bytes = file_bytes(good);
  // IHDR data starts at 16: width, height big-endian.
  const uint32_t big = 30000;
  for (int k = 0; k < 4; ++k) {
    bytes[16 + k] = std::byte((big >> (24 - 8 * k)) & 0xff);
    bytes[20 + k] = std::byte((big >> (24 - 8 * k)) & 0xff);
  }
  const uint32_t crc = static_cast<uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(bytes.data() + 12), 17));
  for (int k = 0; k < 4; ++k) bytes[29 + k] = std::byte((crc >> (24 - 8 * k)) & 0xff);
  const std::string bad = path("huge.png");
  gan::io::write_file_atomic(bad, bytes);
  EXPECT_THAT(error_of(bad), HasSubstr(bad));
}

}  // namespace
