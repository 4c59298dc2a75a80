//===- ExchangeCommunicator.cpp - Collectives over one exchange -----------===//
#include "runtime/comm/ExchangeCommunicator.h"

#include "runtime/comm/Collectives.h"

#include <algorithm>

namespace starch::rt {

Status ExchangeCommunicator::allReduce(const Tensor &input, CollectiveOp op,
                                       Tensor &out, const RankGroup &group) {
  std::vector<Tensor> parts;
  RankGroup members;
  int index = 0;
  if (Status s = exchange("all-reduce", group, input, parts, index, members);
      !s)
    return s;
  return reduceParts(parts, op, out);
}

Status ExchangeCommunicator::allGather(const Tensor &input, int64_t axis,
                                       Tensor &out, const RankGroup &group) {
  if (axis < 0 || axis >= input.rank())
    return Status::error("all-gather axis out of range");
  std::vector<Tensor> parts;
  RankGroup members;
  int index = 0;
  if (Status s = exchange("all-gather", group, input, parts, index, members);
      !s)
    return s;
  return gatherParts(parts, axis, out);
}

Status ExchangeCommunicator::reduceScatter(const Tensor &input, int64_t axis,
                                           CollectiveOp op, Tensor &out,
                                           const RankGroup &group) {
  if (axis < 0 || axis >= input.rank())
    return Status::error("reduce-scatter axis out of range");
  std::vector<Tensor> parts;
  RankGroup members;
  int index = 0;
  if (Status s =
          exchange("reduce-scatter", group, input, parts, index, members);
      !s)
    return s;
  return reduceScatterParts(parts, axis, op, index, out);
}

Status ExchangeCommunicator::broadcast(Tensor &tensor, int root,
                                       const RankGroup &group) {
  std::vector<Tensor> parts;
  RankGroup members;
  int index = 0;
  if (Status s = exchange("broadcast", group,
                          rank() == root ? tensor : Tensor(), parts, index,
                          members);
      !s)
    return s;
  auto position = std::find(members.begin(), members.end(), root);
  if (position == members.end())
    return Status::error("broadcast root " + rankName(root) +
                         " is not in the group");
  tensor = parts[position - members.begin()].clone();
  return Status::success();
}

Status ExchangeCommunicator::barrier(const RankGroup &group) {
  std::vector<Tensor> parts;
  RankGroup members;
  int index = 0;
  return exchange("barrier", group, Tensor(), parts, index, members);
}

} // namespace starch::rt
