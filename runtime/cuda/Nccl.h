//===- Nccl.h - Device collectives over NCCL --------------------*- C++ -*-===//
//
// The collective kernels of a multi-rank CUDA program, carried by NCCL
// between device buffers instead of through the host. The host communicator
// (MpiWorld) stays the bootstrap: for each rank group a collective first
// uses, the group's first member makes an NCCL id and broadcasts it to the
// others over MPI, and every member joins one NCCL communicator for the
// group (cached for the run). Collectives are matched within a group in
// program order, so this lazy creation needs no schedule of its own.
//
// NCCL reduces in its own order (rings, trees): sums agree across the
// ranks of a group but are not the rank-order bits of the host path.
// STARCH_DEVICE_COLLECTIVES=host keeps the host path (docs/cuda.md).
//
// Each call waits for its collective with the host communicator's timeout:
// a dead or hung peer gives an error naming this rank, the collective and
// the group, and the NCCL communicator is aborted.
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_RUNTIME_CUDA_NCCL_H
#define STARCH_RUNTIME_CUDA_NCCL_H

#include "runtime/Tensor.h"
#include "runtime/comm/Communicator.h"
#include "runtime/kernels/Status.h"

namespace starch::rt::cuda::nccl {

/// Whether this build has NCCL and this run carries device collectives of
/// `dtype` over it: more than one rank, STARCH_DEVICE_COLLECTIVES is not
/// "host", and NCCL has the type (it has no i16 or i1; those go through
/// the host).
bool carries(DType dtype);

/// The collectives of runtime/kernels/Collective.h on device tensors, for
/// this rank's `group` (resolved, more than one rank) at `position`.
Status allReduce(const Tensor &input, CollectiveOp op, const RankGroup &group,
                 int position, Tensor &out);
Status allGather(const Tensor &input, int64_t dim, const RankGroup &group,
                 int position, Tensor &out);
Status reduceScatter(const Tensor &input, CollectiveOp op, int64_t dim,
                     const RankGroup &group, int position, Tensor &out);

} // namespace starch::rt::cuda::nccl

#endif // STARCH_RUNTIME_CUDA_NCCL_H
