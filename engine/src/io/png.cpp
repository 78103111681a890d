// libpng reports errors by longjmp to png_jmpbuf. longjmp over a C++ frame with
// live non-trivial objects is undefined, so every libpng call that may error
// lives in a *_steps() function whose locals are all trivial; containers are
// owned by the caller and only reached through pointers. Our callbacks never
// let a C++ exception cross libpng's C frames: they record the failure and call
// png_error instead.
#include "gan/io/png.h"

#include <csetjmp>
#include <cstring>
#include <png.h>
#include <stdexcept>

namespace gan::io {
namespace {

constexpr uint32_t kMaxDim = 1u << 15;
constexpr uint64_t kMaxPixels = 1ull << 26;  // 64 Mpixel: far above any GAN image

struct ErrorSink {
  char message[256] = {0};
};

void on_error(png_structp png, png_const_charp msg) {
  auto* sink = static_cast<ErrorSink*>(png_get_error_ptr(png));
  std::strncpy(sink->message, msg ? msg : "unknown libpng error", sizeof sink->message - 1);
  png_longjmp(png, 1);
}
void on_warning(png_structp, png_const_charp) {}  // libpng warnings are not errors for us

// ---- writing ----

struct WriteSink {
  std::vector<uint8_t>* out;
};

void on_write(png_structp png, png_bytep data, png_size_t n) {
  auto* sink = static_cast<WriteSink*>(png_get_io_ptr(png));
  bool failed = false;
  try {
    sink->out->insert(sink->out->end(), data, data + n);
  } catch (...) {
    failed = true;
  }
  if (failed) png_error(png, "out of memory while encoding");
}
void on_flush(png_structp) {}

bool write_steps(png_structp png, png_infop info, const Image* img, png_bytep* rows) {
  if (setjmp(png_jmpbuf(png))) return false;
  const int color = img->channels == 1 ? PNG_COLOR_TYPE_GRAY
                    : img->channels == 3 ? PNG_COLOR_TYPE_RGB
                                         : PNG_COLOR_TYPE_RGB_ALPHA;
  png_set_IHDR(png, info, static_cast<png_uint_32>(img->width), static_cast<png_uint_32>(img->height), 8, color,
               PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  png_write_image(png, rows);
  png_write_end(png, nullptr);
  return true;
}

// ---- reading ----

struct ReadSource {
  const std::byte* data;
  size_t size;
  size_t pos;
};

void on_read(png_structp png, png_bytep out, png_size_t n) {
  auto* src = static_cast<ReadSource*>(png_get_io_ptr(png));
  if (n > src->size - src->pos) png_error(png, "unexpected end of file (truncated PNG)");
  std::memcpy(out, src->data + src->pos, n);
  src->pos += n;
}

struct Header {
  png_uint_32 width, height;
  int channels;
  size_t rowbytes;
  int passes;  // 1, or 7 for Adam7 interlacing
};

bool read_header_steps(png_structp png, png_infop info, Header* h) {
  if (setjmp(png_jmpbuf(png))) return false;
  png_set_user_limits(png, kMaxDim, kMaxDim);
  png_set_sig_bytes(png, 8);
  png_read_info(png, info);
  const int depth = png_get_bit_depth(png, info);
  const int color = png_get_color_type(png, info);
  if (color == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
  if (color == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(png);
  if (png_get_valid(png, info, PNG_INFO_tRNS)) png_set_tRNS_to_alpha(png);
  if (depth == 16) png_set_scale_16(png);
  // Gray+alpha has no Image layout of its own: widen to RGBA.
  const bool has_alpha = (color & PNG_COLOR_MASK_ALPHA) || png_get_valid(png, info, PNG_INFO_tRNS);
  if (!(color & PNG_COLOR_MASK_COLOR) && has_alpha) png_set_gray_to_rgb(png);
  h->passes = png_set_interlace_handling(png);
  png_read_update_info(png, info);
  h->width = png_get_image_width(png, info);
  h->height = png_get_image_height(png, info);
  h->channels = png_get_channels(png, info);
  h->rowbytes = png_get_rowbytes(png, info);
  return true;
}

// Non-interlaced images grow the buffer row by row, so a hostile header that
// claims a huge image costs only as much memory as the data actually decoded.
bool read_rows_steps(png_structp png, const Header* h, std::vector<uint8_t>* pixels) {
  if (setjmp(png_jmpbuf(png))) return false;
  if (h->passes > 1) {
    // Each Adam7 pass revisits every row, so the whole image is needed up front.
    pixels->resize(h->rowbytes * h->height);
    for (int pass = 0; pass < h->passes; ++pass)
      for (png_uint_32 y = 0; y < h->height; ++y) png_read_row(png, pixels->data() + y * h->rowbytes, nullptr);
  } else {
    for (png_uint_32 y = 0; y < h->height; ++y) {
      pixels->resize((y + 1) * h->rowbytes);
      png_read_row(png, pixels->data() + y * h->rowbytes, nullptr);
    }
  }
  png_read_end(png, nullptr);
  return true;
}

}  // namespace

void write_png(const std::string& path, const Image& img) {
  if (img.width <= 0 || img.height <= 0 || static_cast<uint32_t>(img.width) > kMaxDim ||
      static_cast<uint32_t>(img.height) > kMaxDim)
    throw std::invalid_argument("write_png " + path + ": bad size " + std::to_string(img.width) + "x" +
                                std::to_string(img.height));
  if (img.channels != 1 && img.channels != 3 && img.channels != 4)
    throw std::invalid_argument("write_png " + path + ": channels must be 1, 3 or 4, got " +
                                std::to_string(img.channels));
  const size_t stride = static_cast<size_t>(img.width) * static_cast<size_t>(img.channels);
  if (img.pixels.size() != stride * static_cast<size_t>(img.height))
    throw std::invalid_argument("write_png " + path + ": pixels.size() " + std::to_string(img.pixels.size()) +
                                " != " + std::to_string(img.width) + "*" + std::to_string(img.height) + "*" +
                                std::to_string(img.channels));

  ErrorSink err;
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &err, on_error, on_warning);
  if (!png) throw std::runtime_error("write_png " + path + ": png_create_write_struct failed");
  png_infop info = png_create_info_struct(png);
  struct Guard {
    png_structp* png;
    png_infop* info;
    ~Guard() { png_destroy_write_struct(png, info); }
  } guard{&png, &info};
  if (!info) throw std::runtime_error("write_png " + path + ": png_create_info_struct failed");

  std::vector<uint8_t> encoded;
  WriteSink sink{&encoded};
  png_set_write_fn(png, &sink, on_write, on_flush);
  std::vector<png_bytep> rows(static_cast<size_t>(img.height));
  for (size_t y = 0; y < rows.size(); ++y) rows[y] = const_cast<png_bytep>(img.pixels.data() + y * stride);
  if (!write_steps(png, info, &img, rows.data()))
    throw std::runtime_error("write_png " + path + ": libpng: " + err.message);
  write_file_atomic(path, std::as_bytes(std::span<const uint8_t>(encoded)));
}

Image read_png(const std::string& path) {
  const std::vector<std::byte> bytes = read_file_bytes(path);
  if (bytes.size() < 8 || png_sig_cmp(reinterpret_cast<png_const_bytep>(bytes.data()), 0, 8) != 0)
    throw FormatError(path + ": byte offset 0: not a PNG file (bad signature)");

  ErrorSink err;
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &err, on_error, on_warning);
  if (!png) throw std::runtime_error("read_png " + path + ": png_create_read_struct failed");
  png_infop info = png_create_info_struct(png);
  struct Guard {
    png_structp* png;
    png_infop* info;
    ~Guard() { png_destroy_read_struct(png, info, nullptr); }
  } guard{&png, &info};
  if (!info) throw std::runtime_error("read_png " + path + ": png_create_info_struct failed");

  ReadSource src{bytes.data(), bytes.size(), 8};
  png_set_read_fn(png, &src, on_read);
  Header h{};
  if (!read_header_steps(png, info, &h))
    throw FormatError(path + ": byte offset " + std::to_string(src.pos) + ": corrupt PNG header: " + err.message);
  if (h.channels != 1 && h.channels != 3 && h.channels != 4)
    throw FormatError(path + ": unsupported PNG layout with " + std::to_string(h.channels) + " channels");
  if (static_cast<uint64_t>(h.width) * h.height > kMaxPixels)
    throw FormatError(path + ": image " + std::to_string(h.width) + "x" + std::to_string(h.height) +
                      " is larger than the limit of " + std::to_string(kMaxPixels) + " pixels");
  if (h.rowbytes != static_cast<size_t>(h.width) * static_cast<size_t>(h.channels))
    throw FormatError(path + ": unexpected row size " + std::to_string(h.rowbytes) + " after 8-bit conversion");

  Image img;
  if (!read_rows_steps(png, &h, &img.pixels))
    throw FormatError(path + ": byte offset " + std::to_string(src.pos) + ": corrupt PNG data: " + err.message);
  img.width = static_cast<int>(h.width);
  img.height = static_cast<int>(h.height);
  img.channels = h.channels;
  return img;
}

}  // namespace gan::io
