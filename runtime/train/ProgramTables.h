//===- ProgramTables.h - Plain-data tables of generated programs -*- C++
//-*-===//
//
// A generated program lists its parameters as plain data in its source
// (string literals, integers, fixed arrays), and its functions' arena views
// and loop tables as rows of its constants file: one `ParamSpec{...}` or
// `arena.at(...)` per entry is code the host compiler must compile and
// optimise (about 7 ms of gcc -O1 per parameter, 2.4 ms per view: most of
// the host compile of an 8B model; docs/codegen.md), and even a plain table
// row in the source costs it about 0.1 ms. The runtime turns the rows into
// its own types once, at start-up or at a function's first call.
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_RUNTIME_TRAIN_PROGRAMTABLES_H
#define STARCH_RUNTIME_TRAIN_PROGRAMTABLES_H

#include "runtime/train/Program.h"
#include "runtime/train/ProgramConstants.h"

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
/// plan), as the program's constants file stores it: eleven little-endian
/// int64 (offset, dtype, rank, 8 dims), so starchc writes it byte for byte.
struct ViewRow {
  int64_t offset;
  int64_t dtype;
  int64_t rank;
  int64_t dims[kTableMaxRank];
};
static_assert(sizeof(ViewRow) == 11 * sizeof(int64_t), "ViewRow is packed");

/// `count` rows of type `Row` at byte `offset` of the program's constants
/// file (ProgramConstants.h): the view and loop tables of a generated
/// program are data the host compiler never parses (a table row in the
/// source cost it about 0.1 ms each: most of a 128-layer model's compile).
const uint8_t *storedTableBytes(size_t offset);
/// (`count` states the table's length in the generated source; the file's
/// size and hash were checked when it was loaded.)
template <typename Row>
const Row *storedRows(size_t offset, [[maybe_unused]] size_t count) {
  return reinterpret_cast<const Row *>(storedTableBytes(offset));
}

/// The views `rows[0, count)` of `arena` (the CPU's or the device's
/// `gen::Arena`), made once: a generated function keeps them in a static
/// vector, as its arena is static.
template <typename ArenaT>
std::vector<Tensor> arenaViews(ArenaT &arena, const ViewRow *rows,
                               size_t count) {
  std::vector<Tensor> views;
  views.reserve(count);
  for (size_t i = 0; i < count; ++i)
    views.push_back(arena.at(static_cast<size_t>(rows[i].offset),
                             static_cast<DType>(rows[i].dtype),
                             Shape(rows[i].dims, rows[i].dims + rows[i].rank)));
  return views;
}

/// The tensors `view[rows[0]], ..., view[rows[count - 1]]`: a variadic op's
/// operands (the step's concat of one gradient norm per parameter) as rows
/// of the constants file, where a braced list of a thousand tensors cost
/// the host compiler about 0.1 ms each.
inline std::vector<Tensor> tableTensors(const Tensor *view, const int64_t *rows,
                                        size_t count) {
  std::vector<Tensor> tensors;
  tensors.reserve(count);
  for (size_t i = 0; i < count; ++i)
    tensors.push_back(view[rows[i]]);
  return tensors;
}

} // namespace starch::rt

#endif // STARCH_RUNTIME_TRAIN_PROGRAMTABLES_H
