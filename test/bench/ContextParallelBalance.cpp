//===- ContextParallelBalance.cpp - Attention work per context rank -------===//
//
// How evenly starch.token_distribution's strategies share the attention
// work of multimodal bitfield masks over cp = 2, 4, 8 ranks: for each layout
// and strategy, the work of the busiest rank over the mean, by two
// measures: the non-empty (128 x 32) mask tiles makespan balances
// (runtime/kernels/TokenDistribution.h), and the visible (query, key) pairs
// counted one by one with bitfieldVisible (the work a kernel that skips
// masked keys does). Layouts: the shipped examples' sequences and long
// synthetic ones (images of 576 tokens as LLaVA's CLIP makes, Whisper's
// 1500 audio frames, text between), two sequences per batch.
//
//   starch-bench-cp-balance
//
//===----------------------------------------------------------------------===//
#include "runtime/kernels/Attention.h"
#include "runtime/kernels/TokenDistribution.h"

#include <algorithm>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

using namespace starch::rt;

namespace {

constexpr int64_t kText = 1 | 2 | 4 | 8, kImage = 2, kAudio = 4, kVideo = 8;

struct Layout {
  std::string name;
  std::vector<std::vector<int64_t>> sequences;
};

std::vector<int64_t> runs(std::vector<std::pair<int64_t, int64_t>> parts) {
  std::vector<int64_t> words;
  for (auto [word, count] : parts)
    words.insert(words.end(), count, word);
  return words;
}

/// Visible (query, key) pairs of each query token, over the batch.
std::vector<int64_t> pairsPerToken(const Layout &layout) {
  int64_t s = layout.sequences[0].size();
  std::vector<int64_t> work(s, 0);
  for (const std::vector<int64_t> &bits : layout.sequences)
    for (int64_t q = 0; q < s; ++q) {
      int64_t end = bitfieldKeyEnd(bits.data(), s, q);
      for (int64_t k = 0; k < end; ++k)
        work[q] += bitfieldVisible(bits[q], bits[k], q, k) ? 1 : 0;
    }
  return work;
}

/// The busiest rank's work over the mean, each block's work `work`.
double imbalance(const std::vector<std::vector<int64_t>> &dealt,
                 const std::vector<int64_t> &work) {
  int64_t total = 0, busiest = 0;
  for (const std::vector<int64_t> &own : dealt) {
    int64_t load = 0;
    for (int64_t block : own)
      load += work[block];
    total += load;
    busiest = std::max(busiest, load);
  }
  return total ? busiest * static_cast<double>(dealt.size()) / total : 1.0;
}

} // namespace

int main() {
  std::vector<Layout> layouts;
  // docs/examples (2 x 48 tokens): too short for 128-token blocks.
  layouts.push_back({"tiny-vlm (image 16 + text 32)",
                     {runs({{kImage, 16}, {kText, 32}}), runs({{kText, 48}})}});
  layouts.push_back({"tiny-valm (image 16, audio 16, text 16)",
                     {runs({{kImage, 16}, {kAudio, 16}, {kText, 16}}),
                      runs({{kImage, 16}, {kText, 32}})}});
  // 4096 tokens: 2 images + audio + text.
  layouts.push_back(
      {"4k: 2 images + audio + text",
       {runs({{kText, 64},
              {kImage, 576},
              {kText, 128},
              {kImage, 576},
              {kText, 64},
              {kAudio, 1500},
              {kText, 1188}}),
        runs({{kImage, 576}, {kText, 256}, {kAudio, 1500}, {kText, 1764}})}});
  // 8192 tokens: 4 images, 2 audio clips, text between, padding at the end.
  layouts.push_back(
      {"8k: 4 images + 2 audio + text + padding",
       {runs({{kText, 32},
              {kImage, 576},
              {kImage, 576},
              {kText, 512},
              {kAudio, 1500},
              {kText, 256},
              {kImage, 576},
              {kImage, 576},
              {kText, 1024},
              {kAudio, 1500},
              {kText, 896},
              {0, 168}}),
        runs({{kAudio, 1500}, {kText, 3000}, {kImage, 576}, {kText, 3116}})}});
  // 8192 tokens: a video of 16 frames x 256 tokens, and text.
  layouts.push_back({"8k: video 4096 + text 4096",
                     {runs({{kVideo, 4096}, {kText, 4096}}),
                      runs({{kText, 4096}, {kVideo, 4096}})}});
  layouts.push_back({"8k: text only (causal)",
                     {runs({{kText, 8192}}), runs({{kText, 8192}})}});

  std::printf("attention work of the busiest context-parallel rank / the "
              "mean (1.00 = even; -: the strategy cannot deal whole blocks)\n");
  std::printf("%-42s %3s | %-27s | %-27s\n", "", "", "non-empty tiles",
              "visible (q, k) pairs");
  std::printf("%-42s %3s | %8s %8s %9s | %8s %8s %9s\n", "layout", "cp",
              "uniform", "zigzag", "makespan", "uniform", "zigzag", "makespan");
  for (const Layout &layout : layouts) {
    int64_t s = layout.sequences[0].size();
    std::vector<int64_t> bits;
    for (const std::vector<int64_t> &sequence : layout.sequences)
      bits.insert(bits.end(), sequence.begin(), sequence.end());
    std::vector<int64_t> tokenPairs = pairsPerToken(layout);
    for (int64_t cp : {2, 4, 8}) {
      std::string cells[6];
      int column = 0;
      for (TokenStrategy strategy :
           {TokenStrategy::uniform, TokenStrategy::zigzag,
            TokenStrategy::makespan}) {
        int64_t block = queryBlockFor(s, cp, 128, strategy);
        if (block == 0) {
          cells[column] = cells[column + 3] = "-";
          ++column;
          continue;
        }
        std::vector<int64_t> tiles =
            queryBlockWeights(bits.data(), layout.sequences.size(), s, block);
        std::vector<int64_t> pairs(s / block, 0);
        for (int64_t q = 0; q < s; ++q)
          pairs[q / block] += tokenPairs[q];
        auto dealt = dealQueryBlocks(tiles, cp, strategy);
        char text[32];
        std::snprintf(text, sizeof(text), "%.3f", imbalance(dealt, tiles));
        cells[column] = text;
        std::snprintf(text, sizeof(text), "%.3f", imbalance(dealt, pairs));
        cells[column + 3] = text;
        ++column;
      }
      std::printf("%-42s %3lld | %8s %8s %9s | %8s %8s %9s\n",
                  layout.name.c_str(), static_cast<long long>(cp),
                  cells[0].c_str(), cells[1].c_str(), cells[2].c_str(),
                  cells[3].c_str(), cells[4].c_str(), cells[5].c_str());
    }
  }
  return 0;
}
