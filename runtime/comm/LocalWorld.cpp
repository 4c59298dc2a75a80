//===- LocalWorld.cpp - N ranks as threads of one process -----------------===//
#include "runtime/comm/LocalWorld.h"

#include "runtime/kernels/DataMovement.h"
#include "runtime/kernels/Elementwise.h"

#include <algorithm>
#include <thread>

namespace starch::rt {

namespace {
std::string rankName(int rank) { return "rank " + std::to_string(rank); }

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

/// Combines all `parts` in order into a new tensor.
Status combine(const std::vector<Tensor> &parts, CollectiveOp op, Tensor &out) {
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
} // namespace

class LocalWorld::RankCommunicator : public Communicator {
public:
  RankCommunicator(LocalWorld &world, int rank) : world_(world), rank_(rank) {}

  int rank() const override { return rank_; }
  int size() const override { return world_.size_; }

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

  Status allReduce(const Tensor &input, CollectiveOp op, Tensor &out,
                   const RankGroup &group) override {
    std::vector<Tensor> parts;
    if (Status s = collect(group, input, parts); !s)
      return s;
    return combine(parts, op, out);
  }

  Status allGather(const Tensor &input, int64_t axis, Tensor &out,
                   const RankGroup &group) override {
    if (axis < 0 || axis >= input.rank())
      return Status::error("all-gather axis out of range");
    std::vector<Tensor> parts;
    if (Status s = collect(group, input, parts); !s)
      return s;
    Shape shape = input.shape();
    shape[axis] = 0;
    for (const Tensor &part : parts)
      shape[axis] += part.shape()[axis];
    Tensor result(input.dtype(), shape);
    if (Status s = concat(parts, axis, result); !s)
      return s;
    out = result;
    return Status::success();
  }

  Status reduceScatter(const Tensor &input, int64_t axis, CollectiveOp op,
                       Tensor &out, const RankGroup &group) override {
    if (axis < 0 || axis >= input.rank())
      return Status::error("reduce-scatter axis out of range");
    std::vector<Tensor> parts;
    if (Status s = collect(group, input, parts); !s)
      return s;
    int64_t members = static_cast<int64_t>(parts.size());
    if (input.shape()[axis] % members)
      return Status::error("reduce-scatter: dimension of size " +
                           std::to_string(input.shape()[axis]) +
                           " does not split into " + std::to_string(members));
    Tensor total;
    if (Status s = combine(parts, op, total); !s)
      return s;
    Shape shape = input.shape();
    shape[axis] /= members;
    std::vector<int64_t> start(input.rank(), 0), strides(input.rank(), 1);
    start[axis] = shape[axis] * indexIn(group);
    Tensor result(input.dtype(), shape);
    if (Status s = slice(total, start, strides, result); !s)
      return s;
    out = result;
    return Status::success();
  }

  Status broadcast(Tensor &tensor, int root, const RankGroup &group) override {
    RankGroup members = resolve(group);
    auto position = std::find(members.begin(), members.end(), root);
    if (position == members.end())
      return Status::error("broadcast root " + rankName(root) +
                           " is not in the group");
    std::vector<Tensor> parts;
    if (Status s = collect(group, rank_ == root ? tensor : Tensor(), parts); !s)
      return s;
    tensor = parts[position - members.begin()].clone();
    return Status::success();
  }

  Status barrier(const RankGroup &group) override {
    std::vector<Tensor> parts;
    return collect(group, Tensor(), parts);
  }

private:
  RankGroup resolve(const RankGroup &group) const {
    if (!group.empty())
      return group;
    RankGroup all(world_.size_);
    for (int r = 0; r < world_.size_; ++r)
      all[r] = r;
    return all;
  }

  int indexIn(const RankGroup &group) const {
    RankGroup members = resolve(group);
    return static_cast<int>(std::find(members.begin(), members.end(), rank_) -
                            members.begin());
  }

  Status collect(const RankGroup &group, const Tensor &input,
                 std::vector<Tensor> &parts) {
    RankGroup members = resolve(group);
    for (int member : members)
      if (member < 0 || member >= world_.size_ ||
          std::count(members.begin(), members.end(), member) != 1)
        return Status::error("bad rank group: rank " + std::to_string(member) +
                             " is out of range or repeated");
    int index = indexIn(members);
    if (index == static_cast<int>(members.size()))
      return Status::error(rankName(rank_) +
                           " joins a collective of a group it is not in");
    uint64_t sequence = sequence_[members]++;
    return world_.exchange(members, sequence, index, input, parts);
  }

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
