//===- ContiguousParts.h - Collectives as contiguous parts ------*- C++ -*-===//
//
// Transports such as NCCL gather and scatter contiguous parts in rank
// order. A collective along dimension `dim` of a tensor split among
// `members` ranks is that only when nothing precedes `dim`; in general the
// whole tensor (the all-gather's result, the reduce-scatter's input) is
// [outer, members, run] in memory and the transport's rank-major layout is
// [members, outer, run]: one transpose {1, 0, 2} apart.
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_RUNTIME_COMM_CONTIGUOUSPARTS_H
#define STARCH_RUNTIME_COMM_CONTIGUOUSPARTS_H

#include "runtime/Tensor.h"

namespace starch::rt {

struct PartLayout {
  int64_t members = 1;
  /// The product of the dimensions before `dim`: 1 when the parts are
  /// already contiguous.
  int64_t outer = 1;
  /// The contiguous elements of one part within one outer index.
  int64_t run = 0;
  /// The whole tensor's and the rank-major layout's shapes, for views.
  Shape whole() const { return {outer, members, run}; }
  Shape rankMajor() const { return {members, outer, run}; }
};

/// The layout of a collective along `dim` over `members` ranks of the whole
/// tensor `shape` (whose `dim` the members divide).
inline PartLayout partLayout(const Shape &shape, int64_t dim, int64_t members) {
  PartLayout layout;
  layout.members = members;
  for (int64_t d = 0; d < dim; ++d)
    layout.outer *= shape[d];
  layout.run = numElements(shape) / (layout.outer * members);
  return layout;
}

} // namespace starch::rt

#endif // STARCH_RUNTIME_COMM_CONTIGUOUSPARTS_H
