// Image batches -> 8-bit pictures: sample grids of a training run and single
// images for the CLI. [-1, 1] maps linearly onto [0, 255].
#include <algorithm>
#include <cmath>

#include "gan/models/trainer.h"

namespace gan::models {

namespace {

uint8_t to_u8(float v) {
  if (!(v == v)) return 0;  // NaN -> black
  const float x = std::round((v + 1.0f) * 127.5f);
  return static_cast<uint8_t>(std::clamp(x, 0.0f, 255.0f));
}

void check_images(const char* fn, const Tensor& images) {
  GAN_CHECK(images.dim() == 4 && (images.size(1) == 1 || images.size(1) == 3) && images.dtype() == DType::f32,
            fn, ": expected f32 images [N, 1 or 3, H, W], got ", images.str());
}

}  // namespace

io::Image make_image_grid(const Tensor& images, int64_t nrow, int64_t padding) {
  check_images("make_image_grid", images);
  GAN_CHECK(padding >= 0 && nrow >= 0, "make_image_grid: nrow and padding must be >= 0");
  const int64_t n = images.size(0), c = images.size(1), h = images.size(2), w = images.size(3);
  GAN_CHECK(n >= 1, "make_image_grid: no images");
  const int64_t cols = nrow > 0 ? std::min(nrow, n) : static_cast<int64_t>(std::ceil(std::sqrt(double(n))));
  const int64_t rows = (n + cols - 1) / cols;
  io::Image img;
  img.width = static_cast<int>(cols * (w + padding) + padding);
  img.height = static_cast<int>(rows * (h + padding) + padding);
  img.channels = static_cast<int>(c);
  img.pixels.assign(static_cast<size_t>(img.width) * static_cast<size_t>(img.height) * static_cast<size_t>(c), 0);
  const float* src = images.data<float>();
  for (int64_t i = 0; i < n; ++i) {
    const int64_t x0 = padding + (i % cols) * (w + padding), y0 = padding + (i / cols) * (h + padding);
    for (int64_t k = 0; k < c; ++k)
      for (int64_t y = 0; y < h; ++y)
        for (int64_t x = 0; x < w; ++x)
          img.pixels[static_cast<size_t>(((y0 + y) * img.width + x0 + x) * c + k)] =
              to_u8(src[((i * c + k) * h + y) * w + x]);
  }
  return img;
}

io::Image tensor_to_image(const Tensor& images, int64_t index) {
  check_images("tensor_to_image", images);
  GAN_CHECK(index >= 0 && index < images.size(0), "tensor_to_image: index ", index, " outside [0, ",
            images.size(0), ")");
  return make_image_grid(images.narrow0(index, 1), 1, 0);
}

}  // namespace gan::models
