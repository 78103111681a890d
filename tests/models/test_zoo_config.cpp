// The zoo's config and data edges: system tables and their errors, the
// checkpoint config's JSON (and the first checkpoints' flat one), labelled
// subsets, labelled image folders, and a conditional system without labels.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <set>

#include "gan/io/png.h"
#include "gan/models/registry.h"
#include "gan/models/trainer.h"
#include "system_test_util.h"

namespace gan::models {
namespace {

namespace fs = std::filesystem;

using testing::error_of;

TEST(ZooConfig, SystemTablesSetValidateAndName) {
  TrainerConfig c;
  EXPECT_EQ(c.system, default_system_name());
  set_config_value(c, "system", "acgan");
  set_config_value(c, "acgan.class_weight", "0.25");
  set_config_value(c, "z_dim", "64");  // plain key: no run key has the name, so the system's
  EXPECT_EQ(c.system_options.number("class_weight"), 0.25);
  EXPECT_EQ(c.system_options.integer("z_dim"), 64);
  const std::string bad_key = error_of([&] { set_config_value(c, "acgan.bogus", "1"); });
  EXPECT_NE(bad_key.find("unknown config key 'bogus' in table [acgan]"), std::string::npos) << bad_key;
  EXPECT_NE(bad_key.find("class_weight"), std::string::npos) << bad_key;  // lists the table's keys
  const std::string bad_value = error_of([&] { set_config_value(c, "acgan.class_weight", "heavy"); });
  EXPECT_NE(bad_value.find("'class_weight' in table [acgan]: expected a finite number, got 'heavy'"),
            std::string::npos) << bad_value;
  const std::string other = error_of([&] { set_config_value(c, "sgan.unsup_weight", "1"); });
  EXPECT_NE(other.find("table [sgan] is not this run's system ('acgan'"), std::string::npos) << other;
  const std::string unknown = error_of([&] { set_config_value(c, "system", "biggan-xl"); });
  EXPECT_NE(unknown.find("unknown GAN system 'biggan-xl' (known systems: acgan, biggan, cgan, dcgan"), std::string::npos)
      << unknown;
  const std::string neither = error_of([&] { set_config_value(c, "lr_q", "1"); });
  EXPECT_NE(neither.find("unknown config key 'lr_q'"), std::string::npos) << neither;
  EXPECT_NE(neither.find("keys of [acgan]"), std::string::npos) << neither;
}

TEST(ZooConfig, JsonRoundTripKeepsTheSystemTable) {
  TrainerConfig c;
  set_config_value(c, "system", "sgan");
  set_config_value(c, "sgan.feature_matching", "true");
  set_config_value(c, "labels_per_class", "10");
  const TrainerConfig back = config_from_json(config_to_json(c));
  EXPECT_EQ(back.system, "sgan");
  EXPECT_TRUE(back.system_options.boolean("feature_matching"));
  EXPECT_EQ(back.labels_per_class, 10);
  EXPECT_EQ(back.system_options.values(), c.system_options.values());
}

TEST(ZooConfig, FirstCheckpointsFlatConfigReadsAsTheDefaultSystem) {
  // The config JSON of a gan-dcgan-trainer/1 checkpoint: model keys at the top level.
  const TrainerConfig c = config_from_json(R"({"dataset": "x", "image_size": 28, "channels": 1, "z_dim": 64,
      "features_g": 16, "features_d": 8, "loss": "hinge", "out_dir": "runs/dcgan"})");
  EXPECT_EQ(c.system, default_system_name());
  EXPECT_EQ(c.system_options.integer("z_dim"), 64);
  EXPECT_EQ(c.system_options.integer("features_d"), 8);
}

TEST(ZooData, LabelSubsetIsReproducibleAndCoversEveryClass) {
  const auto data = testing::labelled_images(200);
  const Dataset a = keep_labels_per_class(*data, 3, 5), b = keep_labels_per_class(*data, 3, 5);
  const Dataset other = keep_labels_per_class(*data, 3, 6);
  EXPECT_EQ(a.labels.to_double_vector(), b.labels.to_double_vector());
  EXPECT_NE(a.labels.to_double_vector(), other.labels.to_double_vector());
  std::vector<int> per(10, 0);
  int unlabelled = 0;
  const std::vector<double> l = a.labels.to_double_vector(), orig = data->labels.to_double_vector();
  for (size_t i = 0; i < l.size(); ++i) {
    if (l[i] < 0) {
      ++unlabelled;
      continue;
    }
    EXPECT_EQ(l[i], orig[i]) << "a kept label must be the image's own";
    ++per[static_cast<size_t>(l[i])];
  }
  for (int k = 0; k < 10; ++k) EXPECT_EQ(per[static_cast<size_t>(k)], 3) << "class " << k;
  EXPECT_EQ(unlabelled, 200 - 30);
  const std::string msg = error_of([&] { keep_labels_per_class(*data, 21, 5); });
  EXPECT_NE(msg.find("class 0 of synthetic has only 20 labelled images"), std::string::npos) << msg;
}

TEST(ZooData, ConditionalSystemOnUnlabelledDataNamesBoth) {
  auto data = std::make_shared<Dataset>(*testing::labelled_images(16));
  data->labels = Tensor();
  data->num_classes = 0;
  data->source = "my-unlabelled-set";
  TrainerConfig c;
  set_config_value(c, "system", "projection");
  c.batch = 8;
  c.out_dir = ::testing::TempDir() + "/gan_zoo_unlabelled_" + std::to_string(::getpid());
  const std::string msg = error_of([&] { Trainer t(c, data); });
  EXPECT_NE(msg.find("system 'projection' is conditional and needs class labels, but dataset my-unlabelled-set"),
            std::string::npos) << msg;
  fs::remove_all(c.out_dir);
}

TEST(ZooData, ImageFolderWithClassSubfoldersIsLabelled) {
  const std::string dir = ::testing::TempDir() + "/gan_zoo_folder_" + std::to_string(::getpid());
  for (const char* cls : {"boots", "coats"}) {
    fs::create_directories(dir + "/" + cls);
    for (int i = 0; i < 2 + (cls[0] == 'c'); ++i) {
      io::Image img;
      img.width = img.height = 8;
      img.channels = 1;
      img.pixels.assign(64, static_cast<uint8_t>(40 * i));
      io::write_png(dir + "/" + cls + "/" + std::to_string(i) + ".png", img);
    }
  }
  const Dataset d = load_image_folder(dir, 8, 1);
  EXPECT_EQ(d.size(), 5);
  EXPECT_EQ(d.num_classes, 2);
  EXPECT_EQ(d.class_names, (std::vector<std::string>{"boots", "coats"}));
  EXPECT_EQ(d.labels.to_double_vector(), (std::vector<double>{0, 0, 1, 1, 1}));
  fs::create_directories(dir + "/empty");
  const std::string msg = error_of([&] { load_image_folder(dir, 8, 1); });
  EXPECT_NE(msg.find("class folder empty has no .png/.jpg files"), std::string::npos) << msg;
  fs::remove_all(dir);
}

}  // namespace
}  // namespace gan::models
