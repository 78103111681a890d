// 8-bit PNG images via libpng: sample grids out, image folders in.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "gan/io/atomic_file.h"  // FormatError

namespace gan::io {

// Row-major, channels interleaved: pixels[(y * width + x) * channels + c].
// channels: 1 (gray), 3 (RGB), 4 (RGBA).
struct Image {
  int width = 0, height = 0, channels = 0;
  std::vector<uint8_t> pixels;  // [height, width, channels]
};

// Encodes in memory, then write_file_atomic. Inconsistent image (size, channel
// count, pixels.size()) -> std::invalid_argument; IO failure -> std::runtime_error.
void write_png(const std::string& path, const Image& img);

// Any PNG in, 8-bit out: palette -> RGB(A), 16-bit -> 8-bit, gray < 8 bit -> 8,
// tRNS -> alpha, gray+alpha -> RGBA. Missing, corrupt or truncated file, or an
// image over 2^28 pixels -> FormatError naming the file and libpng's message.
Image read_png(const std::string& path);

}  // namespace gan::io
