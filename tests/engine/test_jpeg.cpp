// JPEG write/read (libjpeg-turbo): lossy round trips for gray and RGB on odd
// sizes, files we do not write ourselves (progressive, CMYK), and corrupt or
// truncated files, which must fail with the file and a byte offset — never
// decode to a silently gray-filled image.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>

#include <jpeglib.h>

#include "gan/io/jpeg.h"
#include "temp_dir_test.h"

namespace {

using gan::io::FormatError;
using gan::io::Image;
using testing::HasSubstr;

class JpegTest : public gan::testing::TempDirTest {};

// A smooth image: JPEG keeps it within a few levels at high quality.
Image smooth(int w, int h, int c) {
  Image img{w, h, c, {}};
  img.pixels.resize(static_cast<size_t>(w) * h * c);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int k = 0; k < c; ++k)
        img.pixels[static_cast<size_t>((y * w + x) * c + k)] =
            static_cast<uint8_t>(40 + 150.0 * (x + 2 * y + 17 * k) / (w + 2 * h + 34));
  return img;
}

double mean_abs_diff(const Image& a, const Image& b) {
  double s = 0;
  for (size_t i = 0; i < a.pixels.size(); ++i) s += std::abs(int(a.pixels[i]) - int(b.pixels[i]));
  return s / static_cast<double>(a.pixels.size());
}

std::string error_of(const std::string& file) {
  try {
    gan::io::read_jpeg(file);
  } catch (const FormatError& e) {
    return e.what();
  }
  ADD_FAILURE() << "read_jpeg accepted " << file;
  return "";
}

void write_bytes(const std::string& file, const std::vector<std::byte>& bytes) {
  std::ofstream(file, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()),
                                              static_cast<std::streamsize>(bytes.size()));
}

// Encodes with libjpeg directly (independent of write_jpeg): progressive scans
// or a CMYK colour space, which our writer never produces.
void write_with_libjpeg(const std::string& file, int w, int h, int components, J_COLOR_SPACE space,
                        bool progressive) {
  jpeg_compress_struct c{};
  jpeg_error_mgr err{};
  c.err = jpeg_std_error(&err);
  jpeg_create_compress(&c);
  unsigned char* buf = nullptr;
  unsigned long size = 0;
  jpeg_mem_dest(&c, &buf, &size);
  c.image_width = static_cast<JDIMENSION>(w);
  c.image_height = static_cast<JDIMENSION>(h);
  c.input_components = components;
  c.in_color_space = space;
  jpeg_set_defaults(&c);
  if (progressive) jpeg_simple_progression(&c);
  jpeg_start_compress(&c, TRUE);
  std::vector<unsigned char> row(static_cast<size_t>(w * components));
  while (c.next_scanline < c.image_height) {
    for (size_t i = 0; i < row.size(); ++i) row[i] = static_cast<unsigned char>((i * 7 + c.next_scanline * 3) & 0xff);
    JSAMPROW r = row.data();
    jpeg_write_scanlines(&c, &r, 1);
  }
  jpeg_finish_compress(&c);
  jpeg_destroy_compress(&c);
  std::ofstream(file, std::ios::binary).write(reinterpret_cast<const char*>(buf), static_cast<std::streamsize>(size));
  std::free(buf);
}

TEST_F(JpegTest, RoundTripsGrayAndRgbOnOddSizeWithinJpegLoss) {
  for (const int channels : {1, 3}) {
    SCOPED_TRACE(channels);
    const Image img = smooth(37, 23, channels);
    const std::string file = path("img" + std::to_string(channels) + ".jpg");
    gan::io::write_jpeg(file, img, 95);
    const Image back = gan::io::read_jpeg(file);
    ASSERT_EQ(back.width, 37);
    ASSERT_EQ(back.height, 23);
    ASSERT_EQ(back.channels, channels);
    // Lossy, but a smooth ramp at quality 95 stays within a couple of levels
    // (chroma subsampling costs RGB a little more).
    EXPECT_LT(mean_abs_diff(img, back), channels == 1 ? 1.0 : 2.5);
  }
}

TEST_F(JpegTest, ReadsProgressiveJpegs) {
  write_with_libjpeg(path("p.jpeg"), 19, 11, 3, JCS_RGB, true);
  const Image img = gan::io::read_jpeg(path("p.jpeg"));
  EXPECT_EQ(img.width, 19);
  EXPECT_EQ(img.height, 11);
  EXPECT_EQ(img.channels, 3);
}

TEST_F(JpegTest, RejectsCmykNamingTheFile) {
  write_with_libjpeg(path("cmyk.jpg"), 8, 8, 4, JCS_CMYK, false);
  const std::string e = error_of(path("cmyk.jpg"));
  EXPECT_THAT(e, HasSubstr("cmyk.jpg"));
  EXPECT_THAT(e, HasSubstr("CMYK"));
}

TEST_F(JpegTest, NotAJpegNamesFileAndOffsetZero) {
  std::ofstream(path("x.jpg")) << "hello, not a jpeg";
  const std::string e = error_of(path("x.jpg"));
  EXPECT_THAT(e, HasSubstr("x.jpg"));
  EXPECT_THAT(e, HasSubstr("byte offset 0"));
}

TEST_F(JpegTest, TruncatedFileFailsWithByteOffsetInsteadOfGrayFill) {
  gan::io::write_jpeg(path("full.jpg"), smooth(64, 64, 3), 90);
  std::vector<std::byte> bytes = gan::io::read_file_bytes(path("full.jpg"));
  for (const size_t keep : {bytes.size() / 2, bytes.size() - 2, size_t{40}}) {
    SCOPED_TRACE(keep);
    write_bytes(path("cut.jpg"), std::vector<std::byte>(bytes.begin(), bytes.begin() + static_cast<long>(keep)));
    const std::string e = error_of(path("cut.jpg"));
    EXPECT_THAT(e, HasSubstr("cut.jpg"));
    EXPECT_THAT(e, HasSubstr("byte offset"));
  }
}

TEST_F(JpegTest, MarkerInsideTheScanFails) {
  // Entropy-coded data has no checksum, so a flipped bit may decode to other
  // pixels undetected; what libjpeg does detect (here an EOI marker in the
  // middle of the scan: "premature end of data") it only warns about and
  // fills the rest with gray. That warning must be an error.
  gan::io::write_jpeg(path("ok.jpg"), smooth(32, 32, 1), 90);
  std::vector<std::byte> bytes = gan::io::read_file_bytes(path("ok.jpg"));
  // The scan starts after the SOS marker FF DA and its header.
  size_t sos = 0;
  for (size_t i = 0; i + 1 < bytes.size() && !sos; ++i)
    if (bytes[i] == std::byte{0xFF} && bytes[i + 1] == std::byte{0xDA}) sos = i;
  ASSERT_GT(sos, 0u);
  const size_t scan = sos + 2 + (static_cast<size_t>(bytes[sos + 2]) << 8 | static_cast<size_t>(bytes[sos + 3]));
  const size_t at = scan + (bytes.size() - 2 - scan) / 3;
  bytes[at] = std::byte{0xFF};
  bytes[at + 1] = std::byte{0xD9};
  write_bytes(path("bad.jpg"), bytes);
  const std::string e = error_of(path("bad.jpg"));
  EXPECT_THAT(e, HasSubstr("bad.jpg"));
  EXPECT_THAT(e, HasSubstr("byte offset"));
}

TEST_F(JpegTest, WriterRejectsBadImages) {
  Image img = smooth(4, 4, 3);
  img.pixels.pop_back();
  EXPECT_THROW(gan::io::write_jpeg(path("a.jpg"), img), std::invalid_argument);
  EXPECT_THROW(gan::io::write_jpeg(path("b.jpg"), smooth(4, 4, 4)), std::invalid_argument);
  EXPECT_THROW(gan::io::write_jpeg(path("c.jpg"), smooth(4, 4, 1), 0), std::invalid_argument);
}

TEST(JpegName, MatchesExtensionsInAnyCase) {
  EXPECT_TRUE(gan::io::is_jpeg_name("a/b.JPG"));
  EXPECT_TRUE(gan::io::is_jpeg_name("x.jpeg"));
  EXPECT_FALSE(gan::io::is_jpeg_name("x.png"));
  EXPECT_FALSE(gan::io::is_jpeg_name("dir.jpg/file"));
  EXPECT_FALSE(gan::io::is_jpeg_name("jpg"));
}

}  // namespace
