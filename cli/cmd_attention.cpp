// `gan attention`: where a trained generator's self-attention looks (SAGAN):
// for a few query positions of one attention block's feature map, the
// attention weights over all positions drawn over each sample (attention_maps.h).
#include <cstdio>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "commands.h"
#include "gan/models/attention_maps.h"
#include "gan/models/trained.h"

namespace gan::cli {

namespace {

struct AttentionArgs {
  std::string checkpoint, out = "attention.png";
  int64_t n = 4, block = 0, zoom = 4;
  uint64_t seed = 0;
  std::vector<std::string> queries;  // "row,col" in feature-map coordinates
  bool no_ema = false;
};

std::pair<int64_t, int64_t> parse_query(const std::string& q) {
  const Error bad("attention: --query expects ROW,COL (integers), got '" + q + "'");
  const size_t comma = q.find(',');
  if (comma == std::string::npos) throw bad;
  const std::string r = q.substr(0, comma), c = q.substr(comma + 1);
  size_t used_r = 0, used_c = 0;
  int64_t row = 0, col = 0;
  try {
    row = std::stoll(r, &used_r);
    col = std::stoll(c, &used_c);
  } catch (const std::exception&) {
    throw bad;
  }
  if (used_r != r.size() || used_c != c.size()) throw bad;
  return {row, col};
}

void run_attention(const AttentionArgs& a) {
  const models::TrainedGenerator t = models::load_trained_generator(a.checkpoint, !a.no_ema);
  Generator gen(a.seed);
  const models::GeneratorAttention att =
      models::generator_attention(*t.system, *t.G, t.sample_latent(a.n, gen, -1));
  const auto blocks = static_cast<int64_t>(att.maps.size());
  GAN_CHECK(a.block >= 0 && a.block < blocks, "attention: --block ", a.block, " is out of range: the generator has ",
            blocks, " attention block(s)");
  const int64_t side = att.sides[static_cast<size_t>(a.block)];
  std::vector<std::pair<int64_t, int64_t>> queries;
  for (const std::string& q : a.queries) queries.push_back(parse_query(q));
  if (queries.empty()) queries = models::default_attention_queries(side);
  io::write_png(a.out, models::draw_attention_maps(att.images, att.maps[static_cast<size_t>(a.block)], side, queries,
                                                   a.zoom));
  std::printf("wrote the attention maps of block %lld (%lldx%lld) for %zu queries on %lld samples to %s\n",
              static_cast<long long>(a.block), static_cast<long long>(side), static_cast<long long>(side),
              queries.size(), static_cast<long long>(a.n), a.out.c_str());
}

}  // namespace

void add_attention_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("attention", "Draw where a generator's self-attention looks (SAGAN) as a PNG");
  cmd->footer(
      "Each row: a sample with the query positions marked, then for each query its attention weights over the\n"
      "feature map (upsampled, black -> red -> yellow -> white) over the sample.\n"
      "Example:\n"
      "  gan attention --checkpoint runs/sagan/checkpoint.safetensors --out attention.png --n 4 --query 8,8 "
      "--query 3,8");
  auto a = std::make_shared<AttentionArgs>();
  cmd->add_option("--checkpoint", a->checkpoint, "Checkpoint written by gan train")->required()->check(CLI::ExistingFile);
  cmd->add_option("-o,--out", a->out, "PNG to write")->capture_default_str();
  cmd->add_option("-n,--n", a->n, "Number of samples (rows)")->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_option("--seed", a->seed, "Seed of the latent noise")->capture_default_str();
  cmd->add_option("--block", a->block, "Which attention block of G (0: the first)")->capture_default_str();
  cmd->add_option("--query", a->queries,
                  "ROW,COL of a query position in the block's feature map; repeatable (default: four spread ones)");
  cmd->add_option("--zoom", a->zoom, "Magnification of every tile")->capture_default_str();
  cmd->add_flag("--no-ema", a->no_ema, "Use G instead of its EMA copy");
  cmd->callback([a] { run_attention(*a); });
}

}  // namespace gan::cli
