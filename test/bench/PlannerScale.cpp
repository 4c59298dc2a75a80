//===- PlannerScale.cpp - The planner at full size (synthetic profiles) ---===//
//
//   starch-bench-planner
//
// How long `"plan": "auto"` takes, and what it chooses, for Cornstarch's
// evaluation models at full size: Llama-3.1-8B (32 layers, hidden 4096,
// 32/8 heads, MLP 14336, vocabulary 128256) with SigLIP-so400m (27 layers,
// hidden 1152, MLP 4304, 729 patches) and Whisper-small's encoder (12
// layers, hidden 768, MLP 3072, 1500 frames), frozen or trained encoders,
// budgets of 8, 16 and 24 ranks. The layers' work comes from hand-derived
// transformer formulas (2 FLOPs per multiply-add of the projections and
// the MLP, 4 S^2 D for attention) and the default calibration, not from an
// ONNX import (shape-only imports are not built yet), so the figures show
// the planner's speed and choices, not a prediction of a real run.
//
//===----------------------------------------------------------------------===//
#include "compiler/Plan/Planner.h"

#include <cstdio>

using namespace starch::plan;

namespace {

/// One transformer layer over `tokens` tokens (batch 1), on one rank.
LayerWork transformerLayer(double tokens, double hidden, double kvHidden,
                           double mlp, bool gatedMlp, bool trains,
                           bool upstream, const Calibration &c) {
  double projections = 2 * tokens * hidden * (2 * hidden + 2 * kvHidden);
  double feedForward = 2 * tokens * hidden * mlp * (gatedMlp ? 3 : 2);
  double attention = 4 * tokens * tokens * hidden;
  LayerWork work;
  double gemm = (projections + feedForward) / c.gemmFlopsPerSecond;
  double attend = attention / c.attentionFlopsPerSecond;
  // Norms, residuals and activations: about 12 passes over the hidden state
  // and 3 over the MLP's.
  double memory = 4 * tokens * (12 * hidden + 3 * mlp) / c.memoryBytesPerSecond;
  work.forward = gemm + attend + memory;
  work.overhead = 30 * c.opOverheadSeconds;
  if (upstream || trains)
    work.inputGrad = gemm + 2.5 * attend + memory;
  if (trains)
    work.weightGrad = gemm;
  double params =
      hidden * (2 * hidden + 2 * kvHidden) + hidden * mlp * (gatedMlp ? 3 : 2);
  work.paramBytes = 4 * params;
  work.trainedBytes = trains ? 4 * params : 0;
  work.activationBytes = 4 * tokens * (16 * hidden + 4 * mlp);
  work.boundaryBytes = 4 * tokens * hidden;
  return work;
}

ModuleProfile transformer(const char *name, int layers, double tokens,
                          double hidden, double kvHidden, double mlp,
                          bool gated, bool trains, bool upstream, int heads,
                          const Calibration &c) {
  ModuleProfile module;
  module.name = name;
  module.frozen = !trains;
  for (int i = 0; i < layers; ++i) {
    module.layers.push_back(std::string(name) + ".layers." + std::to_string(i));
    module.work.push_back(transformerLayer(tokens, hidden, kvHidden, mlp, gated,
                                           trains, upstream || i > 0, c));
  }
  module.tpChoices.clear();
  for (int tp : {1, 2, 4, 8})
    if (heads % tp == 0)
      module.tpChoices.push_back(tp);
  return module;
}

} // namespace

int main() {
  Calibration c = defaultCalibration();
  const double text = 2048; // LLM tokens per micro-batch
  std::printf("Llama-3.1-8B + SigLIP-so400m + Whisper-small, %g tokens, 16 "
              "micro-batches per step, 80 GB per rank\n\n",
              text);
  for (bool trained : {false, true}) {
    for (int ranks : {8, 16, 24}) {
      PlanRequest request;
      request.calibration = c;
      request.ranks = ranks;
      request.microBatches = 16;
      request.memoryBytesPerRank = 80e9;
      request.modules = {transformer("vision", 27, 729, 1152, 1152, 4304, false,
                                     trained, false, 16, c),
                         transformer("audio", 12, 1500, 768, 768, 3072, false,
                                     trained, false, 12, c),
                         transformer("llm", 32, text, 4096, 1024, 14336, true,
                                     true, trained, 32, c)};
      // Embedding and LM head on the LLM's first and last stages.
      request.modules[2].head.forward =
          4 * text * 4096 / c.memoryBytesPerSecond;
      request.modules[2].head.paramBytes = 4.0 * 128256 * 4096;
      request.modules[2].head.trainedBytes = request.modules[2].head.paramBytes;
      request.modules[2].tail = request.modules[2].head;
      request.modules[2].tail.forward =
          2 * text * 4096 * 128256 / c.gemmFlopsPerSecond;
      request.modules[2].tail.inputGrad = request.modules[2].tail.forward;
      request.modules[2].tail.weightGrad = request.modules[2].tail.forward;
      PlanReport report;
      std::string error;
      std::printf("%s encoders, %d ranks\n", trained ? "trained" : "frozen",
                  ranks);
      if (!choosePlan(request, report, error)) {
        std::printf("  %s\n\n", error.c_str());
        continue;
      }
      std::printf("%s\n", planReportText(request, report).c_str());
    }
  }
  return 0;
}
