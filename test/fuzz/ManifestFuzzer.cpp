//===- ManifestFuzzer.cpp - libFuzzer target: JSONL data manifests --------===//
//
// readManifest on arbitrary bytes against a small multimodal contract
// (sequence length 8, vocabulary 32, two image slots of 2 placeholder tokens
// each). Its errors are thrown as std::runtime_error; anything else is a
// finding.
//
//===----------------------------------------------------------------------===//
#include "runtime/data/Manifest.h"
#include "test/fuzz/ScratchFile.h"

#include <stdexcept>
#include <string>

namespace {

starch::rt::DataContract contract() {
  starch::rt::DataContract contract;
  contract.sequenceLength = 8;
  contract.vocabSize = 32;
  starch::rt::EncoderInputContract image;
  image.encoder = "vision";
  image.modality = "image";
  image.input = "vision.pixel_values";
  image.shape = {3, 4, 4};
  image.slots = 2;
  image.placeholderToken = 31;
  image.tokensPerInput = 2;
  contract.inputs.push_back(image);
  return contract;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const starch::rt::DataContract kContract = contract();
  std::string path = starch::fuzz::writeScratchFile("train.jsonl", data, size);
  starch::rt::ManifestOptions options;
  options.padToken = size % 2 ? 0 : -1;
  try {
    starch::rt::readManifest(path, kContract, options);
  } catch (const std::runtime_error &error) {
    if (std::string(error.what()).empty())
      __builtin_trap();
  }
  return 0;
}
