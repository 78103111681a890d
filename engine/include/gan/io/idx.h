// IDX arrays (the MNIST / Fashion-MNIST format), plain or gzipped.
//
//   byte 0, 1   0x00 0x00
//   byte 2      element type: 0x08 u8 (the only one supported here), 0x09 i8,
//               0x0B i16, 0x0C i32, 0x0D f32, 0x0E f64
//   byte 3      ndims
//   4 * ndims   dims, big-endian u32
//   rest        prod(dims) elements, row-major
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "gan/io/atomic_file.h"  // FormatError

namespace gan::io {

struct IdxArray {
  std::vector<int64_t> shape;  // e.g. [60000, 28, 28]
  std::vector<uint8_t> data;   // prod(shape) bytes, row-major
};

// Reads a u8 IDX file; gzip is detected from the content (zlib), so "x.gz" and
// "x" both work. Errors -> FormatError naming the file and (decompressed) byte
// offset: missing file, bad magic, unsupported type byte, zero dims, dims
// product overflow, truncated data (expected vs got bytes), trailing bytes,
// corrupt gzip stream.
IdxArray read_idx(const std::string& path);

}  // namespace gan::io
