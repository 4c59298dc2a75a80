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

namespace starch::rt {

/// `out` = the combination of every rank's `input` (all ranks of the
/// world), in rank order: identical bits on every rank.
Status allReduce(const Tensor &input, CollectiveOp op, Tensor &out);

} // namespace starch::rt

#endif // STARCH_RUNTIME_KERNELS_COLLECTIVE_H
