//===- ModelConfig.h - model.json, the input of starchc ---------*- C++ -*-===//
//
// What to compile and how to train it: the ONNX graph of the LLM, static
// shapes for its symbolic dimensions, and the training hyper-parameters.
// docs/model-json.md is the reference. Parsing reports the first problem as
// one sentence naming the field; this header has no JSON types, so the
// exception-free compiler code can use it.
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_COMPILER_CONFIG_MODELCONFIG_H
#define STARCH_COMPILER_CONFIG_MODELCONFIG_H

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace starch::config {

struct TrainingConfig {
  int64_t steps = 100;
  int64_t microBatches = 1;
  double learningRate = 1e-3;
  double beta1 = 0.9, beta2 = 0.999;
  double epsilon = 1e-8;
  double weightDecay = 0.01;
  double maxGradNorm = 1.0;
  int64_t warmupSteps = 0;
};

struct ModelConfig {
  /// Shown in progress lines and stored in checkpoints.
  std::string name;
  /// The LLM's ONNX file (absolute, resolved against model.json's folder).
  std::string llmOnnx;
  /// Shapes of graph inputs with symbolic dimensions ("input_ids": [2, 16]).
  std::map<std::string, std::vector<int64_t>> inputShapes;
  /// Which graph output holds the logits.
  unsigned logitsOutput = 0;
  TrainingConfig training;
};

/// Reads `path`; on failure returns false with `error` = "<path>: <field>:
/// <what was expected>".
bool parseModelConfig(const std::string &path, ModelConfig &config,
                      std::string &error);

} // namespace starch::config

#endif // STARCH_COMPILER_CONFIG_MODELCONFIG_H
