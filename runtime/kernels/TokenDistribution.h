//===- TokenDistribution.h - Context-parallel token shares ------*- C++ -*-===//
//
// Which of a sequence's tokens each context-parallel rank holds
// (starch.token_distribution): query blocks dealt to ranks so that each
// rank's attention work under the bitfield mask is about the same. The
// weights and the deal are plain functions, so the planner and
// test/bench/bench_context_parallel read the same numbers the kernel uses.
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_RUNTIME_KERNELS_TOKENDISTRIBUTION_H
#define STARCH_RUNTIME_KERNELS_TOKENDISTRIBUTION_H

#include "runtime/Tensor.h"
#include "runtime/kernels/Status.h"

#include <cstdint>
#include <vector>

namespace starch::rt {

enum class TokenStrategy : uint8_t { makespan, uniform, zigzag };

/// Keys per tile of the work measure: a query block's weight counts the
/// (block x kKeyTile) tiles of the mask that hold a visible pair.
constexpr int64_t kKeyTile = 32;

/// The query block for `tokens` tokens over `parts` ranks: the largest up to
/// `largest` that deals whole blocks (zigzag: two chunks per rank) and,
/// where one does, at least two blocks per rank (so that makespan has a
/// choice on short sequences); 0 when none deals whole blocks. Header-only:
/// starch-context-parallel picks the block with it.
inline int64_t queryBlockFor(int64_t tokens, int64_t parts, int64_t largest,
                             TokenStrategy strategy) {
  int64_t chunks = strategy == TokenStrategy::zigzag ? 2 * parts : parts;
  int64_t fallback = 0;
  for (int64_t block = largest; block >= 1; --block) {
    if (tokens % (block * chunks) != 0)
      continue;
    if (tokens / (block * parts) >= 2)
      return block;
    if (fallback == 0)
      fallback = block;
  }
  return fallback;
}

/// The weight of each of the `s / block` query blocks of `batch` sequences
/// of `s` bitfield words (`bits`, row-major): the number of non-empty
/// (block x kKeyTile) mask tiles in its rows, summed over the batch.
std::vector<int64_t> queryBlockWeights(const int64_t *bits, int64_t batch,
                                       int64_t s, int64_t block);

/// The blocks each of `parts` ranks takes (each list ascending, every rank
/// `weights.size() / parts` of them), by `strategy`; docs/parallel.md.
std::vector<std::vector<int64_t>>
dealQueryBlocks(const std::vector<int64_t> &weights, int64_t parts,
                TokenStrategy strategy);

/// starch.token_distribution: `order` (S of i64) lists the tokens of `bits`
/// (B x S of i64) rank by rank, `inverse` is its inverse permutation.
Status tokenDistribution(const Tensor &bits, int64_t parts, int64_t block,
                         TokenStrategy strategy, Tensor &order,
                         Tensor &inverse);

/// The argument rules of tokenDistribution, shared with the CUDA entry.
Status checkTokenDistribution(const Tensor &bits, int64_t parts, int64_t block,
                              TokenStrategy strategy, const Tensor &order,
                              const Tensor &inverse);

} // namespace starch::rt

#endif // STARCH_RUNTIME_KERNELS_TOKENDISTRIBUTION_H
