//===- Collectives.h - The arithmetic of collectives ------------*- C++ -*-===//
//
// What a collective computes once every member's tensor is at hand, shared
// by every communicator (LocalWorld's threads, MpiWorld's processes), so
// that each gives the same bits: reductions combine the parts in group
// order, gathers concatenate them in group order.
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_RUNTIME_COMM_COLLECTIVES_H
#define STARCH_RUNTIME_COMM_COLLECTIVES_H

#include "runtime/comm/Communicator.h"

#include <string>
#include <vector>

namespace starch::rt {

std::string rankName(int rank);
/// "[0, 2, 3]".
std::string groupName(const RankGroup &group);

/// `group`, or every rank of a world of `size` when it is empty; an error
/// for ranks out of range or repeated, or when `rank` is not a member.
Status resolveGroup(const RankGroup &group, int size, int rank,
                    RankGroup &members, int &index);

/// The shape of an all-gather of equal parts of shape `part` from `members`
/// ranks along `axis`; an error when the axis is out of range.
Status gatheredShape(const Shape &part, int64_t axis, int64_t members,
                     Shape &out);
/// The shape of each rank's piece of a reduce-scatter of `input` over
/// `members` ranks along `axis`; an error when the axis is out of range or
/// its size does not split evenly.
Status scatteredShape(const Shape &input, int64_t axis, int64_t members,
                      Shape &out);
/// The elementwise combination of `parts`, in order.
Status reduceParts(const std::vector<Tensor> &parts, CollectiveOp op,
                   Tensor &out);
/// The concatenation of `parts` along `axis`, in order.
Status gatherParts(const std::vector<Tensor> &parts, int64_t axis, Tensor &out);
/// The reduction of `parts`, split along `axis` into parts.size() equal
/// pieces; piece `index`.
Status reduceScatterParts(const std::vector<Tensor> &parts, int64_t axis,
                          CollectiveOp op, int index, Tensor &out);

} // namespace starch::rt

#endif // STARCH_RUNTIME_COMM_COLLECTIVES_H
