//===- RankGroups.h - Which group of a partition a rank is in ----*- C++ -*-===//
//
// A collective or a sharded parameter names its groups as one flat list of
// ranks cut into groups of `groupSize` (`[0, 1, 2, 3]` of size 2 is the
// groups {0, 1} and {2, 3}); an empty list is the whole world.
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_RUNTIME_COMM_RANKGROUPS_H
#define STARCH_RUNTIME_COMM_RANKGROUPS_H

#include "runtime/comm/Communicator.h"

#include <cstdint>
#include <vector>

namespace starch::rt {

/// The group of `groups` (flat, groupSize ranks each) holding `rank`, and
/// the rank's position in it; false when no group holds it.
bool findRankGroup(const std::vector<int64_t> &groups, int64_t groupSize,
                   int rank, RankGroup &group, int &position);

} // namespace starch::rt

#endif // STARCH_RUNTIME_COMM_RANKGROUPS_H
