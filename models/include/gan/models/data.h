// Image datasets and the training loader.
//
// A Dataset holds every image in memory as f32 [N, C, H, W] in [-1, 1] (u8 v
// maps to v / 127.5 - 1) with optional i64 labels [N]. The Loader yields
// batches forever: at the start of each epoch it draws a permutation from its
// own seeded gan::Generator (Fisher-Yates), and while the caller trains on one
// batch it gathers the next one on a background std::thread. A batch's content
// depends only on (seed, epoch, index), never on timing, and LoaderState
// captures the position so a resumed run sees the same batches.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "gan/random.h"
#include "gan/tensor.h"

namespace gan::models {

// Debian's dataset-fashion-mnist.
inline constexpr const char* kFashionMnistDir = "/usr/share/datasets/fashion-mnist";
inline constexpr const char* kFashionMnistTrainImages =
    "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz";
inline constexpr const char* kFashionMnistTrainLabels =
    "/usr/share/datasets/fashion-mnist/train-labels-idx1-ubyte.gz";
inline constexpr const char* kFashionMnistTestImages = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz";
inline constexpr const char* kFashionMnistTestLabels = "/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz";

struct Dataset {
  Tensor images;  // [N, C, H, W] f32 in [-1, 1]
  Tensor labels;  // [N] i64 in [0, num_classes) or -1 (unlabelled), or undefined
  int64_t num_classes = 0;  // 0 without labels
  std::vector<std::string> class_names;  // folder names of an image folder's classes, else empty
  std::string source;  // file the images came from (for messages)

  int64_t size() const { return images.defined() ? images.size(0) : 0; }
  int64_t channels() const { return images.size(1); }
  int64_t height() const { return images.size(2); }
  int64_t width() const { return images.size(3); }
};

// Reads u8 IDX images ([N, H, W] -> C = 1, or [N, H, W, C] channels-last) and,
// if labels_path is non-empty, u8 IDX labels [N]. `limit` > 0 keeps the first
// `limit` images. Errors are gan::Error naming the file and what is wrong:
// missing, truncated or malformed file (from io::read_idx), wrong rank, empty
// images, or a label count different from the image count (both counts named).
Dataset load_idx_dataset(const std::string& images_path, const std::string& labels_path = "", int64_t limit = 0);

// Every *.png, *.jpg and *.jpeg in `dir` (any case; not recursive, sorted by
// name; PNG through libpng, JPEG through libjpeg-turbo), converted to
// `channels` (1: luma of RGB; 3: gray replicated; alpha dropped) and resized
// bilinearly to size x size: no labels. A folder with no images but
// subfolders is labelled: one subfolder per class, classes numbered in the
// sorted order of the folder names (class_names). Errors name the folder or
// the file: missing folder, no image in it, an empty class folder, an
// unreadable image (with the byte offset). `limit` > 0 keeps the first
// `limit` files.
Dataset load_image_folder(const std::string& dir, int64_t size, int64_t channels, int64_t limit = 0);

// A directory -> load_image_folder(path, size, channels, limit); a file ->
// load_idx_dataset(path, labels_path, limit) resized to `size` (channel count checked).
Dataset load_dataset(const std::string& path, int64_t size, int64_t channels, int64_t limit = 0,
                     const std::string& labels_path = "");

// Semi-supervised data: keeps the labels of exactly `per_class` images of each
// class, chosen by a seeded draw (the same seed gives the same images), and
// sets every other label to -1. A class with fewer images than `per_class` is
// an error naming the class and both counts.
Dataset keep_labels_per_class(const Dataset& data, int64_t per_class, uint64_t seed);

// Bilinear resize of every image to size x size (e.g. Fashion-MNIST 28 -> 32 or
// 64 for the larger DCGANs). Returns `data` itself when the size already matches.
Dataset resize_dataset(const Dataset& data, int64_t size);

// Writes u8 IDX files (for tests and tools): images [N, H, W] (or [N, H, W, C])
// and labels [N]; plain, not gzipped.
void write_idx_u8(const std::string& path, const std::vector<int64_t>& shape, const std::vector<uint8_t>& data);

struct Batch {
  Tensor images;  // [B, C, H, W] f32
  Tensor labels;  // [B] i64, or undefined when the dataset has none
  int64_t epoch = 0;  // the epoch it came from, 0-based
  int64_t index = 0;  // its index within that epoch
};

// Where a loader stands: the next batch is batch `index` of epoch `epoch`, whose
// permutation is drawn from a Generator at (gen_seed, gen_offset).
struct LoaderState {
  int64_t epoch = 0;
  int64_t index = 0;
  uint64_t gen_seed = 0;
  uint64_t gen_offset = 0;
};

class Loader {
 public:
  // batch_size in [1, data.size()]; drop_last = false yields a final short batch
  // per epoch. prefetch = false gathers in the calling thread (same batches).
  Loader(std::shared_ptr<const Dataset> data, int64_t batch_size, uint64_t seed, bool drop_last = true,
         bool prefetch = true);
  ~Loader();
  Loader(const Loader&) = delete;
  Loader& operator=(const Loader&) = delete;

  Batch next();

  LoaderState state() const;              // position of the next batch to be returned
  void set_state(const LoaderState& s);   // continues from there (validates index)
  int64_t batches_per_epoch() const;
  int64_t batch_size() const { return batch_size_; }
  const Dataset& dataset() const { return *data_; }

 private:
  struct Pending;
  void start_epoch();                        // draws perm_ for epoch_ from gen_
  Batch gather(int64_t epoch, int64_t index, const std::shared_ptr<const std::vector<int64_t>>& perm) const;
  void launch_prefetch();
  void join_prefetch();

  std::shared_ptr<const Dataset> data_;
  int64_t batch_size_;
  bool drop_last_, prefetch_;
  Generator gen_;
  uint64_t epoch_start_offset_ = 0;          // gen_ offset before this epoch's draw
  int64_t epoch_ = 0, index_ = 0;            // the next batch to return
  std::shared_ptr<const std::vector<int64_t>> perm_;
  std::unique_ptr<Pending> pending_;         // the prefetched batch (epoch_, index_)
};

}  // namespace gan::models
