//===- NcclAbsent.cpp - Device collectives in a build without NCCL --------===//
//
// Built instead of Nccl.cpp when CMake finds no NCCL: every device
// collective goes through the host (Collective.cpp asks carries() first).
//
//===----------------------------------------------------------------------===//
#include "runtime/cuda/Nccl.h"

namespace starch::rt::cuda::nccl {

namespace {
Status absent() {
  return Status::error("nccl: this build of Starch has no NCCL");
}
} // namespace

bool carries(DType) { return false; }

Status allReduce(const Tensor &, CollectiveOp, const RankGroup &, int,
                 Tensor &) {
  return absent();
}
Status allGather(const Tensor &, int64_t, const RankGroup &, int, Tensor &) {
  return absent();
}
Status reduceScatter(const Tensor &, CollectiveOp, int64_t, const RankGroup &,
                     int, Tensor &) {
  return absent();
}

} // namespace starch::rt::cuda::nccl
