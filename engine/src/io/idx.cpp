// IDX reader. zlib's gz* API reads gzip and plain files alike. The data buffer
// grows as bytes arrive, so dims in a hostile header cannot force a large
// allocation before the data is actually there.
#include "gan/io/idx.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>
#include <zlib.h>

namespace gan::io {
namespace {

constexpr size_t kChunk = 1 << 20;

struct GzFile {
  gzFile f = nullptr;
  ~GzFile() {
    if (f) gzclose(f);
  }
};

std::string hex_byte(uint8_t b) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02X", b);
  return buf;
}

// Reads up to n bytes; returns how many arrived (less only at end of stream).
// A gzip-level error (corrupt or truncated stream) throws.
size_t read_some(gzFile f, uint8_t* out, size_t n, const std::string& path, uint64_t offset) {
  size_t got = 0;
  while (got < n) {
    const unsigned ask = static_cast<unsigned>(std::min<size_t>(n - got, 1u << 30));
    const int r = gzread(f, out + got, ask);
    if (r < 0) {
      int errnum = 0;
      const char* msg = gzerror(f, &errnum);
      throw FormatError(path + ": byte offset " + std::to_string(offset + got) + " (decompressed): read failed: " +
                        (errnum == Z_ERRNO ? std::strerror(errno) : msg));
    }
    if (r == 0) break;
    got += static_cast<size_t>(r);
  }
  if (got < n) {
    // A cut-off gzip stream ends with Z_BUF_ERROR: that is truncation, which the
    // caller reports with expected vs got. Anything else is corruption.
    int errnum = 0;
    const char* msg = gzerror(f, &errnum);
    if (errnum != Z_OK && errnum != Z_BUF_ERROR)
      throw FormatError(path + ": byte offset " + std::to_string(offset + got) + " (decompressed): gzip: " + msg);
  }
  return got;
}

}  // namespace

IdxArray read_idx(const std::string& path) {
  GzFile gz;
  errno = 0;
  gz.f = gzopen(path.c_str(), "rb");
  if (!gz.f) throw FormatError(path + ": cannot open: " + std::strerror(errno ? errno : ENOENT));
  gzbuffer(gz.f, 1 << 17);

  uint8_t head[4];
  size_t got = read_some(gz.f, head, 4, path, 0);
  if (got < 4)
    throw FormatError(path + ": byte offset " + std::to_string(got) + ": truncated header: expected 4 bytes, got " +
                      std::to_string(got));
  if (head[0] != 0 || head[1] != 0)
    throw FormatError(path + ": byte offset 0: bad IDX magic " + hex_byte(head[0]) + " " + hex_byte(head[1]) +
                      " (expected 0x00 0x00; not an IDX file?)");
  if (head[2] != 0x08)
    throw FormatError(path + ": byte offset 2: unsupported IDX type byte " + hex_byte(head[2]) +
                      " (only 0x08, unsigned byte, is supported)");
  const int ndims = head[3];
  if (ndims == 0) throw FormatError(path + ": byte offset 3: IDX file with 0 dims");

  uint8_t dims[4 * 255];
  const size_t dims_bytes = 4 * static_cast<size_t>(ndims);
  got = read_some(gz.f, dims, dims_bytes, path, 4);
  if (got < dims_bytes)
    throw FormatError(path + ": byte offset " + std::to_string(4 + got) + ": truncated header: expected " +
                      std::to_string(4 + dims_bytes) + " bytes for " + std::to_string(ndims) + " dims, got " +
                      std::to_string(4 + got));

  IdxArray out;
  uint64_t numel = 1;
  for (int i = 0; i < ndims; ++i) {
    const uint8_t* p = dims + 4 * i;
    const uint64_t d = (uint64_t{p[0]} << 24) | (uint64_t{p[1]} << 16) | (uint64_t{p[2]} << 8) | p[3];
    if (__builtin_mul_overflow(numel, d, &numel) ||
        numel > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
      throw FormatError(path + ": byte offset " + std::to_string(4 + 4 * i) +
                        ": product of IDX dims overflows at dim " + std::to_string(i));
    out.shape.push_back(static_cast<int64_t>(d));
  }

  const uint64_t data_start = 4 + dims_bytes;
  while (out.data.size() < numel) {
    const size_t want = static_cast<size_t>(std::min<uint64_t>(kChunk, numel - out.data.size()));
    const size_t have = out.data.size();
    out.data.resize(have + want);
    got = read_some(gz.f, out.data.data() + have, want, path, data_start + have);
    if (got < want) {
      out.data.resize(have + got);
      throw FormatError(path + ": byte offset " + std::to_string(data_start + out.data.size()) +
                        ": truncated data: expected " + std::to_string(numel) + " bytes, got " +
                        std::to_string(out.data.size()));
    }
  }
  uint8_t extra = 0;
  if (read_some(gz.f, &extra, 1, path, data_start + numel) != 0)
    throw FormatError(path + ": byte offset " + std::to_string(data_start + numel) +
                      ": trailing bytes after the " + std::to_string(numel) + " data bytes");
  // All data arrived, but a gzip stream cut inside its CRC/length trailer is
  // still a damaged file (and its CRC was never checked).
  int errnum = 0;
  const char* msg = gzerror(gz.f, &errnum);
  if (errnum != Z_OK)
    throw FormatError(path + ": byte offset " + std::to_string(data_start + numel) +
                      " (decompressed): gzip stream ends early: " + msg);
  return out;
}

}  // namespace gan::io
