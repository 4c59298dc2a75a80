//===- DataMovement.cu - Data movement kernels on device tensors ----------===//
#include "runtime/cuda/Kernels.h"
#include "runtime/cuda/Launch.cuh"

namespace starch::rt::cuda {

Status broadcast(const Tensor &input, const std::vector<int64_t> &dims,
                 Tensor &out) {
  return onDevice([&](DeviceExec &exec) {
    return drivers::broadcast(exec, input, dims, out);
  });
}

Status transpose(const Tensor &input, const std::vector<int64_t> &perm,
                 Tensor &out) {
  return onDevice([&](DeviceExec &exec) {
    return drivers::transpose(exec, input, perm, out);
  });
}

Status concat(const std::vector<Tensor> &inputs, int64_t axis, Tensor &out) {
  return onDevice([&](DeviceExec &exec) {
    return drivers::concat(exec, inputs, axis, out);
  });
}

Status slice(const Tensor &input, const std::vector<int64_t> &start,
             const std::vector<int64_t> &strides, Tensor &out) {
  return onDevice([&](DeviceExec &exec) {
    return drivers::slice(exec, input, start, strides, out);
  });
}

Status pad(const Tensor &input, const std::vector<int64_t> &low,
           const std::vector<int64_t> &high, double value, Tensor &out) {
  return onDevice([&](DeviceExec &exec) {
    return drivers::pad(exec, input, low, high, value, out);
  });
}

Status scatterAdd(const Tensor &updates, const Tensor &indices, int64_t axis,
                  Tensor &out, const Tensor *offset) {
  return onDevice([&](DeviceExec &exec) {
    return drivers::scatterAdd(exec, updates, indices, axis, out, offset);
  });
}

Status gather(const Tensor &data, const Tensor &indices, int64_t axis,
              Tensor &out, const Tensor *offset) {
  return onDevice([&](DeviceExec &exec) {
    return drivers::gather(exec, data, indices, axis, out, offset);
  });
}

} // namespace starch::rt::cuda
