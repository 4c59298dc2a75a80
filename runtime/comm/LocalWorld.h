//===- LocalWorld.h - N ranks as threads of one process ---------*- C++ -*-===//
//
// The in-process world of `starch-run --ranks N`: each rank runs on its own
// thread and talks through shared memory. Data is copied on the way in, as
// it would be over a wire, so no rank ever sees another's later writes.
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_RUNTIME_COMM_LOCALWORLD_H
#define STARCH_RUNTIME_COMM_LOCALWORLD_H

#include "runtime/comm/Communicator.h"

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <tuple>

namespace starch::rt {

class LocalWorld {
public:
  /// `timeout` bounds every wait, so a missing peer gives an error, not a hang.
  explicit LocalWorld(
      int size, std::chrono::milliseconds timeout = std::chrono::minutes(10));
  ~LocalWorld();

  int size() const { return size_; }
  Communicator &communicator(int rank);

  /// Runs `body(rank, communicator)` on one thread per rank and waits for
  /// all. When a rank fails the world is aborted (waiting ranks fail too);
  /// returns the first failure by rank order.
  Status run(const std::function<Status(int, Communicator &)> &body);

  /// Wakes every waiting rank with an error.
  void abort(const std::string &reason);

private:
  class RankCommunicator;
  friend class RankCommunicator;

  struct Slot {
    std::vector<Tensor> contributions;
    int arrived = 0, departed = 0;
  };

  Status deliver(int source, int destination, int tag, Tensor tensor);
  Status take(int source, int destination, int tag, Tensor &out);
  /// Deposits `input` as member `index` of `group` for collective number
  /// `sequence` and returns every member's deposit.
  Status exchange(const RankGroup &group, uint64_t sequence, int index,
                  const Tensor &input, std::vector<Tensor> &all);

  int size_;
  std::chrono::milliseconds timeout_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::map<std::tuple<int, int, int>, std::deque<Tensor>> mailboxes_;
  std::map<std::pair<RankGroup, uint64_t>, Slot> slots_;
  std::string abortReason_;
  std::vector<std::unique_ptr<RankCommunicator>> communicators_;
};

} // namespace starch::rt

#endif // STARCH_RUNTIME_COMM_LOCALWORLD_H
