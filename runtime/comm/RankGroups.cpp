//===- RankGroups.cpp - Which group of a partition a rank is in -----------===//
#include "runtime/comm/RankGroups.h"

namespace starch::rt {

bool findRankGroup(const std::vector<int64_t> &groups, int64_t groupSize,
                   int rank, RankGroup &group, int &position) {
  if (groupSize <= 0)
    return false;
  for (size_t i = 0; i < groups.size(); ++i) {
    if (groups[i] != rank)
      continue;
    size_t first = i - i % static_cast<size_t>(groupSize);
    if (first + static_cast<size_t>(groupSize) > groups.size())
      return false;
    group.assign(groups.begin() + first, groups.begin() + first + groupSize);
    position = static_cast<int>(i - first);
    return true;
  }
  return false;
}

} // namespace starch::rt
