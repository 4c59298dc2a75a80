//===- Generated.h - Helpers every generated program includes ---*- C++ -*-===//
//
// The few lines generated code needs besides the kernels: placing tensors in
// a function's static arena, constants (views of the constants file), copies,
// and turning a kernel error into a message that names the op.
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_RUNTIME_TRAIN_GENERATED_H
#define STARCH_RUNTIME_TRAIN_GENERATED_H

#include "runtime/kernels/Kernels.h"
#include "runtime/train/Program.h"
#include "runtime/train/ProgramConstants.h"
#include "runtime/train/ProgramTables.h"
#include "runtime/train/SharedSplats.h"
#include "runtime/train/Trace.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

namespace starch::rt::gen {

/// A kernel failed: bad data (a label outside the vocabulary) or a compiler
/// bug. Either way the step cannot continue.
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

/// The activation memory of one generated function: one block whose size and
/// offsets the compiler computed (the static memory plan).
class Arena {
public:
  explicit Arena(size_t bytes)
      : data_(static_cast<uint8_t *>(std::aligned_alloc(64, roundUp(bytes))),
              std::free) {
    if (!data_)
      fail("arena", "cannot allocate " + std::to_string(bytes) + " bytes");
  }
  /// A tensor at byte `offset` (a multiple of 64).
  Tensor at(size_t offset, DType dtype, Shape shape) {
    return Tensor::view(dtype, std::move(shape), data_.get() + offset);
  }

private:
  static size_t roundUp(size_t bytes) { return (bytes + 64) / 64 * 64; }
  std::unique_ptr<uint8_t, void (*)(void *)> data_;
};

/// A constant at byte `offset` of the program's constants file (loaded at
/// start-up, see ProgramConstants.h).
inline Tensor storedConstant(size_t offset, DType dtype, Shape shape) {
  const uint8_t *base = programConstants();
  if (!base)
    fail("constants", "the program's constants file is not loaded");
  return Tensor::view(dtype, std::move(shape),
                      const_cast<uint8_t *>(base + offset));
}

/// A tensor with every element `value`.
inline Tensor splat(DType dtype, Shape shape, double value) {
  return sharedSplat(dtype, shape, value, [&](int64_t count) {
    Tensor tensor = Tensor::uninitialized(dtype, {count});
    check(fill(value, tensor), "constant");
    return tensor;
  });
}

/// A 0-d tensor's value (the optimizer's lr and step).
template <typename T> T scalarOf(const Tensor &tensor) {
  return tensor.data<T>()[0];
}

/// Every element of a tensor (the parameters' gradient norms).
template <typename T> std::vector<T> valuesOf(const Tensor &tensor) {
  return std::vector<T>(tensor.data<T>(),
                        tensor.data<T>() + tensor.numElements());
}

/// Copies `src` into `dst` (same type and size).
inline void copyInto(Tensor &dst, const Tensor &src) {
  if (dst.byteSize() != src.byteSize())
    fail("copy", "size mismatch");
  if (dst.bytes() != src.bytes() && src.byteSize())
    std::memcpy(dst.bytes(), src.bytes(), src.byteSize());
}

} // namespace starch::rt::gen

#endif // STARCH_RUNTIME_TRAIN_GENERATED_H
