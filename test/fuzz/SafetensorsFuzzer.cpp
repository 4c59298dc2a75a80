//===- SafetensorsFuzzer.cpp - libFuzzer target: safetensors files --------===//
//
// Opens arbitrary bytes as a safetensors file (weights and checkpoints use
// this reader) and loads every tensor its index lists.
//
//===----------------------------------------------------------------------===//
#include "runtime/io/Safetensors.h"
#include "test/fuzz/ScratchFile.h"

#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string path =
      starch::fuzz::writeScratchFile("weights.safetensors", data, size);
  starch::rt::SafetensorsFile file;
  std::string error;
  if (!file.open(path, error)) {
    if (error.empty())
      __builtin_trap();
    return 0;
  }
  for (const std::string &name : file.names()) {
    starch::rt::Tensor tensor;
    if (!file.load(name, tensor, error) && error.empty())
      __builtin_trap();
  }
  return 0;
}
