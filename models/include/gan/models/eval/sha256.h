// SHA-256 (FIPS 180-4) of bytes and files: pins the feature extractor's weights
// so every metric record names exactly which network produced its features.
// A plain byte-at-a-time implementation; hashing a 1 MB weights file takes
// milliseconds, so nothing here is tuned.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace gan::models::eval {

// Lower-case hex digest (64 characters).
std::string sha256_hex(std::span<const std::byte> bytes);
std::string sha256_hex(const std::string& text);
// Digest of a file's contents; gan::Error naming the file when it cannot be read.
std::string sha256_file(const std::string& path);

}  // namespace gan::models::eval
