//===- SharedSplats.h - One buffer per splat value ------------*- C++ -*-===//
//
// A generated program's splat constants (every element one value) are
// read-only, so those of one element type and value share storage: a view
// of the largest buffer asked for so far. A many-micro-batch step averages
// every gradient with a splat of its shape, and other passes add zeros and
// ones of activation shapes; one buffer each, they took 36 GB of
// Mistral-7B + CLIP's one-process program, outside its arenas.
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_RUNTIME_TRAIN_SHAREDSPLATS_H
#define STARCH_RUNTIME_TRAIN_SHAREDSPLATS_H

#include "runtime/Tensor.h"

#include <cstring>
#include <map>
#include <utility>
#include <vector>

namespace starch::rt {

/// A `shape` view of a buffer whose elements are all `value`. Called as
/// generated functions initialise their constants, on the program's one
/// host thread (no lock). `make(n)`
/// makes and fills a buffer of n elements (host or device memory); a
/// larger request makes a new one, and the earlier ones stay alive for the
/// views already handed out.
template <typename Make>
Tensor sharedSplat(DType dtype, const Shape &shape, double value, Make make) {
  uint64_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  static std::map<std::pair<DType, uint64_t>, std::vector<Tensor>> buffers;
  std::vector<Tensor> &made = buffers[{dtype, bits}];
  int64_t count = numElements(shape);
  if (made.empty() || made.back().numElements() < count)
    made.push_back(make(count));
  return Tensor::view(dtype, shape, made.back().bytes());
}

} // namespace starch::rt

#endif // STARCH_RUNTIME_TRAIN_SHAREDSPLATS_H
