//===- Collective.cpp - Collective kernels on device tensors --------------===//
//
// In a multi-rank run, all-reduce, all-gather and reduce-scatter go over
// NCCL between device buffers (Nccl.h) when the build has it. Otherwise,
// and for send/recv, the input is downloaded, combined or moved by the
// rank's host communicator (the arithmetic of the CPU kernels, so the same
// bits), and uploaded into `out`. Point-to-point stays on the host because
// the pipeline schedule relies on buffered sends (a send returns before it
// is received: StageOrders.cpp's deadlock check assumes it), which NCCL's
// sends are not.
//
//===----------------------------------------------------------------------===//
#include "runtime/kernels/Collective.h"
#include "runtime/comm/Collectives.h"
#include "runtime/comm/CurrentCommunicator.h"
#include "runtime/comm/RankGroups.h"
#include "runtime/cuda/Device.h"
#include "runtime/cuda/Kernels.h"
#include "runtime/cuda/Nccl.h"
#include "runtime/kernels/TokenDistribution.h"

namespace starch::rt::cuda {

namespace {

/// `out` = `hostKernel` (a CPU collective) applied to `input` on the host.
template <typename HostKernel>
Status viaHost(const Tensor &input, Tensor &out, HostKernel hostKernel) {
  Tensor host;
  if (Status s = download(input, host); !s)
    return s;
  Tensor result = Tensor::uninitialized(out.dtype(), out.shape());
  if (Status s = hostKernel(host, result); !s)
    return s;
  return copyToDevice(result, out);
}

/// Runs `overNccl(group, position)` when NCCL carries this collective (a
/// build with NCCL, a run of several ranks, a group of more than one),
/// `viaHostPath()` otherwise.
template <typename OverNccl, typename ViaHost>
Status dispatch(const Tensor &input, const std::vector<int64_t> &groups,
                int64_t groupSize, OverNccl overNccl, ViaHost viaHostPath) {
  if (nccl::carries(input.dtype())) {
    Communicator *comm = currentCommunicator();
    RankGroup group;
    int position = 0;
    bool found =
        groups.empty()
            ? static_cast<bool>(
                  resolveGroup({}, comm->size(), comm->rank(), group, position))
            : findRankGroup(groups, groupSize, comm->rank(), group, position);
    if (!found)
      return viaHostPath(); // the host path names the missing group
    if (group.size() > 1)
      return overNccl(group, position);
  }
  return viaHostPath();
}

} // namespace

Status allReduce(const Tensor &input, CollectiveOp op,
                 const std::vector<int64_t> &groups, int64_t groupSize,
                 Tensor &out) {
  return dispatch(
      input, groups, groupSize,
      [&](const RankGroup &group, int position) {
        return nccl::allReduce(input, op, group, position, out);
      },
      [&] {
        return viaHost(input, out, [&](const Tensor &host, Tensor &result) {
          return rt::allReduce(host, op, groups, groupSize, result);
        });
      });
}

Status reduceScatter(const Tensor &input, CollectiveOp op, int64_t dim,
                     const std::vector<int64_t> &groups, int64_t groupSize,
                     Tensor &out) {
  return dispatch(
      input, groups, groupSize,
      [&](const RankGroup &group, int position) {
        return nccl::reduceScatter(input, op, dim, group, position, out);
      },
      [&] {
        return viaHost(input, out, [&](const Tensor &host, Tensor &result) {
          return rt::reduceScatter(host, op, dim, groups, groupSize, result);
        });
      });
}

Status allGather(const Tensor &input, int64_t dim,
                 const std::vector<int64_t> &groups, int64_t groupSize,
                 Tensor &out) {
  return dispatch(
      input, groups, groupSize,
      [&](const RankGroup &group, int position) {
        return nccl::allGather(input, dim, group, position, out);
      },
      [&] {
        return viaHost(input, out, [&](const Tensor &host, Tensor &result) {
          return rt::allGather(host, dim, groups, groupSize, result);
        });
      });
}

// No communication, but the block is cut on the host like the others.
Status localBlock(const Tensor &input, int64_t dim,
                  const std::vector<int64_t> &groups, int64_t groupSize,
                  Tensor &out) {
  return viaHost(input, out, [&](const Tensor &host, Tensor &result) {
    return rt::localBlock(host, dim, groups, groupSize, result);
  });
}

// Integer bookkeeping once per micro-batch: dealt on the host.
Status tokenDistribution(const Tensor &bits, int64_t parts, int64_t block,
                         TokenStrategy strategy, Tensor &order,
                         Tensor &inverse) {
  Tensor host;
  if (Status s = download(bits, host); !s)
    return s;
  Tensor hostOrder = Tensor::uninitialized(order.dtype(), order.shape());
  Tensor hostInverse = Tensor::uninitialized(inverse.dtype(), inverse.shape());
  if (Status s = rt::tokenDistribution(host, parts, block, strategy, hostOrder,
                                       hostInverse);
      !s)
    return s;
  if (Status s = copyToDevice(hostOrder, order); !s)
    return s;
  return copyToDevice(hostInverse, inverse);
}

Status send(const Tensor &input, const std::vector<int64_t> &pairs) {
  Tensor host;
  if (Status s = download(input, host); !s)
    return s;
  return rt::send(host, pairs);
}

Status recv(const std::vector<int64_t> &pairs, Tensor &out) {
  Tensor host = Tensor::uninitialized(out.dtype(), out.shape());
  if (Status s = rt::recv(pairs, host); !s)
    return s;
  return copyToDevice(host, out);
}

} // namespace starch::rt::cuda
