//===- Nccl.cpp - Device collectives over NCCL ----------------------------===//
#include "runtime/cuda/Nccl.h"

#include "runtime/comm/Collectives.h"
#include "runtime/comm/ContiguousParts.h"
#include "runtime/comm/CurrentCommunicator.h"
#include "runtime/cuda/Device.h"
#include "runtime/cuda/Kernels.h"

#include <nccl.h>

#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <thread>

namespace starch::rt::cuda::nccl {

namespace {

Status check(ncclResult_t result, const std::string &what) {
  if (result == ncclSuccess)
    return Status::success();
  const char *detail = ncclGetLastError(nullptr);
  return Status::error("nccl: " + what + ": " + ncclGetErrorString(result) +
                       (detail && *detail ? std::string(": ") + detail : ""));
}

bool ncclType(DType dtype, ncclDataType_t &out) {
  switch (dtype) {
  case DType::f32:
    out = ncclFloat32;
    return true;
  case DType::f64:
    out = ncclFloat64;
    return true;
  case DType::f16:
    out = ncclFloat16;
    return true;
  case DType::bf16:
    out = ncclBfloat16;
    return true;
  case DType::i64:
    out = ncclInt64;
    return true;
  case DType::i32:
    out = ncclInt32;
    return true;
  case DType::i8:
    out = ncclInt8;
    return true;
  case DType::u8:
    out = ncclUint8;
    return true;
  case DType::i16:
  case DType::i1:
    return false;
  }
  return false;
}

ncclRedOp_t ncclOp(CollectiveOp op) {
  switch (op) {
  case CollectiveOp::sum:
    return ncclSum;
  case CollectiveOp::max:
    return ncclMax;
  case CollectiveOp::min:
    return ncclMin;
  }
  return ncclSum;
}

/// The NCCL communicators of this process, one per (host communicator,
/// group), and a device staging buffer for collectives along an inner
/// dimension. Never destroyed: tearing NCCL down during static destruction
/// races the CUDA runtime's own shutdown (as DeviceContext's fallback).
struct Groups {
  std::mutex mutex;
  std::map<std::pair<const Communicator *, RankGroup>, ncclComm_t> byGroup;
  void *staging = nullptr;
  size_t stagingBytes = 0;
};

Groups &groups() {
  static Groups *instance = new Groups();
  return *instance;
}

/// This rank's NCCL communicator for `group`, made on first use: the
/// group's first member makes the id, MPI carries it to the others.
Status communicatorFor(Communicator &host, const RankGroup &group, int position,
                       ncclComm_t &out) {
  Groups &all = groups();
  std::lock_guard<std::mutex> lock(all.mutex);
  auto key = std::make_pair(&host, group);
  if (auto found = all.byGroup.find(key); found != all.byGroup.end()) {
    out = found->second;
    return Status::success();
  }
  ncclUniqueId id;
  Tensor idBytes = Tensor::uninitialized(DType::u8, {sizeof(id)});
  if (position == 0) {
    if (Status s = check(ncclGetUniqueId(&id), "ncclGetUniqueId"); !s)
      return s;
    std::memcpy(idBytes.bytes(), &id, sizeof(id));
  }
  if (Status s = host.broadcast(idBytes, group[0], group); !s)
    return s;
  std::memcpy(&id, idBytes.bytes(), sizeof(id));
  ncclComm_t comm = nullptr;
  // Every member got the id over MPI, so every member is alive and joins.
  if (Status s = check(
          ncclCommInitRank(&comm, static_cast<int>(group.size()), id, position),
          "ncclCommInitRank for ranks " + groupName(group) +
              " (STARCH_DEVICE_COLLECTIVES=host carries the "
              "collectives through the host instead)");
      !s)
    return s;
  all.byGroup[key] = comm;
  out = comm;
  return Status::success();
}

/// A device buffer of `bytes` for one collective's rearranged operand.
Status staging(size_t bytes, void *&out) {
  Groups &all = groups();
  std::lock_guard<std::mutex> lock(all.mutex);
  if (bytes > all.stagingBytes) {
    if (all.staging)
      cudaFree(all.staging); // waits for the collectives still using it
    all.staging = nullptr;
    all.stagingBytes = 0;
    if (Status s = cuda::check(cudaMalloc(&all.staging, bytes),
                               "cudaMalloc (collective staging)");
        !s)
      return s;
    all.stagingBytes = bytes;
  }
  out = all.staging;
  return Status::success();
}

/// Waits for the collective `what` queued on `context`'s stream, within the
/// host communicator's timeout; on a peer's failure or the timeout the NCCL
/// communicator is aborted (and forgotten), and the error names this rank,
/// the collective and the group.
Status finish(Communicator &host, DeviceContext &context, ncclComm_t comm,
              const RankGroup &group, const char *what) {
  auto deadline = std::chrono::steady_clock::now() + host.timeout();
  auto fail = [&](const std::string &why) {
    ncclCommAbort(comm);
    Groups &all = groups();
    std::lock_guard<std::mutex> lock(all.mutex);
    all.byGroup.erase(std::make_pair(&host, group));
    return Status::error(rankName(host.rank()) + ": " + what +
                         " (nccl) over ranks " + groupName(group) + ": " + why);
  };
  while (true) {
    cudaError_t state = cudaStreamQuery(context.stream());
    if (state == cudaSuccess)
      return context.synchronize(); // and the kernel error word
    if (state != cudaErrorNotReady)
      return cuda::check(state, what);
    ncclResult_t async = ncclSuccess;
    if (Status s =
            check(ncclCommGetAsyncError(comm, &async), "ncclCommGetAsyncError");
        !s)
      return s;
    if (async != ncclSuccess && async != ncclInProgress)
      return fail(ncclGetErrorString(async));
    if (std::chrono::steady_clock::now() > deadline)
      return fail("no answer within " +
                  std::to_string(host.timeout().count() / 1000) +
                  " s (a peer died or hangs)");
    std::this_thread::sleep_for(std::chrono::microseconds(50));
  }
}

/// What each collective needs: the host communicator, the device context
/// and the group's NCCL communicator.
struct Call {
  Communicator *host = nullptr;
  DeviceContext *context = nullptr;
  ncclComm_t comm = nullptr;
  ncclDataType_t type = ncclFloat32;
};

Status prepare(const Tensor &input, const RankGroup &group, int position,
               Call &call) {
  call.host = currentCommunicator();
  if (!call.host)
    return Status::error("nccl: a device collective in a run of one rank");
  if (!ncclType(input.dtype(), call.type))
    return Status::error(std::string("nccl: no NCCL type for ") +
                         dtypeName(input.dtype()));
  if (Status s = DeviceContext::current(call.context); !s)
    return s;
  return communicatorFor(*call.host, group, position, call.comm);
}

} // namespace

bool carries(DType dtype) {
  static const bool wanted = [] {
    const char *mode = std::getenv("STARCH_DEVICE_COLLECTIVES");
    return !mode || std::string(mode) != "host";
  }();
  Communicator *host = currentCommunicator();
  ncclDataType_t type;
  return wanted && host && host->size() > 1 && ncclType(dtype, type);
}

Status allReduce(const Tensor &input, CollectiveOp op, const RankGroup &group,
                 int position, Tensor &out) {
  if (input.dtype() != out.dtype() || input.shape() != out.shape())
    return Status::error("all_reduce: output " + shapeString(out.shape()) +
                         " does not match input " + shapeString(input.shape()));
  Call call;
  if (Status s = prepare(input, group, position, call); !s)
    return s;
  if (Status s = check(ncclAllReduce(input.bytes(), out.bytes(),
                                     input.numElements(), call.type, ncclOp(op),
                                     call.comm, call.context->stream()),
                       "ncclAllReduce");
      !s)
    return s;
  return finish(*call.host, *call.context, call.comm, group, "all_reduce");
}

Status allGather(const Tensor &input, int64_t dim, const RankGroup &group,
                 int position, Tensor &out) {
  int64_t members = static_cast<int64_t>(group.size());
  Shape expected;
  if (Status s = gatheredShape(input.shape(), dim, members, expected); !s)
    return s;
  if (input.dtype() != out.dtype() || out.shape() != expected)
    return Status::error("all_gather: output " + shapeString(out.shape()) +
                         ", expected " + shapeString(expected));
  Call call;
  if (Status s = prepare(input, group, position, call); !s)
    return s;
  // NCCL lays the parts out rank after rank: the join along `dim` only
  // when nothing precedes it, else one transpose away (ContiguousParts.h).
  PartLayout layout = partLayout(out.shape(), dim, members);
  void *gathered = out.bytes();
  if (layout.outer > 1)
    if (Status s = staging(out.byteSize(), gathered); !s)
      return s;
  if (Status s =
          check(ncclAllGather(input.bytes(), gathered, input.numElements(),
                              call.type, call.comm, call.context->stream()),
                "ncclAllGather");
      !s)
    return s;
  if (layout.outer > 1) {
    Tensor parts = Tensor::view(out.dtype(), layout.rankMajor(), gathered);
    Tensor joined = Tensor::view(out.dtype(), layout.whole(), out.bytes());
    if (Status s = transpose(parts, {1, 0, 2}, joined); !s)
      return s;
  }
  return finish(*call.host, *call.context, call.comm, group, "all_gather");
}

Status reduceScatter(const Tensor &input, CollectiveOp op, int64_t dim,
                     const RankGroup &group, int position, Tensor &out) {
  int64_t members = static_cast<int64_t>(group.size());
  Shape expected;
  if (Status s = scatteredShape(input.shape(), dim, members, expected); !s)
    return s;
  if (input.dtype() != out.dtype() || out.shape() != expected)
    return Status::error("reduce_scatter: output " + shapeString(out.shape()) +
                         ", expected " + shapeString(expected));
  Call call;
  if (Status s = prepare(input, group, position, call); !s)
    return s;
  // NCCL gives rank i the i-th contiguous piece: each rank's block along
  // `dim` is made contiguous first unless it already is.
  PartLayout layout = partLayout(input.shape(), dim, members);
  const void *pieces = input.bytes();
  if (layout.outer > 1) {
    void *staged = nullptr;
    if (Status s = staging(input.byteSize(), staged); !s)
      return s;
    Tensor blocks = Tensor::view(input.dtype(), layout.whole(),
                                 const_cast<uint8_t *>(input.bytes()));
    Tensor grouped = Tensor::view(input.dtype(), layout.rankMajor(), staged);
    if (Status s = transpose(blocks, {1, 0, 2}, grouped); !s)
      return s;
    pieces = staged;
  }
  if (Status s = check(ncclReduceScatter(pieces, out.bytes(), out.numElements(),
                                         call.type, ncclOp(op), call.comm,
                                         call.context->stream()),
                       "ncclReduceScatter");
      !s)
    return s;
  return finish(*call.host, *call.context, call.comm, group, "reduce_scatter");
}

} // namespace starch::rt::cuda::nccl
