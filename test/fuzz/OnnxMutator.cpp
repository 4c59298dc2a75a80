//===- OnnxMutator.cpp - libFuzzer mutator for ONNX models ----------------===//
//
// Half of the mutations parse the input and apply one structured edit
// (OnnxEdits.h); the rest are libFuzzer's byte mutations, which also reach
// the protobuf parser's own error paths.
//
//===----------------------------------------------------------------------===//
#include "test/fuzz/OnnxEdits.h"

#include <cstdint>
#include <cstring>
#include <string>

extern "C" size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t maxSize);

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size,
                                          size_t maxSize, unsigned seed) {
  std::minstd_rand random(seed);
  onnx::ModelProto model;
  if (random() % 2 == 0 || !model.ParseFromArray(data, static_cast<int>(size)))
    return LLVMFuzzerMutate(data, size, maxSize);
  starch::fuzz::editModel(model, random);
  std::string bytes = model.SerializeAsString();
  if (bytes.size() > maxSize)
    return LLVMFuzzerMutate(data, size, maxSize);
  std::memcpy(data, bytes.data(), bytes.size());
  return bytes.size();
}
