//===- Npy.h - NumPy .npy files ---------------------------------*- C++ -*-===//
//
// Format versions 1, 2 and 3, little-endian, C order. Element types: <f4 <f8
// <f2 <i8 <i4 <i2 |i1 |u1 |b1. Errors are returned, never thrown.
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_RUNTIME_IO_NPY_H
#define STARCH_RUNTIME_IO_NPY_H

#include "runtime/Tensor.h"

#include <optional>
#include <string>

namespace starch::rt {

/// The .npy `descr` of `dtype` ('<f4', ...); none for bf16.
std::optional<std::string> npyDescr(DType dtype);

/// Reads `path` into `out`. On failure returns false and sets `error` to a
/// sentence naming the file and the problem.
bool readNpy(const std::string &path, Tensor &out, std::string &error);
/// Parses an in-memory .npy file (`label` names it in errors).
bool parseNpy(const std::string &bytes, const std::string &label, Tensor &out,
              std::string &error);

/// Writes `tensor` to `path` (version 1 header). bf16 has no .npy type and
/// is an error; convert it first.
bool writeNpy(const std::string &path, const Tensor &tensor,
              std::string &error);

} // namespace starch::rt

#endif // STARCH_RUNTIME_IO_NPY_H
