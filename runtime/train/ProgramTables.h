//===- ProgramTables.h - Plain-data tables of generated programs -*- C++
//-*-===//
//
// A generated program lists its parameters and its functions' arena views
// as plain data (string literals, integers, fixed arrays): the host compiler
// places such a table in read-only data at no cost, whereas one
// `ParamSpec{...}` or `arena.at(...)` per entry is code it must compile and
// optimise (about 7 ms of gcc -O1 per parameter, 2.4 ms per view: most of
// the host compile of an 8B model; docs/codegen.md). The runtime turns the
// rows into its own types once, at start-up or at a function's first call.
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_RUNTIME_TRAIN_PROGRAMTABLES_H
#define STARCH_RUNTIME_TRAIN_PROGRAMTABLES_H

#include "runtime/train/Program.h"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace starch::rt {

/// The largest rank a table row holds; starchc writes a tensor of higher
/// rank the long way.
constexpr int kTableMaxRank = 8;

/// A shape in a table row: `rank` leading entries of `dims`.
struct ShapeRow {
  int64_t rank;
  int64_t dims[kTableMaxRank];
};

Shape shapeOf(const ShapeRow &row);

/// One entry of ProgramSpec::params (fields as ParamSpec's). `shardGroups`
/// points at `shardGroupCount` rank numbers, `tiedStages` at
/// `tiedStageCount` stages (both may be null when the count is 0).
struct ParamRow {
  const char *name;
  const char *source;
  DType dtype;
  ShapeRow shape;
  ParamKind kind;
  const char *module = "";
  int64_t shardDim = -1;
  const int64_t *shardGroups = nullptr;
  int64_t shardGroupCount = 0;
  int64_t shardGroupSize = 0;
  int64_t stage = -1;
  const int64_t *tiedStages = nullptr;
  int64_t tiedStageCount = 0;
};

std::vector<ParamSpec> paramSpecs(const ParamRow *rows, size_t count);
template <size_t N>
std::vector<ParamSpec> paramSpecs(const ParamRow (&rows)[N]) {
  return paramSpecs(rows, N);
}

/// A tensor at a fixed byte offset of a function's arena (the static memory
/// plan).
struct ViewRow {
  uint64_t offset;
  DType dtype;
  ShapeRow shape;
};

/// The views `rows` of `arena` (the CPU's or the device's `gen::Arena`),
/// made once: a generated function keeps them in a static vector, as its
/// arena is static.
template <typename ArenaT, size_t N>
std::vector<Tensor> arenaViews(ArenaT &arena, const ViewRow (&rows)[N]) {
  std::vector<Tensor> views;
  views.reserve(N);
  for (const ViewRow &row : rows)
    views.push_back(arena.at(row.offset, row.dtype, shapeOf(row.shape)));
  return views;
}

} // namespace starch::rt

#endif // STARCH_RUNTIME_TRAIN_PROGRAMTABLES_H
