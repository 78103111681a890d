// 8-bit JPEG images via libjpeg-turbo: image folders in (JPEG as well as PNG),
// and a writer for tests and for users who want smaller sample files.
#pragma once

#include <string>

#include "gan/io/png.h"  // Image, FormatError

namespace gan::io {

// Baseline or progressive JPEG -> 1 channel (grayscale files) or 3 (RGB; YCbCr
// is converted). CMYK/YCCK files, a missing, corrupt or truncated file, any
// libjpeg warning (premature end of data, extraneous bytes: the decoder would
// otherwise fill the rest with gray and return a silently wrong image), or an
// image over 2^26 pixels -> FormatError naming the file, the byte offset the
// decoder had reached and libjpeg's message.
Image read_jpeg(const std::string& path);

// img.channels 1 or 3; quality 1..100. Encodes in memory, then
// write_file_atomic. Inconsistent image -> std::invalid_argument; IO failure ->
// std::runtime_error.
void write_jpeg(const std::string& path, const Image& img, int quality = 95);

// Whether the file name ends in .jpg / .jpeg (any case).
bool is_jpeg_name(const std::string& path);

}  // namespace gan::io
