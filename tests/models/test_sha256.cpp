// SHA-256 against the FIPS 180-4 / NIST example vectors (one block, two blocks,
// the padding boundary, a million bytes), and the committed classifier's pin.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "gan/models/eval/classifier.h"
#include "gan/models/eval/sha256.h"

namespace gan::models::eval {
namespace {

TEST(Sha256, FipsVectors) {
  EXPECT_EQ(sha256_hex(std::string()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex(std::string("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // 56 bytes: the length no longer fits the first block's tail.
  EXPECT_EQ(sha256_hex(std::string("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(sha256_hex(std::string("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu")),
            "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
  EXPECT_EQ(sha256_hex(std::string(1000000, 'a')), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, MissingFileIsAnErrorNamingIt) {
  try {
    sha256_file("/nonexistent/weights.safetensors");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/weights.safetensors"), std::string::npos) << e.what();
  }
}

// The constant in classifier.h must name the committed file (update both together).
TEST(Sha256, CommittedClassifierMatchesItsPin) {
  ASSERT_TRUE(std::filesystem::exists(default_classifier_path())) << default_classifier_path();
  EXPECT_EQ(sha256_file(default_classifier_path()), kFmnistClassifierSha256);
}

}  // namespace
}  // namespace gan::models::eval
