// write_file_atomic: the target holds either its old or its new content, never
// a partial write, and no temp file is left behind on failure.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "gan/io/atomic_file.h"
#include "temp_dir_test.h"

namespace {

using testing::HasSubstr;
namespace fs = std::filesystem;

class AtomicFileTest : public gan::testing::TempDirTest {
 protected:
  void TearDown() override {
    fs::permissions(dir_, fs::perms::owner_all, fs::perm_options::add);  // a test makes it read-only
    TempDirTest::TearDown();
  }
  std::vector<std::string> listing() const {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir_)) names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
  }
};

std::string slurp(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST_F(AtomicFileTest, WritesAndReplaces) {
  const std::string file = path("ckpt.bin");
  gan::io::write_file_atomic(file, std::string("first version"));
  EXPECT_EQ(slurp(file), "first version");
  const std::vector<std::byte> bytes = {std::byte(0), std::byte(0xff), std::byte(7)};
  gan::io::write_file_atomic(file, bytes);
  EXPECT_EQ(slurp(file), std::string("\0\xff\x07", 3));
  gan::io::write_file_atomic(file, std::string());
  EXPECT_EQ(slurp(file), "");
  EXPECT_EQ(listing(), std::vector<std::string>{"ckpt.bin"});
}

TEST_F(AtomicFileTest, RelativePathInCurrentDirectory) {
  const fs::path old = fs::current_path();
  fs::current_path(dir_);
  gan::io::write_file_atomic("rel.txt", std::string("x"));
  fs::current_path(old);
  EXPECT_EQ(slurp(path("rel.txt")), "x");
}

TEST_F(AtomicFileTest, PathIsDirectoryFailsAndLeavesNoTemp) {
  const std::string target = path("target");
  fs::create_directory(target);
  try {
    gan::io::write_file_atomic(target, std::string("data"));
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_THAT(e.what(), HasSubstr(target));
    EXPECT_THAT(e.what(), HasSubstr("Is a directory"));
  }
  EXPECT_TRUE(fs::is_directory(target));
  EXPECT_EQ(listing(), std::vector<std::string>{"target"});
}

TEST_F(AtomicFileTest, MissingParentDirectoryFails) {
  const std::string target = path("no/such/dir/file");
  try {
    gan::io::write_file_atomic(target, std::string("data"));
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_THAT(e.what(), HasSubstr(target));
    EXPECT_THAT(e.what(), HasSubstr("No such file or directory"));
  }
  EXPECT_TRUE(listing().empty());
}

TEST_F(AtomicFileTest, FailedWriteKeepsOldContentAndRemovesTemp) {
  // A write that fails half way (file size limit -> EFBIG) works even as root,
  // where permission bits do not stop writes.
  const std::string target = path("ckpt.bin");
  gan::io::write_file_atomic(target, std::string("good old checkpoint"));
  const std::string big(1 << 20, 'x');
  struct rlimit saved {};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &saved), 0);
  const auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
  struct rlimit small = saved;
  small.rlim_cur = 4096;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  std::string message;
  try {
    gan::io::write_file_atomic(target, big);
  } catch (const std::runtime_error& e) {
    message = e.what();
  }
  ::setrlimit(RLIMIT_FSIZE, &saved);
  std::signal(SIGXFSZ, old_handler);
  EXPECT_THAT(message, HasSubstr(target));
  EXPECT_THAT(message, HasSubstr("File too large"));
  EXPECT_EQ(slurp(target), "good old checkpoint");
  EXPECT_EQ(listing(), std::vector<std::string>{"ckpt.bin"});
}

TEST_F(AtomicFileTest, UnwritableDirectoryKeepsOldContent) {
  if (::geteuid() == 0) GTEST_SKIP() << "root ignores directory permissions";
  const std::string target = path("ckpt.bin");
  gan::io::write_file_atomic(target, std::string("old"));
  fs::permissions(dir_, fs::perms::owner_read | fs::perms::owner_exec);
  EXPECT_THROW(gan::io::write_file_atomic(target, std::string("new")), std::runtime_error);
  fs::permissions(dir_, fs::perms::owner_all, fs::perm_options::add);
  EXPECT_EQ(slurp(target), "old");
  EXPECT_EQ(listing(), std::vector<std::string>{"ckpt.bin"});
}

TEST_F(AtomicFileTest, ReadFileBytes) {
  const std::string file = path("f");
  gan::io::write_file_atomic(file, std::string("abc"));
  const auto bytes = gan::io::read_file_bytes(file);
  ASSERT_EQ(bytes.size(), 3u);
  EXPECT_EQ(bytes[2], std::byte('c'));
  EXPECT_THROW(gan::io::read_file_bytes(path("missing")), gan::io::FormatError);
  EXPECT_THROW(gan::io::read_file_bytes(dir_.string()), gan::io::FormatError);
}

}  // namespace
