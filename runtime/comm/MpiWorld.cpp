//===- MpiWorld.cpp - Ranks as MPI processes ------------------------------===//
#include "runtime/comm/MpiWorld.h"

#include "runtime/comm/Collectives.h"

#include <mpi.h>

#include <algorithm>
#include <list>
#include <cstdio>
#include <cstring>
#include <thread>

namespace starch::rt {

namespace {

using Clock = std::chrono::steady_clock;
/// Marks an empty tensor (barrier, broadcast from another rank).
constexpr int64_t kEmpty = -1;

std::string mpiError(int code) {
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(code, text, &length);
  return std::string(text, length);
}

/// dtype, rank, dims..., then the elements.
std::vector<char> serialize(const Tensor &tensor) {
  std::vector<int64_t> header;
  if (tensor.empty()) {
    header = {kEmpty, 0};
  } else {
    header = {static_cast<int64_t>(tensor.dtype()), tensor.rank()};
    header.insert(header.end(), tensor.shape().begin(), tensor.shape().end());
  }
  size_t headerBytes = header.size() * sizeof(int64_t);
  size_t dataBytes = tensor.empty() ? 0 : tensor.byteSize();
  std::vector<char> buffer(headerBytes + dataBytes);
  std::memcpy(buffer.data(), header.data(), headerBytes);
  if (dataBytes)
    std::memcpy(buffer.data() + headerBytes, tensor.bytes(), dataBytes);
  return buffer;
}

Status deserialize(const std::vector<char> &buffer, Tensor &out) {
  auto bad = [] { return Status::error("a malformed tensor message arrived"); };
  if (buffer.size() < 2 * sizeof(int64_t))
    return bad();
  int64_t dtype, rank;
  std::memcpy(&dtype, buffer.data(), sizeof dtype);
  std::memcpy(&rank, buffer.data() + sizeof dtype, sizeof rank);
  if (dtype == kEmpty) {
    out = Tensor();
    return Status::success();
  }
  if (dtype < 0 || dtype > static_cast<int64_t>(DType::i1) || rank < 0 ||
      rank > 16 || buffer.size() < (2 + rank) * sizeof(int64_t))
    return bad();
  // memcpy wants valid pointers even for no bytes: a scalar's shape and an
  // empty tensor's data have none.
  Shape shape(rank);
  if (rank > 0)
    std::memcpy(shape.data(), buffer.data() + 2 * sizeof(int64_t),
                rank * sizeof(int64_t));
  size_t headerBytes = (2 + rank) * sizeof(int64_t);
  Tensor tensor = Tensor::uninitialized(static_cast<DType>(dtype), shape);
  if (buffer.size() != headerBytes + tensor.byteSize())
    return bad();
  if (tensor.byteSize() > 0)
    std::memcpy(tensor.bytes(), buffer.data() + headerBytes, tensor.byteSize());
  out = std::move(tensor);
  return Status::success();
}

/// Polls without burning a core for long waits: spins first, then sleeps.
void pause(int &polls) {
  if (++polls > 1000)
    std::this_thread::sleep_for(std::chrono::microseconds(100));
}

std::string seconds(std::chrono::milliseconds timeout) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3g s", timeout.count() / 1000.0);
  return text;
}

} // namespace

struct MpiWorld::Impl {
  /// Point-to-point traffic and collectives never share a communicator, so
  /// user tags cannot match collective messages.
  MPI_Comm p2p = MPI_COMM_NULL;
  MPI_Comm all = MPI_COMM_NULL;
  int tagLimit = 32767;
  bool initializedHere = false;
  struct Group {
    MPI_Comm comm = MPI_COMM_NULL;
    uint64_t sequence = 0;
  };
  std::map<RankGroup, Group> groups;

  /// A send in flight: MPI reads `buffer` until `request` completes.
  struct Outgoing {
    MPI_Request request;
    std::vector<char> buffer;
    int destination, tag;
  };
  std::list<Outgoing> outgoing;

  /// Forgets the sends that completed; an MPI error ends the first one.
  Status completeSends() {
    for (auto it = outgoing.begin(); it != outgoing.end();) {
      int complete = 0;
      if (int rc = MPI_Test(&it->request, &complete, MPI_STATUS_IGNORE);
          rc != MPI_SUCCESS)
        return Status::error("send: " + mpiError(rc));
      it = complete ? outgoing.erase(it) : std::next(it);
    }
    return Status::success();
  }

  /// One message being received from `source` on `comm` with `tag`.
  struct Incoming {
    int source;
    bool matched = false, done = false;
    MPI_Message message;
    MPI_Request request;
    std::vector<char> buffer;
  };

  /// Advances `incoming`; true when complete.
  static Status poll(MPI_Comm comm, int tag, Incoming &incoming) {
    if (incoming.done)
      return Status::success();
    if (!incoming.matched) {
      int found = 0;
      MPI_Status status;
      if (int rc = MPI_Improbe(incoming.source, tag, comm, &found,
                               &incoming.message, &status);
          rc != MPI_SUCCESS)
        return Status::error(mpiError(rc));
      if (!found)
        return Status::success();
      int count = 0;
      MPI_Get_count(&status, MPI_BYTE, &count);
      incoming.buffer.resize(count);
      if (int rc = MPI_Imrecv(incoming.buffer.data(), count, MPI_BYTE,
                              &incoming.message, &incoming.request);
          rc != MPI_SUCCESS)
        return Status::error(mpiError(rc));
      incoming.matched = true;
    }
    int complete = 0;
    if (int rc = MPI_Test(&incoming.request, &complete, MPI_STATUS_IGNORE);
        rc != MPI_SUCCESS)
      return Status::error(mpiError(rc));
    incoming.done = complete != 0;
    return Status::success();
  }
};

MpiWorld::MpiWorld(int &argc, char **&argv, std::chrono::milliseconds timeout)
    : timeout_(timeout), impl_(std::make_unique<Impl>()) {
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (!initialized) {
    int provided = 0;
    // Only the thread that owns the world calls MPI.
    MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
    impl_->initializedHere = true;
  }
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
  MPI_Comm_dup(MPI_COMM_WORLD, &impl_->p2p);
  MPI_Comm_dup(MPI_COMM_WORLD, &impl_->all);
  MPI_Comm_set_errhandler(impl_->p2p, MPI_ERRORS_RETURN);
  MPI_Comm_set_errhandler(impl_->all, MPI_ERRORS_RETURN);
  int *limit = nullptr, found = 0;
  MPI_Comm_get_attr(MPI_COMM_WORLD, MPI_TAG_UB, &limit, &found);
  if (found && limit)
    impl_->tagLimit = *limit;
}

MpiWorld::~MpiWorld() {
  // Sends still in flight are delivered before MPI shuts down (a receiver
  // that never asks ends the wait at the watchdog's deadline).
  Clock::time_point deadline = Clock::now() + timeout_;
  for (int polls = 0; !impl_->outgoing.empty() && Clock::now() < deadline;
       pause(polls))
    if (!impl_->completeSends())
      break;
  for (Impl::Outgoing &pending : impl_->outgoing)
    MPI_Cancel(&pending.request);
  for (auto &[members, group] : impl_->groups)
    if (group.comm != MPI_COMM_NULL && group.comm != impl_->all)
      MPI_Comm_free(&group.comm);
  MPI_Comm_free(&impl_->p2p);
  MPI_Comm_free(&impl_->all);
  if (impl_->initializedHere) {
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (!finalized)
      MPI_Finalize();
  }
}

void MpiWorld::abort(const std::string &reason, int exitCode) {
  std::fflush(stdout);
  std::fprintf(stderr, "error: %s: %s; ending the job\n",
               rankName(rank_).c_str(), reason.c_str());
  std::fflush(stderr);
  MPI_Abort(MPI_COMM_WORLD, exitCode);
  std::_Exit(exitCode);
}

Status MpiWorld::send(const Tensor &tensor, int destination, int tag) {
  if (destination < 0 || destination >= size_)
    return Status::error(rankName(rank_) + " sends to " +
                         rankName(destination) + ", which does not exist");
  if (tag < 0 || tag > impl_->tagLimit)
    return Status::error("send tag " + std::to_string(tag) + " out of range");
  // Buffered, as LocalWorld's: the sender goes on at once, so that two
  // pipeline stages sending to each other (activations one way, gradients
  // the other) never wait on each other. A receiver that never receives is
  // caught by its peer's recv deadline or at shutdown.
  if (Status s = impl_->completeSends(); !s)
    return Status::error(rankName(rank_) + ": " + s.message());
  impl_->outgoing.push_back({MPI_REQUEST_NULL, serialize(tensor), destination,
                             tag});
  Impl::Outgoing &pending = impl_->outgoing.back();
  if (int rc = MPI_Isend(pending.buffer.data(),
                         static_cast<int>(pending.buffer.size()), MPI_BYTE,
                         destination, tag, impl_->p2p, &pending.request);
      rc != MPI_SUCCESS) {
    impl_->outgoing.pop_back();
    return Status::error(rankName(rank_) + ": send: " + mpiError(rc));
  }
  return Status::success();
}

Status MpiWorld::recv(Tensor &out, int source, int tag) {
  if (source < 0 || source >= size_)
    return Status::error(rankName(rank_) + " receives from " +
                         rankName(source) + ", which does not exist");
  Impl::Incoming incoming{source};
  Clock::time_point deadline = Clock::now() + timeout_;
  for (int polls = 0;; pause(polls)) {
    if (Status s = Impl::poll(impl_->p2p, tag, incoming); !s)
      return Status::error(rankName(rank_) + ": recv: " + s.message());
    if (incoming.done)
      return deserialize(incoming.buffer, out);
    if (Clock::now() > deadline)
      return Status::error(rankName(rank_) + " timed out after " +
                           seconds(timeout_) + " receiving from " +
                           rankName(source) + " (tag " + std::to_string(tag) +
                           "): it never sent");
  }
}

Status MpiWorld::exchange(const char *what, const RankGroup &group,
                          const Tensor &input, std::vector<Tensor> &parts,
                          int &index, RankGroup &members) {
  if (Status s = resolveGroup(group, size_, rank_, members, index); !s)
    return s;
  Impl::Group &state = impl_->groups[members];
  if (state.comm == MPI_COMM_NULL) {
    if (members.size() == static_cast<size_t>(size_) &&
        std::is_sorted(members.begin(), members.end())) {
      state.comm = impl_->all;
    } else {
      // Collective over the members only; their order is the group's.
      MPI_Group worldGroup, subgroup;
      MPI_Comm_group(impl_->all, &worldGroup);
      MPI_Group_incl(worldGroup, static_cast<int>(members.size()),
                     members.data(), &subgroup);
      int rc = MPI_Comm_create_group(impl_->all, subgroup, 0, &state.comm);
      MPI_Group_free(&subgroup);
      MPI_Group_free(&worldGroup);
      if (rc != MPI_SUCCESS)
        return Status::error(rankName(rank_) + ": cannot form group " +
                             groupName(members) + ": " + mpiError(rc));
      MPI_Comm_set_errhandler(state.comm, MPI_ERRORS_RETURN);
    }
  }
  uint64_t sequence = state.sequence++;
  int tag = static_cast<int>(sequence % static_cast<uint64_t>(impl_->tagLimit));
  int n = static_cast<int>(members.size());
  std::vector<char> mine = serialize(input);
  std::vector<MPI_Request> sends;
  for (int peer = 0; peer < n; ++peer) {
    if (peer == index)
      continue;
    MPI_Request request;
    if (int rc = MPI_Isend(mine.data(), static_cast<int>(mine.size()),
                           MPI_BYTE, peer, tag, state.comm, &request);
        rc != MPI_SUCCESS)
      return Status::error(rankName(rank_) + ": " + what + ": " +
                           mpiError(rc));
    sends.push_back(request);
  }
  std::vector<Impl::Incoming> incoming;
  for (int peer = 0; peer < n; ++peer)
    if (peer != index)
      incoming.push_back({peer});
  Clock::time_point deadline = Clock::now() + timeout_;
  for (int polls = 0;; pause(polls)) {
    bool all = true;
    for (Impl::Incoming &message : incoming) {
      if (Status s = Impl::poll(state.comm, tag, message); !s)
        return Status::error(rankName(rank_) + ": " + what + ": " +
                             s.message());
      all = all && message.done;
    }
    int sent = 0;
    MPI_Testall(static_cast<int>(sends.size()), sends.data(), &sent,
                MPI_STATUSES_IGNORE);
    if (all && sent)
      break;
    if (Clock::now() > deadline) {
      std::string missing;
      for (const Impl::Incoming &message : incoming)
        if (!message.done)
          missing += (missing.empty() ? "" : ", ") +
                     std::to_string(members[message.source]);
      for (MPI_Request &request : sends)
        if (request != MPI_REQUEST_NULL)
          MPI_Cancel(&request);
      return Status::error(
          rankName(rank_) + " timed out after " + seconds(timeout_) + " in " +
          what + " #" + std::to_string(sequence) + " of group " +
          groupName(members) +
          (missing.empty() ? ": its messages were never taken"
                           : ": nothing arrived from rank(s) " + missing));
    }
  }
  parts.assign(n, Tensor());
  parts[index] = input;
  for (const Impl::Incoming &message : incoming)
    if (Status s = deserialize(message.buffer, parts[message.source]); !s)
      return s;
  return Status::success();
}

} // namespace starch::rt
