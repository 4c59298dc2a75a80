//===- Collective.cpp - Collective kernels on device tensors --------------===//
//
// Until NCCL carries them, a device collective goes through the host: the
// input is downloaded, combined by the rank's communicator (the same
// arithmetic as on the CPU, so the same bits), and uploaded into `out`.
//
//===----------------------------------------------------------------------===//
#include "runtime/cuda/Device.h"
#include "runtime/cuda/Kernels.h"
#include "runtime/kernels/Collective.h"

namespace starch::rt::cuda {

Status allReduce(const Tensor &input, CollectiveOp op,
                 const std::vector<int64_t> &groups, int64_t groupSize,
                 Tensor &out) {
  Tensor host;
  if (Status s = download(input, host); !s)
    return s;
  Tensor combined = Tensor::uninitialized(host.dtype(), host.shape());
  if (Status s = rt::allReduce(host, op, groups, groupSize, combined); !s)
    return s;
  return copyToDevice(combined, out);
}

Status reduceScatter(const Tensor &input, CollectiveOp op, int64_t dim,
                     const std::vector<int64_t> &groups, int64_t groupSize,
                     Tensor &out) {
  Tensor host;
  if (Status s = download(input, host); !s)
    return s;
  Tensor block = Tensor::uninitialized(out.dtype(), out.shape());
  if (Status s = rt::reduceScatter(host, op, dim, groups, groupSize, block); !s)
    return s;
  return copyToDevice(block, out);
}

Status allGather(const Tensor &input, int64_t dim,
                 const std::vector<int64_t> &groups, int64_t groupSize,
                 Tensor &out) {
  Tensor host;
  if (Status s = download(input, host); !s)
    return s;
  Tensor whole = Tensor::uninitialized(out.dtype(), out.shape());
  if (Status s = rt::allGather(host, dim, groups, groupSize, whole); !s)
    return s;
  return copyToDevice(whole, out);
}

Status localBlock(const Tensor &input, int64_t dim,
                  const std::vector<int64_t> &groups, int64_t groupSize,
                  Tensor &out) {
  // No communication, but the block is cut on the host like the others.
  Tensor host;
  if (Status s = download(input, host); !s)
    return s;
  Tensor block = Tensor::uninitialized(out.dtype(), out.shape());
  if (Status s = rt::localBlock(host, dim, groups, groupSize, block); !s)
    return s;
  return copyToDevice(block, out);
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
