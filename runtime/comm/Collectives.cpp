//===- Collectives.cpp - The arithmetic of collectives --------------------===//
#include "runtime/comm/Collectives.h"

#include "runtime/kernels/DataMovement.h"
#include "runtime/kernels/Elementwise.h"

#include <algorithm>

namespace starch::rt {

namespace {

BinaryKind combinerOf(CollectiveOp op) {
  switch (op) {
  case CollectiveOp::sum:
    return BinaryKind::add;
  case CollectiveOp::max:
    return BinaryKind::max;
  case CollectiveOp::min:
    return BinaryKind::min;
  }
  return BinaryKind::add;
}

} // namespace

std::string rankName(int rank) { return "rank " + std::to_string(rank); }

std::string groupName(const RankGroup &group) {
  std::string text = "[";
  for (size_t i = 0; i < group.size(); ++i)
    text += (i ? ", " : "") + std::to_string(group[i]);
  return text + "]";
}

Status resolveGroup(const RankGroup &group, int size, int rank,
                    RankGroup &members, int &index) {
  members = group;
  if (members.empty())
    for (int r = 0; r < size; ++r)
      members.push_back(r);
  for (int member : members)
    if (member < 0 || member >= size ||
        std::count(members.begin(), members.end(), member) != 1)
      return Status::error("bad rank group " + groupName(members) + ": rank " +
                           std::to_string(member) +
                           " is out of range or repeated");
  auto position = std::find(members.begin(), members.end(), rank);
  if (position == members.end())
    return Status::error(rankName(rank) + " joins a collective of group " +
                         groupName(members) + ", which it is not in");
  index = static_cast<int>(position - members.begin());
  return Status::success();
}

Status reduceParts(const std::vector<Tensor> &parts, CollectiveOp op,
                   Tensor &out) {
  for (const Tensor &part : parts)
    if (part.shape() != parts[0].shape() || part.dtype() != parts[0].dtype())
      return Status::error("collective inputs differ in shape or type: " +
                           shapeString(parts[0].shape()) + " vs " +
                           shapeString(part.shape()));
  Tensor result = parts[0].clone();
  for (size_t i = 1; i < parts.size(); ++i)
    if (Status s = binary(combinerOf(op), result, parts[i], result); !s)
      return s;
  out = result;
  return Status::success();
}

Status gatherParts(const std::vector<Tensor> &parts, int64_t axis,
                   Tensor &out) {
  if (axis < 0 || axis >= parts[0].rank())
    return Status::error("all-gather axis out of range");
  Shape shape = parts[0].shape();
  shape[axis] = 0;
  for (const Tensor &part : parts)
    shape[axis] += part.shape()[axis];
  Tensor result(parts[0].dtype(), shape);
  if (Status s = concat(parts, axis, result); !s)
    return s;
  out = result;
  return Status::success();
}

Status gatheredShape(const Shape &part, int64_t axis, int64_t members,
                     Shape &out) {
  if (axis < 0 || axis >= static_cast<int64_t>(part.size()))
    return Status::error("all-gather axis out of range");
  out = part;
  out[axis] *= members;
  return Status::success();
}

Status scatteredShape(const Shape &input, int64_t axis, int64_t members,
                      Shape &out) {
  if (axis < 0 || axis >= static_cast<int64_t>(input.size()))
    return Status::error("reduce-scatter axis out of range");
  if (input[axis] % members)
    return Status::error("reduce-scatter: dimension of size " +
                         std::to_string(input[axis]) + " does not split into " +
                         std::to_string(members));
  out = input;
  out[axis] /= members;
  return Status::success();
}

Status reduceScatterParts(const std::vector<Tensor> &parts, int64_t axis,
                          CollectiveOp op, int index, Tensor &out) {
  const Tensor &input = parts[0];
  Shape shape;
  if (Status s = scatteredShape(input.shape(), axis,
                                static_cast<int64_t>(parts.size()), shape);
      !s)
    return s;
  Tensor total;
  if (Status s = reduceParts(parts, op, total); !s)
    return s;
  std::vector<int64_t> start(input.rank(), 0), strides(input.rank(), 1);
  start[axis] = shape[axis] * index;
  Tensor result(input.dtype(), shape);
  if (Status s = slice(total, start, strides, result); !s)
    return s;
  out = result;
  return Status::success();
}

} // namespace starch::rt
