//===- ImportLimits.cpp - Bounds on the sizes an import computes ----------===//
#include "compiler/Import/ImportLimits.h"

#include <algorithm>

namespace starch::import {

std::optional<int64_t> boundedElementCount(llvm::ArrayRef<int64_t> shape) {
  // The non-zero sizes are bounded even when a zero makes the count 0, so
  // that any product of a shape's sizes stays within kMaxElements.
  int64_t product = 1;
  bool empty = false;
  for (int64_t size : shape) {
    if (size < 0 || size > kMaxDimSize)
      return std::nullopt;
    if (size == 0) {
      empty = true;
      continue;
    }
    if (product > kMaxElements / size)
      return std::nullopt;
    product *= size;
  }
  return empty ? 0 : product;
}

std::optional<int64_t> boundedLoopCount(llvm::ArrayRef<int64_t> shape) {
  if (!boundedElementCount(shape))
    return std::nullopt;
  // Bounded above, the non-zero sizes' product is at most kMaxElements.
  int64_t product = 1;
  for (int64_t size : shape)
    product *= std::max<int64_t>(size, 1);
  return product;
}

std::string checkShapeBounds(llvm::ArrayRef<int64_t> shape) {
  for (int64_t size : shape)
    if (size < 0 || size > kMaxDimSize)
      return "has a dimension of " + std::to_string(size) +
             " (sizes lie in [0, 2^31 - 1])";
  if (boundedElementCount(shape))
    return "";
  std::string dims;
  for (int64_t size : shape)
    dims += (dims.empty() ? "" : "x") + std::to_string(size);
  return "has shape " + dims + ", more than 2^40 elements";
}

std::string checkWindowRange(llvm::StringRef name,
                             llvm::ArrayRef<int64_t> values, int64_t min) {
  for (int64_t value : values)
    if (value < min || value > kMaxDimSize)
      return name.str() + " must lie in [" + std::to_string(min) + ", " +
             std::to_string(kMaxDimSize) + "], not " + std::to_string(value);
  return "";
}

} // namespace starch::import
