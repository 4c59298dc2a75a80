//===- Elementwise.cu - Elementwise kernels on device tensors -------------===//
#include "runtime/cuda/Kernels.h"
#include "runtime/cuda/Launch.cuh"

namespace starch::rt::cuda {

Status unary(UnaryKind kind, const Tensor &input, Tensor &out) {
  return onDevice(
      [&](DeviceExec &exec) { return drivers::unary(exec, kind, input, out); });
}

Status binary(BinaryKind kind, const Tensor &lhs, const Tensor &rhs,
              Tensor &out) {
  return onDevice([&](DeviceExec &exec) {
    return drivers::binary(exec, kind, lhs, rhs, out);
  });
}

Status compare(CompareKind kind, const Tensor &lhs, const Tensor &rhs,
               Tensor &out) {
  return onDevice([&](DeviceExec &exec) {
    return drivers::compare(exec, kind, lhs, rhs, out);
  });
}

Status select(const Tensor &condition, const Tensor &onTrue,
              const Tensor &onFalse, Tensor &out) {
  return onDevice([&](DeviceExec &exec) {
    return drivers::select(exec, condition, onTrue, onFalse, out);
  });
}

Status convert(const Tensor &input, Tensor &out) {
  return onDevice(
      [&](DeviceExec &exec) { return drivers::convert(exec, input, out); });
}

Status iota(int64_t dim, Tensor &out) {
  return onDevice(
      [&](DeviceExec &exec) { return drivers::iota(exec, dim, out); });
}

Status fill(double value, Tensor &out) {
  return onDevice(
      [&](DeviceExec &exec) { return drivers::fill(exec, value, out); });
}

} // namespace starch::rt::cuda
