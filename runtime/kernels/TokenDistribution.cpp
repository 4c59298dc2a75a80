//===- TokenDistribution.cpp - Context-parallel token shares --------------===//
//
// A tile holds a visible (query, key) pair iff some query class of the block
// sees some key class of the tile, where a class is the tokens of one mask
// word: a text word (bit 0) sees a key word sharing a bit with it at or
// before the query's position, any other word the keys with exactly its
// bits (bitfieldVisible). Blocks and tiles hold few distinct words, so the
// weights cost O(blocks x tiles x classes^2), not O(S^2).
//
//===----------------------------------------------------------------------===//
#include "runtime/kernels/TokenDistribution.h"

#include "runtime/kernels/Attention.h"

#include <algorithm>
#include <numeric>
#include <string>

namespace starch::rt {

namespace {

/// The tokens of one mask word in a range: the word, and the first and last
/// position it has there.
struct WordClass {
  int64_t word, first, last;
};

std::vector<WordClass> classesOf(const int64_t *bits, int64_t begin,
                                 int64_t end) {
  std::vector<WordClass> classes;
  for (int64_t i = begin; i < end; ++i) {
    auto it =
        std::find_if(classes.begin(), classes.end(),
                     [&](const WordClass &c) { return c.word == bits[i]; });
    if (it == classes.end())
      classes.push_back({bits[i], i, i});
    else
      it->last = i;
  }
  return classes;
}

/// Whether a query of class `q` sees a key of class `k`: the latest query
/// against the earliest key decides for a text query.
bool classSees(const WordClass &q, const WordClass &k) {
  return bitfieldVisible(q.word, k.word, q.last, k.first);
}

} // namespace

std::vector<int64_t> queryBlockWeights(const int64_t *bits, int64_t batch,
                                       int64_t s, int64_t block) {
  int64_t blocks = s / block, tiles = (s + kKeyTile - 1) / kKeyTile;
  std::vector<int64_t> weights(blocks, 0);
  for (int64_t b = 0; b < batch; ++b) {
    const int64_t *row = bits + b * s;
    std::vector<std::vector<WordClass>> keyClasses(tiles);
    for (int64_t j = 0; j < tiles; ++j)
      keyClasses[j] =
          classesOf(row, j * kKeyTile, std::min(s, (j + 1) * kKeyTile));
    for (int64_t i = 0; i < blocks; ++i) {
      std::vector<WordClass> queries =
          classesOf(row, i * block, (i + 1) * block);
      for (int64_t j = 0; j < tiles; ++j) {
        bool visible = false;
        for (const WordClass &q : queries)
          for (const WordClass &k : keyClasses[j])
            visible = visible || classSees(q, k);
        weights[i] += visible ? 1 : 0;
      }
    }
  }
  return weights;
}

std::vector<std::vector<int64_t>>
dealQueryBlocks(const std::vector<int64_t> &weights, int64_t parts,
                TokenStrategy strategy) {
  int64_t blocks = weights.size(), share = blocks / parts;
  std::vector<std::vector<int64_t>> dealt(parts);
  switch (strategy) {
  case TokenStrategy::uniform:
    for (int64_t i = 0; i < blocks; ++i)
      dealt[i / share].push_back(i);
    break;
  case TokenStrategy::zigzag: {
    int64_t chunk = blocks / (2 * parts);
    for (int64_t r = 0; r < parts; ++r)
      for (int64_t c : {r, 2 * parts - 1 - r})
        for (int64_t i = c * chunk; i < (c + 1) * chunk; ++i)
          dealt[r].push_back(i);
    break;
  }
  case TokenStrategy::makespan: {
    std::vector<int64_t> byWeight(blocks);
    std::iota(byWeight.begin(), byWeight.end(), 0);
    std::stable_sort(
        byWeight.begin(), byWeight.end(),
        [&](int64_t a, int64_t b) { return weights[a] > weights[b]; });
    std::vector<int64_t> load(parts, 0);
    for (int64_t i : byWeight) {
      int64_t best = -1;
      for (int64_t r = 0; r < parts; ++r)
        if (static_cast<int64_t>(dealt[r].size()) < share &&
            (best < 0 || load[r] < load[best]))
          best = r;
      dealt[best].push_back(i);
      load[best] += weights[i];
    }
    break;
  }
  }
  for (std::vector<int64_t> &own : dealt)
    std::sort(own.begin(), own.end());
  return dealt;
}

Status checkTokenDistribution(const Tensor &bits, int64_t parts, int64_t block,
                              TokenStrategy strategy, const Tensor &order,
                              const Tensor &inverse) {
  if (bits.dtype() != DType::i64 || bits.rank() != 2)
    return Status::error("token_distribution: bits must be B x S of i64");
  int64_t s = bits.shape()[1];
  if (parts < 1 || block < 1 || s % (parts * block) != 0)
    return Status::error("token_distribution: " + std::to_string(s) +
                         " tokens do not make whole blocks of " +
                         std::to_string(block) + " for " +
                         std::to_string(parts) + " parts");
  if (strategy == TokenStrategy::zigzag && (s / block) % (2 * parts) != 0)
    return Status::error("token_distribution: zigzag needs 2 x parts equal "
                         "chunks of blocks");
  for (const Tensor *t : {&order, &inverse})
    if (t->dtype() != DType::i64 || t->shape() != Shape{s})
      return Status::error("token_distribution: order and inverse must be S "
                           "of i64");
  return Status::success();
}

Status tokenDistribution(const Tensor &bits, int64_t parts, int64_t block,
                         TokenStrategy strategy, Tensor &order,
                         Tensor &inverse) {
  if (Status st =
          checkTokenDistribution(bits, parts, block, strategy, order, inverse);
      !st)
    return st;
  int64_t batch = bits.shape()[0], s = bits.shape()[1];
  std::vector<int64_t> weights =
      strategy == TokenStrategy::makespan
          ? queryBlockWeights(bits.data<int64_t>(), batch, s, block)
          : std::vector<int64_t>(s / block, 0);
  int64_t *out = order.data<int64_t>(), *back = inverse.data<int64_t>();
  int64_t next = 0;
  for (const std::vector<int64_t> &own :
       dealQueryBlocks(weights, parts, strategy))
    for (int64_t i : own)
      for (int64_t t = i * block; t < (i + 1) * block; ++t) {
        back[t] = next;
        out[next++] = t;
      }
  return Status::success();
}

} // namespace starch::rt
