//===- Collective.cpp - Collective kernels --------------------------------===//
#include "runtime/kernels/Collective.h"

#include "runtime/comm/CurrentCommunicator.h"
#include "runtime/comm/ParamShards.h"
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

namespace {

/// This process's rank and its group of `groups` (which it must be in).
Status groupOfThisRank(const char *what, const std::vector<int64_t> &groups,
                       int64_t groupSize, Communicator *&comm,
                       RankGroup &group, int &position) {
  comm = currentCommunicator();
  int rank = comm ? comm->rank() : 0;
  if (!findRankGroup(groups, groupSize, rank, group, position))
    return Status::error(std::string(what) + ": rank " + std::to_string(rank) +
                         " is in none of the op's groups");
  if (static_cast<int64_t>(group.size()) > 1 && (!comm || comm->size() == 1))
    return Status::error(std::string(what) + ": a group of " +
                         std::to_string(group.size()) +
                         " ranks in a run of one");
  return Status::success();
}

/// Copies `result` into `out` (an arena slice in generated code) once their
/// shapes agree.
Status writeResult(const char *what, const Tensor &result, Tensor &out) {
  if (result.dtype() != out.dtype() || result.shape() != out.shape())
    return Status::error(std::string(what) + ": output " +
                         shapeString(out.shape()) + ", expected " +
                         shapeString(result.shape()));
  std::memcpy(out.bytes(), result.bytes(), out.byteSize());
  return Status::success();
}

} // namespace

Status reduceScatter(const Tensor &input, CollectiveOp op, int64_t dim,
                     const std::vector<int64_t> &groups, int64_t groupSize,
                     Tensor &out) {
  Communicator *comm = nullptr;
  RankGroup group;
  int position = 0;
  if (Status s = groupOfThisRank("reduce_scatter", groups, groupSize, comm,
                                 group, position);
      !s)
    return s;
  Tensor result;
  if (group.size() == 1)
    result = input;
  else if (Status s = comm->reduceScatter(input, dim, op, result, group); !s)
    return s;
  return writeResult("reduce_scatter", result, out);
}

Status allGather(const Tensor &input, int64_t dim,
                 const std::vector<int64_t> &groups, int64_t groupSize,
                 Tensor &out) {
  Communicator *comm = nullptr;
  RankGroup group;
  int position = 0;
  if (Status s = groupOfThisRank("all_gather", groups, groupSize, comm, group,
                                 position);
      !s)
    return s;
  Tensor result;
  if (group.size() == 1)
    result = input;
  else if (Status s = comm->allGather(input, dim, result, group); !s)
    return s;
  return writeResult("all_gather", result, out);
}

Status localBlock(const Tensor &input, int64_t dim,
                  const std::vector<int64_t> &groups, int64_t groupSize,
                  Tensor &out) {
  Communicator *comm = currentCommunicator();
  int rank = comm ? comm->rank() : 0;
  RankGroup group;
  int position = 0;
  if (!findRankGroup(groups, groupSize, rank, group, position))
    return Status::error("local_block: rank " + std::to_string(rank) +
                         " is in none of the op's groups");
  Tensor block;
  if (Status s = takeBlock(input, dim, groupSize, position, block); !s)
    return s;
  return writeResult("local_block", block, out);
}

namespace {

/// The sender of the pair in flat `[sender, receiver]` `pairs` that `rank`
/// receives in; -1 when none.
int64_t senderTo(const std::vector<int64_t> &pairs, int rank) {
  for (size_t i = 0; i + 1 < pairs.size(); i += 2)
    if (pairs[i + 1] == rank)
      return pairs[i];
  return -1;
}

} // namespace

Status send(const Tensor &input, const std::vector<int64_t> &pairs) {
  // To the receiver of every pair this rank sends in: a smaller
  // tensor-parallel group fans out to a larger one, and a rank in no pair
  // (a tensor-parallel copy another rank sends) sends nothing.
  Communicator *comm = currentCommunicator();
  int rank = comm ? comm->rank() : 0;
  for (size_t i = 0; i + 1 < pairs.size(); i += 2) {
    if (pairs[i] != rank)
      continue;
    int64_t peer = pairs[i + 1];
    if (!comm || peer >= comm->size())
      return Status::error("send: rank " + std::to_string(peer) +
                           " is not part of this run");
    if (Status s = comm->send(input, static_cast<int>(peer)); !s)
      return s;
  }
  return Status::success();
}

Status recv(const std::vector<int64_t> &pairs, Tensor &out) {
  Communicator *comm = currentCommunicator();
  int rank = comm ? comm->rank() : 0;
  int64_t peer = senderTo(pairs, rank);
  if (peer < 0)
    return Status::error("recv: rank " + std::to_string(rank) +
                         " receives in none of the op's pairs");
  if (!comm || peer >= comm->size())
    return Status::error("recv: rank " + std::to_string(peer) +
                         " is not part of this run");
  Tensor received;
  if (Status s = comm->recv(received, static_cast<int>(peer)); !s)
    return s;
  if (received.dtype() != out.dtype() || received.shape() != out.shape())
    return Status::error("recv: rank " + std::to_string(peer) + " sent " +
                         shapeString(received.shape()) + ", expected " +
                         shapeString(out.shape()));
  // The kernel writes into `out` (an arena slice in generated code).
  std::memcpy(out.bytes(), received.bytes(), out.byteSize());
  return Status::success();
}

} // namespace starch::rt
