//===- ExchangeCommunicator.h - Collectives over one exchange ----*- C++ -*-===//
//
// Every collective is the same two steps: each member of the group hands
// over its tensor and gets every member's (the exchange, which is what a
// transport implements: LocalWorld's shared memory, MpiWorld's messages),
// then the shared arithmetic of Collectives.h combines the parts in group
// order. This base class holds those two steps once.
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_RUNTIME_COMM_EXCHANGECOMMUNICATOR_H
#define STARCH_RUNTIME_COMM_EXCHANGECOMMUNICATOR_H

#include "runtime/comm/Communicator.h"

#include <vector>

namespace starch::rt {

class ExchangeCommunicator : public Communicator {
public:
  Status allReduce(const Tensor &input, CollectiveOp op, Tensor &out,
                   const RankGroup &group = {}) override;
  Status allGather(const Tensor &input, int64_t axis, Tensor &out,
                   const RankGroup &group = {}) override;
  Status reduceScatter(const Tensor &input, int64_t axis, CollectiveOp op,
                       Tensor &out, const RankGroup &group = {}) override;
  Status broadcast(Tensor &tensor, int root,
                   const RankGroup &group = {}) override;
  Status barrier(const RankGroup &group = {}) override;

protected:
  /// Every member's `input` for this rank's next collective of `group`
  /// (`what` names it in errors), in group order: `members` is the group
  /// resolved (every rank when empty) and `index` this rank's position.
  virtual Status exchange(const char *what, const RankGroup &group,
                          const Tensor &input, std::vector<Tensor> &parts,
                          int &index, RankGroup &members) = 0;
};

} // namespace starch::rt

#endif // STARCH_RUNTIME_COMM_EXCHANGECOMMUNICATOR_H
