//===- ImportLimits.h - Bounds on the sizes an import computes --*- C++ -*-===//
//
// A hostile file may declare any int64 as a dimension, a repeat count or a
// window size. Every size the importer accepts lies within these bounds, so
// that shape arithmetic on accepted sizes cannot overflow int64 and a
// file cannot make the compiler allocate terabytes (docs/import.md).
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_COMPILER_IMPORT_IMPORTLIMITS_H
#define STARCH_COMPILER_IMPORT_IMPORTLIMITS_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <optional>
#include <string>

namespace starch::import {

/// One dimension, stride, kernel size or pad.
inline constexpr int64_t kMaxDimSize = (int64_t(1) << 31) - 1;
/// Elements of one tensor (2^40: 4 TiB of f32, beyond any model part).
inline constexpr int64_t kMaxElements = int64_t(1) << 40;
/// Positions of one pooling window: MaxPool and AveragePool become one
/// slice per position (2^12: a 64x64 window; real models pool over a few).
inline constexpr int64_t kMaxPoolWindowPositions = int64_t(1) << 12;
/// Constant folding holds operands and results in memory: larger tensors
/// stay run-time ops (2^26 elements: 256 MiB of f32). Measured by
/// boundedLoopCount, since kernels loop over the other sizes of a tensor
/// that a zero size makes empty.
inline constexpr int64_t kMaxFoldedElements = int64_t(1) << 26;
/// All the folding of one import, operands and results of every folded op
/// (2^27 elements): folded constants stay in memory, and a graph of many
/// large foldable ops must not fold for hours. Past it, ops stay run-time
/// ops.
inline constexpr int64_t kMaxFoldedElementsPerImport = int64_t(1) << 27;

/// The element count of `shape`; nothing when a size is negative or above
/// kMaxDimSize, or the count exceeds kMaxElements. Never overflows.
std::optional<int64_t> boundedElementCount(llvm::ArrayRef<int64_t> shape);

/// The product of the non-zero sizes of `shape` (what a kernel's loops
/// over it cost); nothing when it is not within the bounds of
/// boundedElementCount.
std::optional<int64_t> boundedLoopCount(llvm::ArrayRef<int64_t> shape);

/// "" when `shape` is within the bounds, else what is wrong with it, for a
/// message: "has a dimension of -1 (sizes lie in [0, 2^31 - 1])", "has
/// shape 2097152x2097152, more than 2^40 elements".
std::string checkShapeBounds(llvm::ArrayRef<int64_t> shape);

/// "" when every entry of `values` lies in [`min`, kMaxDimSize], else
/// "<name> must lie in [min, 2147483647], not <value>" (window strides,
/// dilations, kernel sizes and pads).
std::string checkWindowRange(llvm::StringRef name,
                             llvm::ArrayRef<int64_t> values, int64_t min);

} // namespace starch::import

#endif // STARCH_COMPILER_IMPORT_IMPORTLIMITS_H
