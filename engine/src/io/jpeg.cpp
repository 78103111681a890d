// libjpeg reports errors through error_exit, which must not return: we
// longjmp out of it. longjmp over a C++ frame with live non-trivial objects is
// undefined, so every libjpeg call that may error lives in a *_steps()
// function whose locals are all trivial; containers are owned by the caller
// and only reached through pointers (the same rule as png.cpp).
#include "gan/io/jpeg.h"

#include <algorithm>
#include <cctype>
#include <csetjmp>
#include <cstdio>  // jpeglib.h needs FILE and size_t first
#include <cstdlib>
#include <cstring>
#include <span>
#include <stdexcept>

#include <jpeglib.h>

namespace gan::io {
namespace {

constexpr JDIMENSION kMaxDim = 1u << 15;
constexpr uint64_t kMaxPixels = 1ull << 26;  // 64 Mpixel, as read_png

struct ErrorSink {
  jpeg_error_mgr mgr;  // first member: libjpeg hands us a jpeg_error_mgr*
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

[[noreturn]] void on_error(j_common_ptr cinfo) {
  auto* sink = reinterpret_cast<ErrorSink*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, sink->message);
  std::longjmp(sink->jump, 1);
}

// msg_level -1 is a warning (corrupt data the decoder papers over); higher
// levels are trace messages. A warning is an error for us.
void on_message(j_common_ptr cinfo, int msg_level) {
  if (msg_level < 0) on_error(cinfo);
}

ErrorSink* init_errors(ErrorSink* sink) {
  jpeg_std_error(&sink->mgr);
  sink->mgr.error_exit = on_error;
  sink->mgr.emit_message = on_message;
  sink->message[0] = '\0';
  return sink;
}

// ---- reading ----

struct Header {
  JDIMENSION width, height;
  int channels;
  J_COLOR_SPACE jpeg_space;
};

bool read_header_steps(jpeg_decompress_struct* cinfo, ErrorSink* err, const unsigned char* data,
                       unsigned long size, Header* h) {
  if (setjmp(err->jump)) return false;
  jpeg_mem_src(cinfo, data, size);
  jpeg_read_header(cinfo, TRUE);
  h->jpeg_space = cinfo->jpeg_color_space;
  if (h->jpeg_space == JCS_CMYK || h->jpeg_space == JCS_YCCK) return true;  // rejected by the caller
  cinfo->out_color_space = cinfo->num_components == 1 ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_calc_output_dimensions(cinfo);
  h->width = cinfo->output_width;
  h->height = cinfo->output_height;
  h->channels = cinfo->output_components;
  return true;
}

// Rows are decoded one at a time into the caller's buffer, sized from the
// (already limit-checked) header.
bool read_rows_steps(jpeg_decompress_struct* cinfo, ErrorSink* err, std::vector<uint8_t>* pixels) {
  if (setjmp(err->jump)) return false;
  jpeg_start_decompress(cinfo);
  const size_t stride = static_cast<size_t>(cinfo->output_width) * static_cast<size_t>(cinfo->output_components);
  while (cinfo->output_scanline < cinfo->output_height) {
    JSAMPROW row = pixels->data() + static_cast<size_t>(cinfo->output_scanline) * stride;
    jpeg_read_scanlines(cinfo, &row, 1);
  }
  jpeg_finish_decompress(cinfo);
  return true;
}

// How far the decoder had read when it stopped: the byte offset in errors.
size_t offset_of(const jpeg_decompress_struct& cinfo, size_t size) {
  return cinfo.src ? size - cinfo.src->bytes_in_buffer : 0;
}

// ---- writing ----

struct Encoded {
  unsigned char* data = nullptr;  // malloc'ed by libjpeg's memory destination
  unsigned long size = 0;
};

bool write_steps(jpeg_compress_struct* cinfo, ErrorSink* err, const Image* img, int quality, Encoded* out) {
  if (setjmp(err->jump)) return false;
  jpeg_mem_dest(cinfo, &out->data, &out->size);
  cinfo->image_width = static_cast<JDIMENSION>(img->width);
  cinfo->image_height = static_cast<JDIMENSION>(img->height);
  cinfo->input_components = img->channels;
  cinfo->in_color_space = img->channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_set_defaults(cinfo);
  jpeg_set_quality(cinfo, quality, TRUE);
  jpeg_start_compress(cinfo, TRUE);
  const size_t stride = static_cast<size_t>(img->width) * static_cast<size_t>(img->channels);
  while (cinfo->next_scanline < cinfo->image_height) {
    JSAMPROW row = const_cast<JSAMPROW>(img->pixels.data() + cinfo->next_scanline * stride);
    jpeg_write_scanlines(cinfo, &row, 1);
  }
  jpeg_finish_compress(cinfo);
  return true;
}

}  // namespace

bool is_jpeg_name(const std::string& path) {
  const size_t dot = path.find_last_of('.');
  if (dot == std::string::npos || path.find('/', dot) != std::string::npos) return false;
  std::string ext = path.substr(dot);
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext == ".jpg" || ext == ".jpeg";
}

Image read_jpeg(const std::string& path) {
  const std::vector<std::byte> bytes = read_file_bytes(path);
  // Every JPEG starts with the SOI marker FF D8.
  if (bytes.size() < 3 || bytes[0] != std::byte{0xFF} || bytes[1] != std::byte{0xD8})
    throw FormatError(path + ": byte offset 0: not a JPEG file (no SOI marker FF D8)");

  ErrorSink err;
  jpeg_decompress_struct cinfo{};
  cinfo.err = &init_errors(&err)->mgr;
  jpeg_create_decompress(&cinfo);
  struct Guard {
    jpeg_decompress_struct* c;
    ~Guard() { jpeg_destroy_decompress(c); }
  } guard{&cinfo};

  const auto* data = reinterpret_cast<const unsigned char*>(bytes.data());
  Header h{};
  if (!read_header_steps(&cinfo, &err, data, static_cast<unsigned long>(bytes.size()), &h))
    throw FormatError(path + ": byte offset " + std::to_string(offset_of(cinfo, bytes.size())) +
                      ": corrupt JPEG header: " + err.message);
  if (h.jpeg_space == JCS_CMYK || h.jpeg_space == JCS_YCCK)
    throw FormatError(path + ": CMYK JPEG is not supported (convert it to RGB or grayscale)");
  if (h.width > kMaxDim || h.height > kMaxDim || static_cast<uint64_t>(h.width) * h.height > kMaxPixels)
    throw FormatError(path + ": image " + std::to_string(h.width) + "x" + std::to_string(h.height) +
                      " is larger than the limit of " + std::to_string(kMaxPixels) + " pixels");
  if (h.channels != 1 && h.channels != 3)
    throw FormatError(path + ": unsupported JPEG with " + std::to_string(h.channels) + " output channels");

  Image img;
  img.pixels.resize(static_cast<size_t>(h.width) * h.height * static_cast<size_t>(h.channels));
  if (!read_rows_steps(&cinfo, &err, &img.pixels))
    throw FormatError(path + ": byte offset " + std::to_string(offset_of(cinfo, bytes.size())) +
                      ": corrupt JPEG data: " + err.message);
  img.width = static_cast<int>(h.width);
  img.height = static_cast<int>(h.height);
  img.channels = h.channels;
  return img;
}

void write_jpeg(const std::string& path, const Image& img, int quality) {
  if (img.width <= 0 || img.height <= 0 || static_cast<JDIMENSION>(img.width) > kMaxDim ||
      static_cast<JDIMENSION>(img.height) > kMaxDim)
    throw std::invalid_argument("write_jpeg " + path + ": bad size " + std::to_string(img.width) + "x" +
                                std::to_string(img.height));
  if (img.channels != 1 && img.channels != 3)
    throw std::invalid_argument("write_jpeg " + path + ": channels must be 1 or 3, got " +
                                std::to_string(img.channels));
  if (quality < 1 || quality > 100)
    throw std::invalid_argument("write_jpeg " + path + ": quality must be in 1..100, got " + std::to_string(quality));
  const size_t expect = static_cast<size_t>(img.width) * img.height * static_cast<size_t>(img.channels);
  if (img.pixels.size() != expect)
    throw std::invalid_argument("write_jpeg " + path + ": pixels.size() " + std::to_string(img.pixels.size()) +
                                " != " + std::to_string(img.width) + "*" + std::to_string(img.height) + "*" +
                                std::to_string(img.channels));
  ErrorSink err;
  jpeg_compress_struct cinfo{};
  cinfo.err = &init_errors(&err)->mgr;
  jpeg_create_compress(&cinfo);
  Encoded out;
  struct Guard {
    jpeg_compress_struct* c;
    Encoded* e;
    ~Guard() {
      jpeg_destroy_compress(c);
      std::free(e->data);
    }
  } guard{&cinfo, &out};
  if (!write_steps(&cinfo, &err, &img, quality, &out))
    throw std::runtime_error("write_jpeg " + path + ": libjpeg: " + err.message);
  write_file_atomic(path, std::as_bytes(std::span<const unsigned char>(out.data, out.size)));
}

}  // namespace gan::io
