//===- LocalWorld.cpp - N ranks as threads of one process -----------------===//
#include "runtime/comm/LocalWorld.h"

#include "runtime/comm/Collectives.h"
#include "runtime/comm/ExchangeCommunicator.h"

#include <algorithm>
#include <thread>

namespace starch::rt {


class LocalWorld::RankCommunicator : public ExchangeCommunicator {
public:
  RankCommunicator(LocalWorld &world, int rank) : world_(world), rank_(rank) {}

  int rank() const override { return rank_; }
  int size() const override { return world_.size_; }
  std::chrono::milliseconds timeout() const override { return world_.timeout_; }

  Status send(const Tensor &tensor, int destination, int tag) override {
    if (destination < 0 || destination >= world_.size_)
      return Status::error(rankName(rank_) + " sends to " +
                           rankName(destination) + ", which does not exist");
    return world_.deliver(rank_, destination, tag, tensor.clone());
  }

  Status recv(Tensor &out, int source, int tag) override {
    if (source < 0 || source >= world_.size_)
      return Status::error(rankName(rank_) + " receives from " +
                           rankName(source) + ", which does not exist");
    return world_.take(source, rank_, tag, out);
  }

protected:
  /// Through the world's shared slots for this group's next collective.
  Status exchange(const char *, const RankGroup &group, const Tensor &input,
                  std::vector<Tensor> &parts, int &index,
                  RankGroup &members) override {
    if (Status s = resolveGroup(group, world_.size_, rank_, members, index); !s)
      return s;
    uint64_t sequence = sequence_[members]++;
    return world_.exchange(members, sequence, index, input, parts);
  }

private:
  LocalWorld &world_;
  int rank_;
  std::map<RankGroup, uint64_t> sequence_; // collectives made per group
};

LocalWorld::LocalWorld(int size, std::chrono::milliseconds timeout)
    : size_(size), timeout_(timeout) {
  for (int rank = 0; rank < size; ++rank)
    communicators_.push_back(std::make_unique<RankCommunicator>(*this, rank));
}

LocalWorld::~LocalWorld() = default;

Communicator &LocalWorld::communicator(int rank) {
  return *communicators_.at(rank);
}

void LocalWorld::abort(const std::string &reason) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (abortReason_.empty())
    abortReason_ = reason.empty() ? "aborted" : reason;
  changed_.notify_all();
}

Status LocalWorld::deliver(int source, int destination, int tag,
                           Tensor tensor) {
  std::lock_guard<std::mutex> lock(mutex_);
  mailboxes_[{source, destination, tag}].push_back(std::move(tensor));
  changed_.notify_all();
  return Status::success();
}

Status LocalWorld::take(int source, int destination, int tag, Tensor &out) {
  std::unique_lock<std::mutex> lock(mutex_);
  auto key = std::make_tuple(source, destination, tag);
  bool ready = changed_.wait_for(lock, timeout_, [&] {
    auto it = mailboxes_.find(key);
    return !abortReason_.empty() ||
           (it != mailboxes_.end() && !it->second.empty());
  });
  if (!abortReason_.empty())
    return Status::error(rankName(destination) + " stopped waiting for " +
                         rankName(source) + ": " + abortReason_);
  if (!ready)
    return Status::error(rankName(destination) + " timed out receiving from " +
                         rankName(source) + " (tag " + std::to_string(tag) +
                         ")");
  std::deque<Tensor> &queue = mailboxes_[key];
  out = std::move(queue.front());
  queue.pop_front();
  return Status::success();
}

Status LocalWorld::exchange(const RankGroup &group, uint64_t sequence,
                            int index, const Tensor &input,
                            std::vector<Tensor> &all) {
  Tensor copy = input.empty() ? Tensor() : input.clone();
  std::unique_lock<std::mutex> lock(mutex_);
  auto key = std::make_pair(group, sequence);
  Slot &slot = slots_[key];
  int members = static_cast<int>(group.size());
  if (slot.contributions.empty())
    slot.contributions.resize(members);
  slot.contributions[index] = std::move(copy);
  ++slot.arrived;
  changed_.notify_all();
  bool ready = changed_.wait_for(lock, timeout_, [&] {
    return !abortReason_.empty() || slot.arrived == members;
  });
  if (!abortReason_.empty() || !ready) {
    std::string why =
        !abortReason_.empty()
            ? abortReason_
            : "timed out waiting for the other ranks of the group";
    if (++slot.departed == slot.arrived)
      slots_.erase(key);
    return Status::error(rankName(group[index]) + " left a collective: " + why);
  }
  all = slot.contributions;
  if (++slot.departed == members)
    slots_.erase(key);
  return Status::success();
}

Status LocalWorld::run(const std::function<Status(int, Communicator &)> &body) {
  std::vector<Status> results(size_);
  std::vector<std::thread> threads;
  std::mutex failureMutex;
  int firstFailure = -1; // the root cause; later failures follow the abort
  for (int rank = 0; rank < size_; ++rank)
    threads.emplace_back([&, rank] {
      results[rank] = body(rank, communicator(rank));
      if (results[rank].ok())
        return;
      {
        std::lock_guard<std::mutex> lock(failureMutex);
        if (firstFailure < 0)
          firstFailure = rank;
      }
      abort(rankName(rank) + " failed");
    });
  for (std::thread &thread : threads)
    thread.join();
  if (firstFailure < 0)
    return Status::success();
  return Status::error(rankName(firstFailure) + ": " +
                       results[firstFailure].message());
}

} // namespace starch::rt
