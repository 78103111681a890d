// safetensors encode/decode. Layout in safetensors.h. The reader treats every
// size in the file as hostile: lengths are checked against the bytes actually
// present before anything is allocated or copied.
#include "gan/io/safetensors.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace gan::io {
namespace {

using Json = nlohmann::ordered_json;  // keeps header key order (= data order for our files)

constexpr uint64_t kMaxHeaderBytes = 100'000'000;  // same limit as the Rust safetensors crate
constexpr int kMaxJsonDepth = 8;                   // a valid header nests 3 deep
constexpr const char* kMetadataKey = "__metadata__";

int dtype_bytes_or_zero(const std::string& dtype) {
  static const std::map<std::string, int> sizes = {
      {"F64", 8}, {"F32", 4}, {"F16", 2}, {"BF16", 2}, {"I64", 8},
      {"I32", 4}, {"I16", 2}, {"I8", 1},  {"U8", 1},   {"BOOL", 1}};
  const auto it = sizes.find(dtype);
  return it == sizes.end() ? 0 : it->second;
}

// numel * elem_bytes with overflow checks; dims must already be >= 0.
// Returns false on overflow (of either the element count or the byte count).
bool checked_nbytes(const std::vector<int64_t>& shape, uint64_t elem_bytes, uint64_t* nbytes) {
  uint64_t numel = 1;
  bool zero = false;
  for (const int64_t d : shape) {
    if (d == 0) zero = true;
    if (__builtin_mul_overflow(numel, static_cast<uint64_t>(std::max<int64_t>(d, 1)), &numel)) return false;
  }
  if (numel > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return false;
  if (zero) numel = 0;
  uint64_t n = 0;
  if (__builtin_mul_overflow(numel, elem_bytes, &n)) return false;
  *nbytes = n;
  return true;
}

std::string shape_string(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

[[noreturn]] void bad_argument(const std::string& what) {
  throw std::invalid_argument("encode_safetensors: " + what);
}

// ---- reader helpers ----

struct Context {
  const std::string& file;
  uint64_t header_len;
  [[noreturn]] void at(uint64_t offset, const std::string& what) const {
    throw FormatError(file + ": byte offset " + std::to_string(offset) + ": " + what);
  }
  [[noreturn]] void key(const std::string& k, const std::string& what) const {
    throw FormatError(file + ": header (bytes 8.." + std::to_string(8 + header_len) + "), key '" + k +
                      "': " + what);
  }
};

struct TooDeep {};

uint64_t read_u64_le(const std::byte* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

struct Entry {
  std::string name;
  uint64_t begin = 0, end = 0;
};

}  // namespace

size_t dtype_bytes(const std::string& dtype) {
  const int n = dtype_bytes_or_zero(dtype);
  if (n == 0)
    throw FormatError("unknown safetensors dtype '" + dtype +
                      "' (known: F64 F32 F16 BF16 I64 I32 I16 I8 U8 BOOL)");
  return static_cast<size_t>(n);
}

std::vector<std::byte> encode_safetensors(const std::vector<TensorView>& tensors,
                                          const std::map<std::string, std::string>& metadata) {
  Json header = Json::object();
  if (!metadata.empty()) {
    Json meta = Json::object();
    for (const auto& [k, v] : metadata) meta[k] = v;
    header[kMetadataKey] = std::move(meta);
  }
  uint64_t offset = 0;
  for (const TensorView& t : tensors) {
    if (t.name.empty()) bad_argument("tensor with an empty name");
    if (t.name == kMetadataKey) bad_argument("tensor name '__metadata__' is reserved");
    if (header.contains(t.name)) bad_argument("duplicate tensor name '" + t.name + "'");
    const int esize = dtype_bytes_or_zero(t.dtype);
    if (esize == 0) bad_argument("tensor '" + t.name + "': unknown dtype '" + t.dtype + "'");
    for (const int64_t d : t.shape)
      if (d < 0) bad_argument("tensor '" + t.name + "': negative dim in shape " + shape_string(t.shape));
    uint64_t nbytes = 0;
    if (!checked_nbytes(t.shape, static_cast<uint64_t>(esize), &nbytes))
      bad_argument("tensor '" + t.name + "': element count of shape " + shape_string(t.shape) + " overflows");
    if (nbytes != t.nbytes)
      bad_argument("tensor '" + t.name + "': nbytes " + std::to_string(t.nbytes) + " != " +
                   std::to_string(nbytes) + " for shape " + shape_string(t.shape) + " of " + t.dtype);
    if (nbytes > 0 && t.data == nullptr) bad_argument("tensor '" + t.name + "': null data");
    Json entry = Json::object();
    entry["dtype"] = t.dtype;
    entry["shape"] = t.shape;
    entry["data_offsets"] = Json::array({offset, offset + nbytes});
    header[t.name] = std::move(entry);
    offset += nbytes;
  }
  std::string text;
  try {
    text = header.dump();
  } catch (const Json::exception& e) {  // names or metadata that are not valid UTF-8
    bad_argument(std::string("header is not valid UTF-8: ") + e.what());
  }
  text.append((8 - text.size() % 8) % 8, ' ');

  std::vector<std::byte> out(8 + text.size() + offset);
  const uint64_t n = text.size();
  for (int i = 0; i < 8; ++i) out[static_cast<size_t>(i)] = static_cast<std::byte>((n >> (8 * i)) & 0xff);
  std::memcpy(out.data() + 8, text.data(), text.size());
  std::byte* data = out.data() + 8 + text.size();
  for (const TensorView& t : tensors) {
    if (t.nbytes > 0) std::memcpy(data, t.data, t.nbytes);
    data += t.nbytes;
  }
  return out;
}

void write_safetensors(const std::string& path, const std::vector<TensorView>& tensors,
                       const std::map<std::string, std::string>& metadata) {
  write_file_atomic(path, encode_safetensors(tensors, metadata));
}

SafetensorsFile decode_safetensors(std::span<const std::byte> bytes, const std::string& name) {
  if (bytes.size() < 8)
    throw FormatError(name + ": byte offset 0: file is " + std::to_string(bytes.size()) +
                      " bytes, shorter than the 8-byte header length");
  const uint64_t header_len = read_u64_le(bytes.data());
  const Context ctx{name, header_len};
  if (header_len > kMaxHeaderBytes)
    ctx.at(0, "header length " + std::to_string(header_len) + " is absurd (limit " +
                  std::to_string(kMaxHeaderBytes) + ")");
  if (header_len > bytes.size() - 8)
    ctx.at(0, "header length " + std::to_string(header_len) + " exceeds the " +
                  std::to_string(bytes.size() - 8) + " bytes after the length field (file size " +
                  std::to_string(bytes.size()) + ")");
  const uint64_t data_start = 8 + header_len;
  const uint64_t data_size = bytes.size() - data_start;

  // Parse the header. The depth callback keeps hostile nesting from costing
  // more than a flat header would.
  const char* text = reinterpret_cast<const char*>(bytes.data() + 8);
  Json header;
  try {
    header = Json::parse(text, text + header_len, [](int depth, Json::parse_event_t, Json&) {
      if (depth > kMaxJsonDepth) throw TooDeep{};
      return true;
    });
  } catch (const Json::parse_error& e) {
    const uint64_t off = 8 + (e.byte > 0 ? e.byte - 1 : 0);
    ctx.at(off, std::string("header is not valid JSON: ") + e.what());
  } catch (const TooDeep&) {
    ctx.at(8, "header JSON nests deeper than " + std::to_string(kMaxJsonDepth) + " levels");
  }
  if (!header.is_object()) ctx.at(8, std::string("header JSON is a ") + header.type_name() + ", not an object");

  SafetensorsFile out;
  std::vector<Entry> entries;
  for (const auto& [key, value] : header.items()) {
    if (key == kMetadataKey) {
      if (!value.is_object()) ctx.key(key, std::string("must be an object, is a ") + value.type_name());
      for (const auto& [mk, mv] : value.items()) {
        if (!mv.is_string())
          ctx.key(key, "metadata value for '" + mk + "' is a " + mv.type_name() + ", not a string");
        out.metadata[mk] = mv.get<std::string>();
      }
      continue;
    }
    if (!value.is_object()) ctx.key(key, std::string("tensor entry must be an object, is a ") + value.type_name());
    const auto dt = value.find("dtype");
    const auto sh = value.find("shape");
    const auto of = value.find("data_offsets");
    if (dt == value.end()) ctx.key(key, "missing 'dtype'");
    if (sh == value.end()) ctx.key(key, "missing 'shape'");
    if (of == value.end()) ctx.key(key, "missing 'data_offsets'");
    if (!dt->is_string()) ctx.key(key, std::string("'dtype' must be a string, is a ") + dt->type_name());
    if (!sh->is_array()) ctx.key(key, std::string("'shape' must be an array, is a ") + sh->type_name());
    if (!of->is_array() || of->size() != 2)
      ctx.key(key, "'data_offsets' must be an array [begin, end], is " + of->dump());

    TensorData t;
    t.dtype = dt->get<std::string>();
    const int esize = dtype_bytes_or_zero(t.dtype);
    if (esize == 0)
      ctx.key(key, "unknown dtype '" + t.dtype + "' (known: F64 F32 F16 BF16 I64 I32 I16 I8 U8 BOOL)");
    for (const Json& d : *sh) {
      if (!d.is_number_integer()) ctx.key(key, "shape " + sh->dump() + " has a non-integer dim " + d.dump());
      if (d.is_number_unsigned() && d.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
        ctx.key(key, "shape " + sh->dump() + " has a dim too large for int64");
      const int64_t v = d.get<int64_t>();
      if (v < 0) ctx.key(key, "shape " + sh->dump() + " has a negative dim");
      t.shape.push_back(v);
    }
    uint64_t nbytes = 0;
    if (!checked_nbytes(t.shape, static_cast<uint64_t>(esize), &nbytes))
      ctx.key(key, "element count of shape " + sh->dump() + " overflows");
    for (const Json& o : *of)
      if (!o.is_number_unsigned())
        ctx.key(key, "data_offsets " + of->dump() + " must be non-negative integers");
    const uint64_t begin = (*of)[0].get<uint64_t>(), end = (*of)[1].get<uint64_t>();
    if (begin > end) ctx.key(key, "data_offsets " + of->dump() + " has begin > end");
    if (end > data_size)
      ctx.key(key, "data_offsets " + of->dump() + " run past the data buffer of " + std::to_string(data_size) +
                       " bytes (file offset " + std::to_string(data_start) + ".." + std::to_string(bytes.size()) +
                       "), truncated file?");
    if (end - begin != nbytes)
      ctx.key(key, "data_offsets " + of->dump() + " span " + std::to_string(end - begin) + " bytes but shape " +
                       sh->dump() + " of " + t.dtype + " needs " + std::to_string(nbytes));
    entries.push_back({key, begin, end});
    out.tensors[key] = std::move(t);
  }

  // Ranges must not overlap. Empty tensors occupy no bytes and overlap nothing.
  std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.begin < b.begin; });
  const Entry* prev = nullptr;
  for (const Entry& e : entries) {
    if (e.begin == e.end) continue;
    if (prev && e.begin < prev->end)
      ctx.at(data_start + e.begin, "tensors '" + prev->name + "' [" + std::to_string(prev->begin) + ", " +
                                       std::to_string(prev->end) + ") and '" + e.name + "' [" +
                                       std::to_string(e.begin) + ", " + std::to_string(e.end) +
                                       ") overlap in the data buffer");
    prev = &e;
  }
  for (const Entry& e : entries) {
    const std::byte* p = bytes.data() + data_start + e.begin;
    out.tensors[e.name].bytes.assign(p, p + (e.end - e.begin));
    out.order.push_back(e.name);
  }
  return out;
}

SafetensorsFile read_safetensors(const std::string& path) {
  const std::vector<std::byte> bytes = read_file_bytes(path);
  return decode_safetensors(bytes, path);
}

}  // namespace gan::io
