//===- Collective.h - Collective kernels ------------------------*- C++ -*-===//
//
// Collectives as kernels over the current communicator
// (runtime/comm/CurrentCommunicator.h), with the output-parameter form of
// every kernel. A single-rank run (no communicator) is a world of one: an
// all-reduce copies its input.
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_RUNTIME_KERNELS_COLLECTIVE_H
#define STARCH_RUNTIME_KERNELS_COLLECTIVE_H

#include "runtime/Tensor.h"
#include "runtime/comm/Communicator.h"
#include "runtime/kernels/Status.h"

#include <vector>

namespace starch::rt {

/// `out` = the combination of the `input`s of every rank of this rank's
/// group (runtime/comm/RankGroups.h: `groups` flat, `groupSize` ranks each;
/// empty: the world), in group order: identical bits on those ranks.
Status allReduce(const Tensor &input, CollectiveOp op,
                 const std::vector<int64_t> &groups, int64_t groupSize,
                 Tensor &out);

/// `out` = this rank's block along `dim` of the all-reduce of `input` over
/// its group (block i for the rank at position i).
Status reduceScatter(const Tensor &input, CollectiveOp op, int64_t dim,
                     const std::vector<int64_t> &groups, int64_t groupSize,
                     Tensor &out);

/// `out` = the inputs of this rank's group joined along `dim`, in group
/// order.
Status allGather(const Tensor &input, int64_t dim,
                 const std::vector<int64_t> &groups, int64_t groupSize,
                 Tensor &out);

/// `out` = block i along `dim` of `input`, i this rank's position in its
/// group (no communication).
Status localBlock(const Tensor &input, int64_t dim,
                  const std::vector<int64_t> &groups, int64_t groupSize,
                  Tensor &out);

/// Sends `input` to the receiver of every pair in `pairs` (flat `[sender,
/// receiver]` pairs) this rank is the sender of, none when it sends in no
/// pair; returns once the transport holds the copies.
Status send(const Tensor &input, const std::vector<int64_t> &pairs);

/// `out` = the next tensor this rank's sender in `pairs` sent it.
Status recv(const std::vector<int64_t> &pairs, Tensor &out);

} // namespace starch::rt

#endif // STARCH_RUNTIME_KERNELS_COLLECTIVE_H
