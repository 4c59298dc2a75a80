//===- Generated.h - Helpers every generated CUDA program includes -*- C++ -*-===//
//
// The CUDA twin of runtime/train/Generated.h: the same helper names, so the
// code generator emits the same function bodies for both targets, with the
// tensors in device memory and the kernels of runtime/cuda. Parameters live
// on the device between steps (DeviceParams) and are copied back to the
// host store after each step, so the runtime's checkpoints see them.
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_RUNTIME_CUDA_GENERATED_H
#define STARCH_RUNTIME_CUDA_GENERATED_H

#include "runtime/cuda/Cuda.h"
#include "runtime/train/Program.h"
#include "runtime/train/ProgramConstants.h"
#include "runtime/train/ProgramTables.h"
#include "runtime/train/SharedSplats.h"
#include "runtime/train/Trace.h"

#include <cstdio>
#include <cstdlib>
#include <deque>
#include <string>
#include <vector>

namespace starch::rt::gen {

[[noreturn]] inline void fail(const char *where, const std::string &message) {
  std::fprintf(stderr, "error: %s: %s\n", where, message.c_str());
  std::exit(1);
}

inline void check(const Status &status, const char *where) {
  if (!status.ok())
    fail(where, status.message());
}

/// In a loop over layers (one iteration per layer): the op and the layer.
inline void check(const Status &status, const char *op, const char *layer) {
  if (!status.ok())
    fail((std::string(op) + " in " + layer).c_str(), status.message());
}

/// A function's activation memory on the device, placed by the compiler's
/// memory plan.
class Arena {
public:
  explicit Arena(size_t bytes) {
    check(arena_.reserve(bytes ? bytes : 1), "arena");
  }
  Tensor at(size_t offset, DType dtype, Shape shape) {
    Tensor out;
    check(arena_.at(offset, dtype, std::move(shape), out), "arena");
    return out;
  }

private:
  cuda::Arena arena_;
};

/// Device memory that lives as long as the program (constants, inputs).
inline Tensor deviceTensor(DType dtype, Shape shape) {
  static std::deque<cuda::Arena> arenas;
  arenas.emplace_back();
  Tensor out;
  size_t bytes = static_cast<size_t>(numElements(shape)) * dtypeSize(dtype);
  check(arenas.back().reserve(bytes ? bytes : 1), "device memory");
  check(arenas.back().at(0, dtype, std::move(shape), out), "device memory");
  return out;
}

/// A constant of the program's constants file, copied to the device once.
inline Tensor storedConstant(size_t offset, DType dtype, Shape shape) {
  const uint8_t *base = programConstants();
  if (!base)
    fail("constants", "the program's constants file is not loaded");
  Tensor host =
      Tensor::view(dtype, shape, const_cast<uint8_t *>(base + offset));
  Tensor device = deviceTensor(dtype, std::move(shape));
  check(cuda::copyToDevice(host, device), "constant");
  return device;
}

inline Tensor splat(DType dtype, Shape shape, double value) {
  return sharedSplat(dtype, shape, value, [&](int64_t count) {
    Tensor device = deviceTensor(dtype, {count});
    check(cuda::fill(value, device), "constant");
    return device;
  });
}

inline void copyInto(Tensor &dst, const Tensor &src) {
  if (dst.bytes() != src.bytes())
    check(cuda::copyOnDevice(src, dst), "copy");
}

/// A 0-d device tensor's value on the host (the optimizer's lr and step).
template <typename T> T scalarOf(const Tensor &device) {
  Tensor host;
  check(cuda::download(device, host), "scalar");
  return host.data<T>()[0];
}

/// Every element of a device tensor, on the host (the parameters' gradient
/// norms).
template <typename T> std::vector<T> valuesOf(const Tensor &device) {
  Tensor host;
  check(cuda::download(device, host), "values");
  return std::vector<T>(host.data<T>(), host.data<T>() + host.numElements());
}

/// The device copy of the parameter store.
class DeviceParams {
public:
  explicit DeviceParams(const ParamStore &host) {
    int count = 0;
    check(cuda::probeDevices(count), "cuda");
    for (const Tensor &tensor : host) {
      if (tensor.empty()) { // held by another pipeline stage's ranks
        store.emplace_back();
        continue;
      }
      Tensor device = deviceTensor(tensor.dtype(), tensor.shape());
      check(cuda::copyToDevice(tensor, device), "parameters");
      store.push_back(device);
    }
  }
  void copyBack(ParamStore &host) {
    for (size_t i = 0; i < host.size(); ++i)
      if (!store[i].empty())
        check(cuda::copyToHost(store[i], host[i]), "parameters");
  }
  ParamStore store;
};

} // namespace starch::rt::gen

#endif // STARCH_RUNTIME_CUDA_GENERATED_H
