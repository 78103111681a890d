// Datasets from IDX files (values, errors that name the file) and the Loader
// (seeded shuffling, epochs as permutations, prefetch not changing content,
// exact continuation from a saved LoaderState).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "gan/io/jpeg.h"
#include "gan/io/png.h"
#include "gan/models/data.h"
#include "system_test_util.h"

namespace gan::models {
namespace {

namespace fs = std::filesystem;

std::string temp_dir(const std::string& name) {
  const std::string d = ::testing::TempDir() + "/gan_data_" + std::to_string(::getpid()) + "_" + name;
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

// n images of h x w: pixel (i, y, x) = (i * 7 + y * w + x) % 256; labels i % 10.
std::string write_images(const std::string& dir, int64_t n, int64_t h = 4, int64_t w = 4) {
  std::vector<uint8_t> px(static_cast<size_t>(n * h * w));
  for (int64_t i = 0; i < n; ++i)
    for (int64_t k = 0; k < h * w; ++k) px[static_cast<size_t>(i * h * w + k)] = static_cast<uint8_t>((i * 7 + k) % 256);
  const std::string p = dir + "/images.idx";
  write_idx_u8(p, {n, h, w}, px);
  return p;
}

std::string write_labels(const std::string& dir, int64_t n) {
  std::vector<uint8_t> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) v[static_cast<size_t>(i)] = static_cast<uint8_t>(i % 10);
  const std::string p = dir + "/labels.idx";
  write_idx_u8(p, {n}, v);
  return p;
}

using testing::error_of;

TEST(Dataset, LoadsIdxImagesAndLabelsInMinusOneToOne) {
  const std::string d = temp_dir("load");
  const Dataset ds = load_idx_dataset(write_images(d, 5), write_labels(d, 5));
  EXPECT_EQ(ds.images.shape(), (Shape{5, 1, 4, 4}));
  const auto v = ds.images.to_double_vector();
  EXPECT_FLOAT_EQ(v[0], -1.0f);                              // u8 0
  EXPECT_FLOAT_EQ(v[16 * 2 + 3], (2 * 7 + 3) / 127.5f - 1);  // image 2, pixel 3
  EXPECT_EQ(ds.labels.to_vector<int64_t>(), (std::vector<int64_t>{0, 1, 2, 3, 4}));
  EXPECT_EQ(load_idx_dataset(write_images(d, 5), "", 3).size(), 3);
}

TEST(Dataset, MissingFileIsAnErrorNamingIt) {
  const std::string msg = error_of([] { load_idx_dataset("/nonexistent/dir/train-images.gz"); });
  EXPECT_NE(msg.find("/nonexistent/dir/train-images.gz"), std::string::npos) << msg;
}

TEST(Dataset, TruncatedFileIsAnErrorNamingIt) {
  const std::string d = temp_dir("trunc");
  const std::string p = write_images(d, 5);
  fs::resize_file(p, fs::file_size(p) - 10);
  const std::string msg = error_of([&] { load_idx_dataset(p); });
  EXPECT_NE(msg.find(p), std::string::npos) << msg;
  EXPECT_NE(msg.find("truncated"), std::string::npos) << msg;
}

TEST(Dataset, MalformedFileIsAnErrorNamingIt) {
  const std::string d = temp_dir("bad");
  const std::string p = d + "/garbage.idx";
  std::ofstream(p) << "this is not an IDX file at all";
  const std::string msg = error_of([&] { load_idx_dataset(p); });
  EXPECT_NE(msg.find(p), std::string::npos) << msg;
  // A 1-D array is valid IDX but not images.
  const std::string p1 = write_labels(d, 4);
  const std::string msg1 = error_of([&] { load_idx_dataset(p1); });
  EXPECT_NE(msg1.find(p1), std::string::npos) << msg1;
}

TEST(Dataset, LabelCountMismatchNamesBothFilesAndCounts) {
  const std::string d = temp_dir("mismatch");
  const std::string ip = write_images(d, 10), lp = write_labels(d, 9);
  const std::string msg = error_of([&] { load_idx_dataset(ip, lp); });
  EXPECT_NE(msg.find(ip), std::string::npos) << msg;
  EXPECT_NE(msg.find(lp), std::string::npos) << msg;
  EXPECT_NE(msg.find("9 labels"), std::string::npos) << msg;
  EXPECT_NE(msg.find("10 images"), std::string::npos) << msg;
}

TEST(Dataset, ResizeKeepsRangeAndCount) {
  const std::string d = temp_dir("resize");
  const Dataset ds = resize_dataset(load_idx_dataset(write_images(d, 3)), 8);
  EXPECT_EQ(ds.images.shape(), (Shape{3, 1, 8, 8}));
  for (double v : ds.images.to_double_vector()) ASSERT_TRUE(v >= -1 && v <= 1);
}

TEST(ImageFolder, ReadsPngsConvertsChannelsAndResizes) {
  const std::string d = temp_dir("folder");
  for (int i = 0; i < 3; ++i) {
    io::Image img;
    img.width = 6, img.height = 6, img.channels = 3;
    img.pixels.assign(6 * 6 * 3, 0);
    for (size_t k = 0; k < img.pixels.size(); k += 3) img.pixels[k] = 255;  // pure red
    io::write_png(d + "/img" + std::to_string(i) + ".png", img);
  }
  const Dataset rgb = load_image_folder(d, 8, 3);
  EXPECT_EQ(rgb.images.shape(), (Shape{3, 3, 8, 8}));
  const auto v = rgb.images.to_double_vector();
  EXPECT_NEAR(v[0], 1.0, 1e-6);    // R
  EXPECT_NEAR(v[64], -1.0, 1e-6);  // G
  const Dataset gray = load_dataset(d, 6, 1, 2);
  EXPECT_EQ(gray.images.shape(), (Shape{2, 1, 6, 6}));
  EXPECT_NEAR(gray.images.to_double_vector()[0], 0.299 * 255 / 127.5 - 1, 1e-5);
  // Errors name the folder / file.
  EXPECT_NE(error_of([&] { load_image_folder(d + "/nope", 8, 1); }).find(d + "/nope"), std::string::npos);
  std::ofstream(d + "/broken.png") << "not a png";
  EXPECT_NE(error_of([&] { load_image_folder(d, 8, 1); }).find("broken.png"), std::string::npos);
  std::filesystem::remove(d + "/broken.png");
  std::ofstream(d + "/photo.jpg") << "not a jpeg";  // decoded by name: an error naming it
  EXPECT_NE(error_of([&] { load_image_folder(d, 8, 1); }).find("photo.jpg"), std::string::npos);
}

TEST(ImageFolder, ReadsJpegsBesideKnownPngsInClassFolders) {
  // Class "a": a PNG; class "b": a gray JPEG and an RGB .JPEG (any case).
  const std::string d = temp_dir("jpeg_classes");
  std::filesystem::create_directories(d + "/a");
  std::filesystem::create_directories(d + "/b");
  io::Image white{4, 4, 1, std::vector<uint8_t>(16, 255)};
  io::write_png(d + "/a/0.png", white);
  io::Image black{4, 4, 1, std::vector<uint8_t>(16, 0)};
  io::write_jpeg(d + "/b/1.jpg", black, 95);
  io::Image gray{4, 4, 3, std::vector<uint8_t>(48, 128)};
  io::write_jpeg(d + "/b/2.JPEG", gray, 95);
  std::ofstream(d + "/b/notes.txt") << "skipped";
  const Dataset ds = load_image_folder(d, 4, 1);
  ASSERT_EQ(ds.images.shape(), (Shape{3, 1, 4, 4}));
  EXPECT_EQ(ds.class_names, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(ds.labels.to_double_vector(), (std::vector<double>{0, 1, 1}));
  const auto v = ds.images.to_double_vector();
  EXPECT_NEAR(v[0], 1.0, 1e-6);                      // the PNG, exact
  EXPECT_NEAR(v[16], -1.0, 2.0 / 127.5);             // the black JPEG, within JPEG loss
  EXPECT_NEAR(v[32], 128 / 127.5 - 1.0, 2.0 / 127.5);  // gray RGB -> luma
  // A JPEG cut short is an error naming it, never a gray-filled image.
  const std::vector<std::byte> bytes = io::read_file_bytes(d + "/b/1.jpg");
  std::ofstream(d + "/b/3.jpg", std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size() / 2));
  EXPECT_NE(error_of([&] { load_image_folder(d, 4, 1); }).find("3.jpg"), std::string::npos);
}

// The dataset as labels = index, so a batch's labels are the indices it drew.
std::shared_ptr<const Dataset> indexed(int64_t n) {
  auto d = std::make_shared<Dataset>();
  std::vector<float> px(static_cast<size_t>(n * 4));
  std::vector<int64_t> lab(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    lab[static_cast<size_t>(i)] = i;
    for (int k = 0; k < 4; ++k) px[static_cast<size_t>(i * 4 + k)] = static_cast<float>(i);
  }
  d->images = Tensor::from_data({n, 1, 2, 2}, px);
  d->labels = Tensor::from_data({n}, lab);
  return d;
}

std::vector<int64_t> draw(Loader& l, int batches) {
  std::vector<int64_t> out;
  for (int i = 0; i < batches; ++i) {
    const Batch b = l.next();
    const auto lab = b.labels.to_vector<int64_t>();
    const auto img = b.images.to_double_vector();
    for (size_t k = 0; k < lab.size(); ++k) EXPECT_EQ(img[k * 4], static_cast<double>(lab[k]));  // rows stay together
    out.insert(out.end(), lab.begin(), lab.end());
  }
  return out;
}

TEST(Loader, SameSeedSameBatchesAndEachEpochIsAPermutation) {
  const auto data = indexed(23);
  Loader a(data, 5, 7), b(data, 5, 7), c(data, 5, 8);
  EXPECT_EQ(a.batches_per_epoch(), 4);  // drop_last
  const auto va = draw(a, 12), vb = draw(b, 12), vc = draw(c, 12);
  EXPECT_EQ(va, vb);
  EXPECT_NE(va, vc);
  // Epochs differ, and within an epoch no index repeats.
  const std::vector<int64_t> e0(va.begin(), va.begin() + 20), e1(va.begin() + 20, va.begin() + 40);
  EXPECT_NE(e0, e1);
  EXPECT_EQ(std::set<int64_t>(e0.begin(), e0.end()).size(), 20u);
  // Without drop_last an epoch covers every index once.
  Loader full(data, 5, 7, /*drop_last=*/false);
  EXPECT_EQ(full.batches_per_epoch(), 5);
  const auto vf = draw(full, 5);
  EXPECT_EQ(std::set<int64_t>(vf.begin(), vf.end()).size(), 23u);
  EXPECT_EQ(vf.size(), 23u);
}

TEST(Loader, PrefetchDoesNotChangeContent) {
  const auto data = indexed(40);
  Loader pre(data, 8, 3, true, /*prefetch=*/true), sync(data, 8, 3, true, /*prefetch=*/false);
  EXPECT_EQ(draw(pre, 17), draw(sync, 17));
}

TEST(Loader, ContinuesExactlyFromASavedState) {
  const auto data = indexed(30);
  Loader a(data, 7, 11);
  draw(a, 6);  // into the second epoch (4 batches per epoch)
  const LoaderState s = a.state();
  EXPECT_EQ(s.epoch, 1);
  EXPECT_EQ(s.index, 2);
  const auto rest = draw(a, 9);
  Loader b(data, 7, 999);
  b.set_state(s);
  EXPECT_EQ(draw(b, 9), rest);
  EXPECT_THROW(b.set_state({0, 4, 11, 0}), Error);
}

TEST(Loader, RejectsBadBatchSizes) {
  const auto data = indexed(4);
  EXPECT_THROW(Loader(data, 0, 1), Error);
  EXPECT_THROW(Loader(data, 5, 1), Error);
}

}  // namespace
}  // namespace gan::models
