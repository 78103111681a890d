#include "gan/io/atomic_file.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace gan::io {
namespace {

[[noreturn]] void fail(const std::string& path, const std::string& what, int err) {
  throw std::runtime_error(path + ": " + what + ": " + std::strerror(err));
}

std::string parent_directory(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

// Closes the descriptor on scope exit unless released; removes the temp file
// unless committed.
struct TempFile {
  std::string path;
  int fd = -1;
  bool committed = false;
  ~TempFile() {
    if (fd >= 0) ::close(fd);
    if (!committed) ::unlink(path.c_str());
  }
};

void write_all(int fd, const std::byte* data, size_t n, const std::string& tmp) {
  while (n > 0) {
    const ssize_t w = ::write(fd, data, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      fail(tmp, "write failed", errno);
    }
    data += w;
    n -= static_cast<size_t>(w);
  }
}

void fsync_directory(const std::string& dir, const std::string& path) {
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) fail(path, "cannot open directory '" + dir + "' to fsync it", errno);
  const int rc = ::fsync(dfd);
  const int err = errno;
  ::close(dfd);
  // Some filesystems cannot fsync a directory (EINVAL); the rename is done.
  if (rc != 0 && err != EINVAL) fail(path, "fsync of directory '" + dir + "' failed", err);
}

}  // namespace

void write_file_atomic(const std::string& path, std::span<const std::byte> bytes) {
  if (path.empty()) throw std::runtime_error("write_file_atomic: empty path");
  TempFile tmp;
  tmp.path = path + ".tmp." + std::to_string(::getpid());
  tmp.fd = ::open(tmp.path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (tmp.fd < 0) {
    tmp.committed = true;  // not ours: nothing to remove (it may be someone else's file)
    fail(path, "cannot create temp file '" + tmp.path + "'", errno);
  }
  write_all(tmp.fd, bytes.data(), bytes.size(), tmp.path);
  if (::fsync(tmp.fd) != 0) fail(path, "fsync of temp file '" + tmp.path + "' failed", errno);
  const int fd = tmp.fd;
  tmp.fd = -1;
  if (::close(fd) != 0) fail(path, "close of temp file '" + tmp.path + "' failed", errno);
  if (::rename(tmp.path.c_str(), path.c_str()) != 0) fail(path, "rename from '" + tmp.path + "' failed", errno);
  tmp.committed = true;
  fsync_directory(parent_directory(path), path);
}

void write_file_atomic(const std::string& path, const std::string& text) {
  write_file_atomic(path, std::as_bytes(std::span<const char>(text.data(), text.size())));
}

std::vector<std::byte> read_file_bytes(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw FormatError(path + ": cannot open: " + std::strerror(errno));
  struct Closer { int fd; ~Closer() { ::close(fd); } } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) throw FormatError(path + ": cannot stat: " + std::strerror(errno));
  if (S_ISDIR(st.st_mode)) throw FormatError(path + ": cannot read: is a directory");
  std::vector<std::byte> out;
  if (S_ISREG(st.st_mode)) out.reserve(static_cast<size_t>(st.st_size));
  std::byte chunk[1 << 16];
  for (;;) {
    const ssize_t r = ::read(fd, chunk, sizeof chunk);
    if (r < 0) {
      if (errno == EINTR) continue;
      throw FormatError(path + ": read failed at byte offset " + std::to_string(out.size()) + ": " +
                        std::strerror(errno));
    }
    if (r == 0) break;
    out.insert(out.end(), chunk, chunk + r);
  }
  return out;
}

}  // namespace gan::io
