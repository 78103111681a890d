// IDX datasets in memory and the shuffling, prefetching Loader of data.h.
#include "gan/models/data.h"

#include <algorithm>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <thread>

#include "gan/autograd.h"
#include "gan/io/idx.h"
#include "gan/io/jpeg.h"
#include "gan/io/png.h"
#include "gan/ops.h"

namespace gan::models {

// ---- IDX datasets ---------------------------------------------------------------

namespace {

io::IdxArray read_idx_or_throw(const std::string& path, const char* what) {
  try {
    return io::read_idx(path);
  } catch (const io::FormatError& e) {
    // The io message already names the file and the byte offset.
    throw Error(std::string("dataset ") + what + ": " + e.what());
  }
}

}  // namespace

Dataset load_idx_dataset(const std::string& images_path, const std::string& labels_path, int64_t limit) {
  const io::IdxArray img = read_idx_or_throw(images_path, "images");
  const auto& s = img.shape;
  GAN_CHECK(s.size() == 3 || s.size() == 4, "dataset images: ", images_path,
            ": expected an IDX array [N, H, W] or [N, H, W, C], got ", shape_str(s));
  GAN_CHECK(s[0] > 0, "dataset images: ", images_path, ": no images (shape ", shape_str(s), ")");
  const int64_t n_file = s[0], h = s[1], w = s[2], c = s.size() == 4 ? s[3] : 1;
  const int64_t n = limit > 0 ? std::min(limit, n_file) : n_file;

  Dataset d;
  d.source = images_path;
  d.images = Tensor::empty({n, c, h, w});
  float* out = d.images.data<float>();
  const uint8_t* in = img.data.data();
  // [N, H, W, C] u8 -> [N, C, H, W] f32 in [-1, 1].
  for (int64_t i = 0; i < n; ++i)
    for (int64_t y = 0; y < h; ++y)
      for (int64_t x = 0; x < w; ++x)
        for (int64_t k = 0; k < c; ++k)
          out[((i * c + k) * h + y) * w + x] =
              static_cast<float>(in[((i * h + y) * w + x) * c + k]) / 127.5f - 1.0f;

  if (!labels_path.empty()) {
    const io::IdxArray lab = read_idx_or_throw(labels_path, "labels");
    GAN_CHECK(lab.shape.size() == 1, "dataset labels: ", labels_path, ": expected an IDX array [N], got ",
              shape_str(lab.shape));
    GAN_CHECK(lab.shape[0] == n_file, "dataset: ", labels_path, " has ", lab.shape[0], " labels but ", images_path,
              " has ", n_file, " images");
    std::vector<int64_t> v(lab.data.begin(), lab.data.begin() + n);
    d.num_classes = 1 + *std::max_element(v.begin(), v.end());  // u8 labels: at most 256 classes
    d.labels = Tensor::from_data({n}, v);
  }
  return d;
}

Dataset resize_dataset(const Dataset& data, int64_t size) {
  GAN_CHECK(size > 0, "resize_dataset: size must be > 0, got ", size);
  if (data.height() == size && data.width() == size) return data;
  NoGradGuard ng;
  Dataset out = data;
  const int64_t n = data.size(), chunk = 1024;  // bounds the temporaries
  std::vector<Tensor> parts;
  for (int64_t i = 0; i < n; i += chunk)
    parts.push_back(ops::upsample_bilinear2d(data.images.narrow0(i, std::min(chunk, n - i)), size, size));
  out.images = parts.size() == 1 ? parts[0] : ops::cat(parts, 0);
  out.images = ops::clamp(out.images, -1.0, 1.0);
  return out;
}

// ---- image folders ---------------------------------------------------------------

namespace {

std::string lower_ext(const std::filesystem::path& p) {
  std::string e = p.extension().string();
  for (char& ch : e) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return e;
}

// io::Image (interleaved u8) -> [1, channels, H, W] f32 in [-1, 1].
Tensor image_to_tensor(const io::Image& img, int64_t channels) {
  const int64_t h = img.height, w = img.width, c = img.channels;
  Tensor t = Tensor::empty({1, channels, h, w});
  float* out = t.data<float>();
  for (int64_t y = 0; y < h; ++y)
    for (int64_t x = 0; x < w; ++x) {
      const uint8_t* px = &img.pixels[static_cast<size_t>((y * w + x) * c)];
      const bool gray_in = c < 3;  // 1 (gray) or 2 (gray + alpha)
      for (int64_t k = 0; k < channels; ++k) {
        float v;
        if (channels == 1 && !gray_in) {
          v = 0.299f * px[0] + 0.587f * px[1] + 0.114f * px[2];  // ITU-R BT.601 luma
        } else {
          v = gray_in ? px[0] : px[std::min<int64_t>(k, 2)];
        }
        out[(k * h + y) * w + x] = v / 127.5f - 1.0f;
      }
    }
  return t;
}

}  // namespace

namespace {

// The image files (.png, .jpg, .jpeg in any case) of one folder, not
// recursive, sorted by name; other files are skipped.
std::vector<std::filesystem::path> image_files(const std::filesystem::path& dir) {
  namespace fs = std::filesystem;
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    const std::string ext = lower_ext(e.path());
    if (ext == ".png" || ext == ".jpg" || ext == ".jpeg") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

// One file -> [1, channels, size, size] in [-1, 1]; the decoder is chosen by
// the file name (io::is_jpeg_name), and a file that is not what its name says
// is an error naming it.
Tensor load_image_as_tensor(const std::filesystem::path& f, int64_t size, int64_t channels) {
  io::Image img;
  try {
    img = io::is_jpeg_name(f.string()) ? io::read_jpeg(f.string()) : io::read_png(f.string());
  } catch (const io::FormatError& e) {
    throw Error(std::string("image folder: ") + e.what());
  }
  Tensor t = image_to_tensor(img, channels);
  if (img.height != size || img.width != size) t = ops::clamp(ops::upsample_bilinear2d(t, size, size), -1.0, 1.0);
  return t;
}

}  // namespace

Dataset load_image_folder(const std::string& dir, int64_t size, int64_t channels, int64_t limit) {
  namespace fs = std::filesystem;
  GAN_CHECK(channels == 1 || channels == 3, "image folder ", dir, ": channels must be 1 or 3, got ", channels);
  GAN_CHECK(size > 0, "image folder ", dir, ": size must be > 0, got ", size);
  GAN_CHECK(fs::is_directory(dir), "image folder ", dir, ": no such directory");
  // Images directly in the folder: unlabelled. Otherwise one subfolder per
  // class (sorted folder names are the classes 0, 1, ...), as torchvision's ImageFolder.
  std::vector<fs::path> files = image_files(dir);
  std::vector<int64_t> labels;
  Dataset d;
  if (files.empty()) {
    std::vector<fs::path> classes;
    for (const auto& e : fs::directory_iterator(dir))
      if (e.is_directory()) classes.push_back(e.path());
    std::sort(classes.begin(), classes.end());
    for (const fs::path& c : classes) {
      const std::vector<fs::path> f = image_files(c);
      GAN_CHECK(!f.empty(), "image folder ", dir, ": class folder ", c.filename().string(), " has no .png/.jpg files");
      d.class_names.push_back(c.filename().string());
      for (const fs::path& p : f) {
        files.push_back(p);
        labels.push_back(static_cast<int64_t>(d.class_names.size()) - 1);
      }
    }
  }
  GAN_CHECK(!files.empty(), "image folder ", dir, ": no .png/.jpg files (and no class subfolders holding some)");
  if (limit > 0 && static_cast<int64_t>(files.size()) > limit) {
    files.resize(static_cast<size_t>(limit));
    if (!labels.empty()) labels.resize(static_cast<size_t>(limit));
  }

  NoGradGuard ng;
  std::vector<Tensor> images;
  for (const auto& f : files) images.push_back(load_image_as_tensor(f, size, channels));
  d.source = dir;
  d.images = ops::cat(images, 0);
  if (!labels.empty()) {
    d.num_classes = static_cast<int64_t>(d.class_names.size());
    d.labels = Tensor::from_data({static_cast<int64_t>(labels.size())}, labels);
  }
  return d;
}

Dataset load_dataset(const std::string& path, int64_t size, int64_t channels, int64_t limit,
                     const std::string& labels_path) {
  if (std::filesystem::is_directory(path)) return load_image_folder(path, size, channels, limit);
  Dataset d = load_idx_dataset(path, labels_path, limit);
  GAN_CHECK(d.channels() == channels, "dataset ", path, " has ", d.channels(), " channel(s), expected ", channels);
  return resize_dataset(d, size);
}

void write_idx_u8(const std::string& path, const std::vector<int64_t>& shape, const std::vector<uint8_t>& data) {
  GAN_CHECK(!shape.empty() && shape.size() < 256, "write_idx_u8: bad rank ", shape.size());
  GAN_CHECK(static_cast<int64_t>(data.size()) == shape_numel(shape), "write_idx_u8: ", data.size(),
            " bytes for shape ", shape_str(shape));
  std::ofstream f(path, std::ios::binary);
  GAN_CHECK(f.good(), "write_idx_u8: cannot open ", path);
  const char head[4] = {0, 0, 0x08, static_cast<char>(shape.size())};
  f.write(head, 4);
  for (int64_t d : shape) {
    const uint32_t v = static_cast<uint32_t>(d);
    const char be[4] = {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
                        static_cast<char>(v)};
    f.write(be, 4);
  }
  f.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
  GAN_CHECK(f.good(), "write_idx_u8: write failed: ", path);
}

// ---- Loader ---------------------------------------------------------------------

// A batch being gathered on its own thread; result or exception after join().
struct Loader::Pending {
  int64_t epoch = 0, index = 0;
  Batch batch;
  std::exception_ptr error;
  std::thread thread;
};

Loader::Loader(std::shared_ptr<const Dataset> data, int64_t batch_size, uint64_t seed, bool drop_last, bool prefetch)
    : data_(std::move(data)), batch_size_(batch_size), drop_last_(drop_last), prefetch_(prefetch), gen_(seed) {
  GAN_CHECK(data_ && data_->size() > 0, "Loader: empty dataset");
  GAN_CHECK(batch_size > 0 && batch_size <= data_->size(), "Loader: batch size ", batch_size,
            " must be in [1, ", data_->size(), "] (the dataset size)");
  start_epoch();
}

Loader::~Loader() { join_prefetch(); }

int64_t Loader::batches_per_epoch() const {
  const int64_t n = data_->size();
  return drop_last_ ? n / batch_size_ : (n + batch_size_ - 1) / batch_size_;
}

void Loader::start_epoch() {
  // Fisher-Yates with one Generator draw per swap; records where the draw began.
  epoch_start_offset_ = gen_.offset();
  const int64_t n = data_->size();
  auto perm = std::make_shared<std::vector<int64_t>>(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) (*perm)[static_cast<size_t>(i)] = i;
  for (int64_t i = n - 1; i > 0; --i) {
    const auto j = static_cast<int64_t>(gen_.randint(static_cast<uint64_t>(i + 1)));
    std::swap((*perm)[static_cast<size_t>(i)], (*perm)[static_cast<size_t>(j)]);
  }
  perm_ = std::move(perm);
}

Batch Loader::gather(int64_t epoch, int64_t index, const std::shared_ptr<const std::vector<int64_t>>& perm) const {
  // Plain copies into fresh tensors: no autograd and no shared state, safe off the main thread.
  const int64_t n = data_->size();
  const int64_t begin = index * batch_size_, count = std::min(batch_size_, n - begin);
  const Tensor& src = data_->images;
  const int64_t row = src.numel() / n;
  Batch b;
  b.epoch = epoch;
  b.index = index;
  b.images = Tensor::empty({count, src.size(1), src.size(2), src.size(3)});
  const float* in = src.data<float>();
  float* out = b.images.data<float>();
  for (int64_t i = 0; i < count; ++i)
    std::memcpy(out + i * row, in + (*perm)[static_cast<size_t>(begin + i)] * row,
                static_cast<size_t>(row) * sizeof(float));
  if (data_->labels.defined()) {
    b.labels = Tensor::empty({count}, {DType::i64});
    const int64_t* lin = data_->labels.data<int64_t>();
    int64_t* lout = b.labels.data<int64_t>();
    for (int64_t i = 0; i < count; ++i) lout[i] = lin[(*perm)[static_cast<size_t>(begin + i)]];
  }
  return b;
}

void Loader::launch_prefetch() {
  pending_ = std::make_unique<Pending>();
  Pending* p = pending_.get();
  p->epoch = epoch_;
  p->index = index_;
  p->thread = std::thread([this, p, perm = perm_] {
    try {
      p->batch = gather(p->epoch, p->index, perm);
    } catch (...) {
      p->error = std::current_exception();
    }
  });
}

void Loader::join_prefetch() {
  if (pending_ && pending_->thread.joinable()) pending_->thread.join();
}

Batch Loader::next() {
  Batch b;
  if (pending_ && pending_->epoch == epoch_ && pending_->index == index_) {
    join_prefetch();
    if (pending_->error) std::rethrow_exception(pending_->error);
    b = std::move(pending_->batch);
  } else {
    join_prefetch();
    b = gather(epoch_, index_, perm_);
  }
  pending_.reset();
  if (++index_ >= batches_per_epoch()) {
    ++epoch_;
    index_ = 0;
    start_epoch();
  }
  if (prefetch_) launch_prefetch();
  return b;
}

LoaderState Loader::state() const { return {epoch_, index_, gen_.seed(), epoch_start_offset_}; }

void Loader::set_state(const LoaderState& s) {
  GAN_CHECK(s.epoch >= 0 && s.index >= 0 && s.index < batches_per_epoch(), "Loader: state at batch ", s.index,
            " of epoch ", s.epoch, " is outside the ", batches_per_epoch(), " batches per epoch");
  join_prefetch();
  pending_.reset();
  gen_.set_state(s.gen_seed, s.gen_offset);
  epoch_ = s.epoch;
  index_ = s.index;
  start_epoch();  // redraws this epoch's permutation from the saved offset
}

}  // namespace gan::models
