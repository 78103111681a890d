// File primitives shared by the IO layer: the error type for malformed files,
// whole-file reads, and atomic writes (a crash or a full disk never leaves a
// half-written checkpoint where a good one used to be).
#pragma once

#include <cstddef>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace gan::io {

// A file that cannot be read or does not follow its format. The message names
// the file, the byte offset where one is meaningful, and what is wrong:
//   "ckpt.safetensors: byte offset 0: header length 99999 exceeds file size 64"
class FormatError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Writes `bytes` to `path` atomically: writes "<path>.tmp.<pid>" in the same
// directory, fsyncs it, renames it over `path`, fsyncs the directory. On any
// failure the temp file is removed and std::runtime_error names the path and
// strerror; `path` then still holds its previous content (or does not exist).
void write_file_atomic(const std::string& path, std::span<const std::byte> bytes);
void write_file_atomic(const std::string& path, const std::string& text);

// Reads the whole file. Missing or unreadable file -> FormatError naming the
// path and strerror.
std::vector<std::byte> read_file_bytes(const std::string& path);

}  // namespace gan::io
