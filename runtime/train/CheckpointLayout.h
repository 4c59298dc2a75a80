//===- CheckpointLayout.h - Which rank stores which block --------*- C++
//-*-===//
//
// A sharded checkpoint (docs/train-binary.md, "Sharded checkpoints") stores
// every parameter once, in blocks along the dimension the plan splits it
// (tensor-parallel blocks, ZeRO-1 moment blocks; whole otherwise), each
// block written by the lowest rank holding it. A resume under another plan
// cuts other regions out of those blocks: this file is that arithmetic,
// without files or ranks' communication, so it can be tested alone.
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_RUNTIME_TRAIN_CHECKPOINTLAYOUT_H
#define STARCH_RUNTIME_TRAIN_CHECKPOINTLAYOUT_H

#include "runtime/train/Program.h"

#include <cstdint>
#include <string>
#include <vector>

namespace starch::rt {

/// A slab of a whole tensor: elements `offset .. offset + size - 1` along
/// `dim`, everything along the other dimensions; dim -1 is the whole tensor.
struct TensorRegion {
  int64_t dim = -1;
  int64_t offset = 0;
  int64_t size = 0;

  bool operator==(const TensorRegion &other) const {
    return dim == other.dim && offset == other.offset && size == other.size;
  }
};

/// One stored block: its region and who holds it (the writing rank in a
/// layout, the index into CheckpointIndex::files once read from an index).
struct StoredBlock {
  int64_t holder = 0;
  TensorRegion region;
};

/// A parameter as a sharded checkpoint stores it: its whole type and its
/// blocks, ordered along the dimension and covering it exactly.
struct StoredTensor {
  std::string name;
  DType dtype = DType::f32;
  Shape shape;
  std::vector<StoredBlock> blocks;
};

/// The region of the whole parameter `rank` holds (its tensor-parallel or
/// ZeRO-1 block, else the whole). Throws std::runtime_error naming the
/// parameter when the rank is in none of its shard groups.
TensorRegion heldRegion(const ParamSpec &param, int rank);

/// The whole shape of a parameter whose block `param.shape` is.
Shape wholeShape(const ParamSpec &param);

/// The shape and the first element (per dimension) of `region` of a
/// tensor of shape `whole`.
Shape regionShape(const Shape &whole, const TensorRegion &region);
std::vector<int64_t> regionStart(const Shape &whole,
                                 const TensorRegion &region);

/// Every parameter of `spec` (rank-local shapes, spec order) with each of
/// its blocks assigned to the lowest of the spec's ranks holding it, so a
/// block replicated over data-parallel replicas, context-parallel ranks
/// or tied stages is written once.
std::vector<StoredTensor> checkpointLayout(const ProgramSpec &spec);

/// Copies the elements `source` (the block of a whole tensor starting at
/// `sourceStart`) shares with `target` (starting at `targetStart`) into
/// `target`; returns how many. Both have the same dtype and rank.
int64_t copyOverlap(const Tensor &source,
                    const std::vector<int64_t> &sourceStart, Tensor &target,
                    const std::vector<int64_t> &targetStart);

} // namespace starch::rt

#endif // STARCH_RUNTIME_TRAIN_CHECKPOINTLAYOUT_H
