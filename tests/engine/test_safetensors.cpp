// safetensors writer/reader: round trips, a hand-computed file, and one hostile
// file per validation rule (each must name the file and the problem).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>

#include "gan/io/safetensors.h"
#include "temp_dir_test.h"

namespace {

using gan::io::FormatError;
using testing::HasSubstr;
namespace fs = std::filesystem;

class SafetensorsTest : public gan::testing::TempDirTest {};

template <typename T>
gan::io::TensorView view(const std::string& name, const std::string& dtype, std::vector<int64_t> shape,
                         const std::vector<T>& v) {
  return {name, dtype, std::move(shape), v.data(), v.size() * sizeof(T)};
}

template <typename T>
std::vector<std::byte> as_bytes(const std::vector<T>& v) {
  const auto* p = reinterpret_cast<const std::byte*>(v.data());
  return std::vector<std::byte>(p, p + v.size() * sizeof(T));
}

std::vector<std::byte> bytes_of(const std::string& s) {
  const auto* p = reinterpret_cast<const std::byte*>(s.data());
  return std::vector<std::byte>(p, p + s.size());
}

// A file with `header` verbatim (no padding unless given) and `data_bytes` bytes of data.
std::vector<std::byte> make_file(const std::string& header, size_t data_bytes) {
  std::vector<std::byte> out(8);
  const uint64_t n = header.size();
  for (int i = 0; i < 8; ++i) out[i] = std::byte((n >> (8 * i)) & 0xff);
  const auto h = bytes_of(header);
  out.insert(out.end(), h.begin(), h.end());
  for (size_t i = 0; i < data_bytes; ++i) out.push_back(std::byte(i & 0xff));
  return out;
}

constexpr const char* kName = "hostile.safetensors";

std::string decode_error(const std::vector<std::byte>& bytes) {
  try {
    gan::io::decode_safetensors(bytes, kName);
  } catch (const FormatError& e) {
    return e.what();
  }
  ADD_FAILURE() << "decode_safetensors accepted a malformed file";
  return "";
}

void expect_rejected(const std::string& header, size_t data_bytes, const std::string& problem) {
  const std::string msg = decode_error(make_file(header, data_bytes));
  EXPECT_THAT(msg, HasSubstr(kName)) << header;
  EXPECT_THAT(msg, HasSubstr(problem)) << header;
}

std::string entry(const std::string& dtype, const std::string& shape, const std::string& offsets) {
  return R"({"dtype":")" + dtype + R"(","shape":)" + shape + R"(,"data_offsets":)" + offsets + "}";
}

// ---- round trips ----

TEST_F(SafetensorsTest, RoundTripsEveryDtypeAndShape) {
  const std::vector<float> f32 = {1.5f, -2.f, 3.25f, 0.f, 1e-30f, -7.f};
  const std::vector<double> f64 = {3.141592653589793, -1e300, 0.0, 2.5};
  const std::vector<int64_t> i64_scalar = {-1234567890123};
  const std::vector<uint8_t> u8_empty;
  const std::vector<uint16_t> bf16 = {0x3f80, 0xc000, 0x7f80};
  const std::vector<uint16_t> f16 = {0x3c00, 0xbc00};
  const std::vector<uint8_t> boolean = {1, 0, 0, 1};
  const std::vector<int8_t> i8 = {-128, 0, 127};
  const std::vector<int32_t> i32 = {-1, 2, -3, 4, -5};
  const std::vector<int16_t> i16 = {-32768, 32767};
  const std::vector<gan::io::TensorView> views = {
      view("conv.weight", "F32", {2, 3}, f32), view("f64", "F64", {4}, f64),
      view("step", "I64", {}, i64_scalar),     view("empty", "U8", {0, 5}, u8_empty),
      view("bf16", "BF16", {3}, bf16),         view("f16", "F16", {1, 2}, f16),
      view("mask", "BOOL", {2, 2}, boolean),   view("i8", "I8", {1, 1, 3}, i8),
      view("i32", "I32", {5}, i32),            view("i16", "I16", {2}, i16)};
  const std::string file = path("all.safetensors");
  gan::io::write_safetensors(file, views);
  const auto back = gan::io::read_safetensors(file);

  ASSERT_EQ(back.tensors.size(), views.size());
  EXPECT_TRUE(back.metadata.empty());
  std::vector<std::string> names;
  for (const auto& v : views) names.push_back(v.name);
  EXPECT_EQ(back.order, names);  // data order == the order written
  for (const auto& v : views) {
    SCOPED_TRACE(v.name);
    const auto& t = back.tensors.at(v.name);
    EXPECT_EQ(t.dtype, v.dtype);
    EXPECT_EQ(t.shape, v.shape);
    ASSERT_EQ(t.bytes.size(), v.nbytes);
    if (v.nbytes) {
      EXPECT_EQ(std::memcmp(t.bytes.data(), v.data, v.nbytes), 0);
    }
  }
  EXPECT_EQ(back.tensors.at("step").shape.size(), 0u);
  EXPECT_EQ(back.tensors.at("empty").bytes.size(), 0u);
}

TEST_F(SafetensorsTest, RoundTripsMetadata) {
  const std::vector<float> w = {1, 2};
  const std::map<std::string, std::string> meta = {
      {"format", "pt"}, {"step", "1000"}, {"config", R"({"lr": 0.0002, "betas": [0.5, 0.999]})"},
      {"unicode", "\xc3\xa9t\xc3\xa9"}, {"empty", ""}};
  const auto bytes = gan::io::encode_safetensors({view("w", "F32", {2}, w)}, meta);
  const auto back = gan::io::decode_safetensors(bytes, "meta.safetensors");
  EXPECT_EQ(back.metadata, meta);
  EXPECT_EQ(back.tensors.at("w").bytes, as_bytes(w));
}

TEST_F(SafetensorsTest, PadsHeaderWithSpacesToMultipleOf8) {
  const std::vector<float> w = {1};
  for (int len = 1; len <= 16; ++len) {
    const std::string name(static_cast<size_t>(len), 'x');
    const auto bytes = gan::io::encode_safetensors({view(name, "F32", {1}, w)}, {});
    uint64_t n = 0;
    for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<uint8_t>(bytes[i]);
    EXPECT_EQ(n % 8, 0u) << name;
    ASSERT_EQ(bytes.size(), 8 + n + 4);
    const std::string header(reinterpret_cast<const char*>(bytes.data()) + 8, n);
    EXPECT_EQ(header.front(), '{');
    const size_t close = header.find_last_of('}');
    EXPECT_EQ(header.find_first_not_of(' ', close + 1), std::string::npos) << "padding is spaces";
    EXPECT_LT(header.size() - close - 1, 8u);
  }
}

TEST_F(SafetensorsTest, EncodesTinyFileByteExact) {
  // {"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}} is 54 bytes -> padded to 56 (0x38).
  const std::vector<float> a = {1.0f, -2.0f};
  const auto bytes = gan::io::encode_safetensors({view("a", "F32", {2}, a)}, {});
  std::vector<uint8_t> expected = {0x38, 0, 0, 0, 0, 0, 0, 0};
  const std::string json = R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})"
                           "  ";
  expected.insert(expected.end(), json.begin(), json.end());
  for (uint8_t b : {0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0xC0}) expected.push_back(b);  // 1.0f, -2.0f LE
  ASSERT_EQ(bytes.size(), 72u);
  for (size_t i = 0; i < expected.size(); ++i) EXPECT_EQ(static_cast<uint8_t>(bytes[i]), expected[i]) << "byte " << i;
}

TEST_F(SafetensorsTest, EncodesMetadataFirstThenTensorsInGivenOrder) {
  const std::vector<uint8_t> z = {7}, a = {8, 9};
  const auto bytes = gan::io::encode_safetensors({view("z", "U8", {1}, z), view("a", "U8", {2}, a)}, {{"k", "v"}});
  uint64_t n = static_cast<uint8_t>(bytes[0]);
  const std::string header(reinterpret_cast<const char*>(bytes.data()) + 8, n);
  EXPECT_EQ(header,
            R"({"__metadata__":{"k":"v"},"z":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},)"
            R"("a":{"dtype":"U8","shape":[2],"data_offsets":[1,3]}})"
            "      ");  // 130 bytes + 6 spaces
  EXPECT_EQ(static_cast<uint8_t>(bytes[8 + n]), 7);
  EXPECT_EQ(static_cast<uint8_t>(bytes[8 + n + 2]), 9);
}

TEST_F(SafetensorsTest, ReadsFileWithGapsAndUnsortedHeader) {
  // Written by someone else: header keys not in data order, a zero-size tensor.
  const std::string h = R"({"b":)" + entry("U8", "[2]", "[2,4]") + R"(,"a":)" + entry("U8", "[2]", "[0,2]") +
                        R"(,"e":)" + entry("F32", "[0]", "[2,2]") + "}";
  const auto back = gan::io::decode_safetensors(make_file(h, 4), "x");
  EXPECT_EQ(back.order, (std::vector<std::string>{"a", "b", "e"}));
  EXPECT_EQ(back.tensors.at("b").bytes, (std::vector<std::byte>{std::byte(2), std::byte(3)}));
}

// ---- writer validation ----

TEST_F(SafetensorsTest, WriterRejectsBadArguments) {
  const std::vector<float> w = {1, 2, 3};
  using gan::io::encode_safetensors;
  EXPECT_THROW(encode_safetensors({view("w", "F32", {2}, w)}, {}), std::invalid_argument);  // nbytes mismatch
  EXPECT_THROW(encode_safetensors({view("w", "F32", {3}, w), view("w", "F32", {3}, w)}, {}), std::invalid_argument);
  EXPECT_THROW(encode_safetensors({view("", "F32", {3}, w)}, {}), std::invalid_argument);
  EXPECT_THROW(encode_safetensors({view("__metadata__", "F32", {3}, w)}, {}), std::invalid_argument);
  EXPECT_THROW(encode_safetensors({view("w", "F128", {3}, w)}, {}), std::invalid_argument);
  EXPECT_THROW(encode_safetensors({view("w", "F32", {-3}, w)}, {}), std::invalid_argument);
  EXPECT_THROW(encode_safetensors({view("w\xff", "F32", {3}, w)}, {}), std::invalid_argument);  // not UTF-8
  try {
    encode_safetensors({view("w", "F32", {4}, w)}, {});
  } catch (const std::invalid_argument& e) {
    EXPECT_THAT(e.what(), HasSubstr("'w'"));
    EXPECT_THAT(e.what(), HasSubstr("nbytes 12 != 16"));
  }
}

TEST_F(SafetensorsTest, DtypeBytes) {
  EXPECT_EQ(gan::io::dtype_bytes("F64"), 8u);
  EXPECT_EQ(gan::io::dtype_bytes("BF16"), 2u);
  EXPECT_EQ(gan::io::dtype_bytes("BOOL"), 1u);
  EXPECT_THROW(gan::io::dtype_bytes("f32"), FormatError);
}

// ---- hostile files: one per rule ----

TEST_F(SafetensorsTest, RejectsFileShorterThan8Bytes) {
  const std::string msg = decode_error(std::vector<std::byte>(5));
  EXPECT_THAT(msg, HasSubstr(kName));
  EXPECT_THAT(msg, HasSubstr("byte offset 0"));
  EXPECT_THAT(msg, HasSubstr("shorter than the 8-byte header length"));
}

TEST_F(SafetensorsTest, RejectsHeaderLengthBeyondFile) {
  auto bytes = make_file("{}", 0);
  bytes[0] = std::byte(200);
  const std::string msg = decode_error(bytes);
  EXPECT_THAT(msg, HasSubstr(kName));
  EXPECT_THAT(msg, HasSubstr("header length 200 exceeds"));
}

TEST_F(SafetensorsTest, RejectsAbsurdHeaderLength) {
  auto bytes = make_file("{}", 0);
  bytes[7] = std::byte(0x80);  // 2^63 + 2
  const std::string msg = decode_error(bytes);
  EXPECT_THAT(msg, HasSubstr(kName));
  EXPECT_THAT(msg, HasSubstr("absurd"));
}

TEST_F(SafetensorsTest, RejectsHeaderThatIsNotJson) {
  expect_rejected(R"({"a": {"dtype": "F32",)", 0, "not valid JSON");
  expect_rejected("\xff\xfe", 0, "not valid JSON");
  expect_rejected("{\"a\xff\": 1}", 0, "not valid JSON");  // invalid UTF-8 in a key
  const std::string msg = decode_error(make_file("{} x", 0));
  EXPECT_THAT(msg, HasSubstr("byte offset 11"));  // 8 + position of 'x'
}

TEST_F(SafetensorsTest, RejectsHeaderThatIsNotAnObject) {
  expect_rejected("[1, 2]  ", 0, "not an object");
  expect_rejected("\"str\"", 0, "not an object");
}

TEST_F(SafetensorsTest, RejectsDeeplyNestedHeader) {
  expect_rejected(R"({"a":)" + std::string(5000, '[') + std::string(5000, ']') + "}", 0, "nests deeper");
}

TEST_F(SafetensorsTest, RejectsEntryMissingFields) {
  expect_rejected(R"({"w":{"shape":[1],"data_offsets":[0,4]}})", 4, "key 'w': missing 'dtype'");
  expect_rejected(R"({"w":{"dtype":"F32","data_offsets":[0,4]}})", 4, "key 'w': missing 'shape'");
  expect_rejected(R"({"w":{"dtype":"F32","shape":[1]}})", 4, "key 'w': missing 'data_offsets'");
}

TEST_F(SafetensorsTest, RejectsEntryWithWrongJsonTypes) {
  expect_rejected(R"({"w":3})", 0, "tensor entry must be an object");
  expect_rejected(R"({"w":{"dtype":32,"shape":[1],"data_offsets":[0,4]}})", 4, "'dtype' must be a string");
  expect_rejected(R"({"w":)" + entry("F32", R"("1")", "[0,4]") + "}", 4, "'shape' must be an array");
  expect_rejected(R"({"w":)" + entry("F32", "[1.0]", "[0,4]") + "}", 4, "non-integer dim");
  expect_rejected(R"({"w":)" + entry("F32", "[1]", "[0]") + "}", 4, "'data_offsets' must be an array [begin, end]");
  expect_rejected(R"({"w":)" + entry("F32", "[1]", "{}") + "}", 4, "'data_offsets' must be an array [begin, end]");
  expect_rejected(R"({"w":)" + entry("F32", "[1]", "[-4,0]") + "}", 4, "must be non-negative integers");
  expect_rejected(R"({"w":)" + entry("F32", "[1]", "[0,4.0]") + "}", 4, "must be non-negative integers");
}

TEST_F(SafetensorsTest, RejectsUnknownDtype) {
  expect_rejected(R"({"w":)" + entry("F128", "[1]", "[0,16]") + "}", 16, "unknown dtype 'F128'");
}

TEST_F(SafetensorsTest, RejectsNegativeDim) {
  expect_rejected(R"({"w":)" + entry("F32", "[2,-1]", "[0,0]") + "}", 0, "negative dim");
}

TEST_F(SafetensorsTest, RejectsElementCountOverflow) {
  expect_rejected(R"({"w":)" + entry("F32", "[4294967296,4294967296,16]", "[0,0]") + "}", 0, "overflows");
  expect_rejected(R"({"w":)" + entry("F32", "[9223372036854775807]", "[0,0]") + "}", 0, "overflows");  // bytes
  expect_rejected(R"({"w":)" + entry("F32", "[18446744073709551615]", "[0,0]") + "}", 0, "too large for int64");
}

TEST_F(SafetensorsTest, RejectsDataOffsetsBeginAfterEnd) {
  expect_rejected(R"({"w":)" + entry("U8", "[0]", "[4,0]") + "}", 4, "begin > end");
}

TEST_F(SafetensorsTest, RejectsDataOffsetsPastTheBuffer) {
  expect_rejected(R"({"w":)" + entry("F32", "[4]", "[0,16]") + "}", 8, "run past the data buffer of 8 bytes");
  expect_rejected(R"({"w":)" + entry("U8", "[1]", "[18446744073709551614,18446744073709551615]") + "}", 8,
                  "run past the data buffer");
}

TEST_F(SafetensorsTest, RejectsSizeMismatchBetweenOffsetsAndShape) {
  expect_rejected(R"({"w":)" + entry("F32", "[3]", "[0,8]") + "}", 8, "span 8 bytes but shape [3] of F32 needs 12");
}

TEST_F(SafetensorsTest, RejectsOverlappingTensors) {
  const std::string h = R"({"a":)" + entry("F32", "[2]", "[0,8]") + R"(,"b":)" + entry("F32", "[2]", "[4,12]") + "}";
  const std::string msg = decode_error(make_file(h, 12));
  EXPECT_THAT(msg, HasSubstr(kName));
  EXPECT_THAT(msg, HasSubstr("'a' [0, 8) and 'b' [4, 12) overlap"));
  // The same range twice overlaps too (header order reversed).
  const std::string h2 = R"({"b":)" + entry("U8", "[4]", "[0,4]") + R"(,"a":)" + entry("U8", "[4]", "[0,4]") + "}";
  EXPECT_THAT(decode_error(make_file(h2, 4)), HasSubstr("overlap"));
}

TEST_F(SafetensorsTest, RejectsNonStringMetadata) {
  expect_rejected(R"({"__metadata__":{"step":100}})", 0, "metadata value for 'step' is a number, not a string");
  expect_rejected(R"({"__metadata__":["a"]})", 0, "key '__metadata__': must be an object");
}

// ---- robustness ----

std::vector<std::byte> small_valid_file() {
  const std::vector<float> w = {1, 2, 3};
  const std::vector<int64_t> s = {42};
  return gan::io::encode_safetensors({view("w", "F32", {3}, w), view("s", "I64", {}, s)}, {{"k", "v"}});
}

TEST_F(SafetensorsTest, TruncationAtEveryOffsetThrowsFormatError) {
  const auto bytes = small_valid_file();
  ASSERT_NO_THROW(gan::io::decode_safetensors(bytes, kName));
  for (size_t n = 0; n < bytes.size(); ++n) {
    const std::vector<std::byte> cut(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n));
    try {
      gan::io::decode_safetensors(cut, kName);
      ADD_FAILURE() << "truncated to " << n << " bytes was accepted";
    } catch (const FormatError& e) {
      EXPECT_THAT(e.what(), HasSubstr(kName)) << n;
    }
  }
}

TEST_F(SafetensorsTest, ByteFlipsNeverCrash) {
  // Every byte set to a few hostile values: the reader either accepts the file
  // or throws FormatError; anything else (crash, other exception) fails.
  const auto bytes = small_valid_file();
  for (size_t i = 0; i < bytes.size(); ++i) {
    for (const uint8_t v : {0x00, 0x20, 0x30, 0x39, 0x5b, 0x7b, 0x7f, 0xff}) {
      auto mutated = bytes;
      mutated[i] = std::byte(v);
      try {
        gan::io::decode_safetensors(mutated, kName);
      } catch (const FormatError&) {
      }
    }
  }
}

TEST_F(SafetensorsTest, ReadMissingFileNamesIt) {
  const std::string file = path("nope.safetensors");
  try {
    gan::io::read_safetensors(file);
    FAIL() << "no error";
  } catch (const FormatError& e) {
    EXPECT_THAT(e.what(), HasSubstr(file));
    EXPECT_THAT(e.what(), HasSubstr("No such file"));
  }
}

TEST_F(SafetensorsTest, ReadNamesThePathInErrors) {
  const std::string file = path("bad.safetensors");
  gan::io::write_file_atomic(file, std::string("\x04\0\0\0\0\0\0\0[1] ", 12));
  try {
    gan::io::read_safetensors(file);
    FAIL() << "no error";
  } catch (const FormatError& e) {
    EXPECT_THAT(e.what(), HasSubstr(file));
    EXPECT_THAT(e.what(), HasSubstr("not an object"));
  }
}

}  // namespace
