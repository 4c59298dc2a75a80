//===- NpyFuzzer.cpp - libFuzzer target: .npy files -----------------------===//
//
// parseNpy on arbitrary bytes: a bad header, an element count that
// overflows or data shorter than the shape must be an error sentence.
//
//===----------------------------------------------------------------------===//
#include "runtime/io/Npy.h"

#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string bytes(reinterpret_cast<const char *>(data), size);
  starch::rt::Tensor tensor;
  std::string error;
  if (!starch::rt::parseNpy(bytes, "fuzz.npy", tensor, error) && error.empty())
    __builtin_trap();
  return 0;
}
