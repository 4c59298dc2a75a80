//===- Collective.cpp - Collective kernels --------------------------------===//
#include "runtime/kernels/Collective.h"

#include "runtime/comm/CurrentCommunicator.h"
#include "runtime/comm/RankGroups.h"
#include "runtime/kernels/DataMovement.h"

#include <cstring>

namespace starch::rt {

Status allReduce(const Tensor &input, CollectiveOp op,
                 const std::vector<int64_t> &groups, int64_t groupSize,
                 Tensor &out) {
  if (input.dtype() != out.dtype() || input.shape() != out.shape())
    return Status::error("all_reduce: output " + shapeString(out.shape()) +
                         " does not match input " + shapeString(input.shape()));
  Communicator *comm = currentCommunicator();
  Tensor result;
  if (!comm || comm->size() == 1) {
    result = input;
  } else {
    RankGroup group; // empty: the world
    int position = 0;
    if (!groups.empty() &&
        !findRankGroup(groups, groupSize, comm->rank(), group, position))
      return Status::error("all_reduce: rank " + std::to_string(comm->rank()) +
                           " is in none of the op's groups");
    if (Status s = comm->allReduce(input, op, result, group); !s)
      return s;
  }
  // The kernel writes into `out` (an arena slice in generated code).
  std::memcpy(out.bytes(), result.bytes(), out.byteSize());
  return Status::success();
}

} // namespace starch::rt
