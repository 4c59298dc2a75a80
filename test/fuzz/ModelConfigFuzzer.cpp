//===- ModelConfigFuzzer.cpp - libFuzzer target: model.json ---------------===//
//
// parseModelConfig on arbitrary bytes. The files a model.json may name
// (seeds in corpus/model-json use these names) exist beside it, so that
// parsing gets past the checks that they do.
//
//===----------------------------------------------------------------------===//
#include "compiler/Config/ModelConfig.h"
#include "test/fuzz/ScratchFile.h"

#include <cstdio>
#include <string>

namespace {

void createNamedFiles() {
  static bool created = [] {
    for (const char *name :
         {"llm.onnx", "vision.onnx", "audio.onnx", "projector.onnx",
          "llm.safetensors", "vision.safetensors", "audio.safetensors",
          "projector.safetensors", "train.jsonl"})
      starch::fuzz::writeScratchFile(name, nullptr, 0);
    return true;
  }();
  (void)created;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  createNamedFiles();
  std::string path = starch::fuzz::writeScratchFile("model.json", data, size);
  starch::config::ModelConfig config;
  std::string error;
  if (!starch::config::parseModelConfig(path, config, error) &&
      (error.empty() || error.find('\n') != std::string::npos)) {
    std::fprintf(stderr, "not one error line: '%s'\n", error.c_str());
    __builtin_trap();
  }
  return 0;
}
