//===- Communicator.h - Point-to-point and collective transfers -*- C++ -*-===//
//
// What a rank of a distributed program may ask of the others. Implemented by
// LocalWorld (threads of one process sharing memory: starch-run --ranks N)
// and MpiWorld (processes under mpirun); device collectives bootstrap NCCL
// over it (runtime/cuda/Nccl.h). Every call is blocking; every rank of
// `group` must make the same collective calls in the same order.
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_RUNTIME_COMM_COMMUNICATOR_H
#define STARCH_RUNTIME_COMM_COMMUNICATOR_H

#include "runtime/Tensor.h"
#include "runtime/kernels/Status.h"

#include <chrono>
#include <vector>

namespace starch::rt {

enum class CollectiveOp : uint8_t { sum, max, min };

/// The ranks taking part in a collective, in order; empty means every rank.
using RankGroup = std::vector<int>;

class Communicator {
public:
  virtual ~Communicator() = default;

  virtual int rank() const = 0;
  virtual int size() const = 0;
  /// How long any wait may last before it is an error naming the peers
  /// that did not answer (transports outside this interface, such as NCCL,
  /// wait as long).
  virtual std::chrono::milliseconds timeout() const = 0;

  /// Sends a copy of `tensor` to `destination` and returns without waiting
  /// for it to be received (the transport buffers it); messages between two
  /// ranks with one `tag` arrive in order; `tag` separates streams.
  virtual Status send(const Tensor &tensor, int destination, int tag = 0) = 0;
  /// Receives the next tensor sent by `source` with `tag`.
  virtual Status recv(Tensor &out, int source, int tag = 0) = 0;

  /// Every rank of `group` gets the elementwise combination of all inputs
  /// (summed in rank order, so all ranks get identical bits).
  virtual Status allReduce(const Tensor &input, CollectiveOp op, Tensor &out,
                           const RankGroup &group = {}) = 0;
  /// Concatenation of every rank's input along `axis`, in group order.
  virtual Status allGather(const Tensor &input, int64_t axis, Tensor &out,
                           const RankGroup &group = {}) = 0;
  /// The all-reduce split along `axis` into group-size equal parts; the
  /// rank at position i of the group keeps part i.
  virtual Status reduceScatter(const Tensor &input, int64_t axis,
                               CollectiveOp op, Tensor &out,
                               const RankGroup &group = {}) = 0;
  /// Everyone gets `root`'s tensor (`tensor` is read on root, set elsewhere).
  virtual Status broadcast(Tensor &tensor, int root,
                           const RankGroup &group = {}) = 0;
  /// Returns once every rank of `group` has called it.
  virtual Status barrier(const RankGroup &group = {}) = 0;
};

} // namespace starch::rt

#endif // STARCH_RUNTIME_COMM_COMMUNICATOR_H
