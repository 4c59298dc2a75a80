//===- Program.h - What a generated training program provides ---*- C++ -*-===//
//
// The contract between the code `starchc` emits and the runtime's training
// main (TrainMain.cpp). The generated source defines `programSpec()` and
// `trainStep()`; the runtime owns everything else: flags, weight loading,
// data, the step loop, progress and checkpoints.
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_RUNTIME_TRAIN_PROGRAM_H
#define STARCH_RUNTIME_TRAIN_PROGRAM_H

#include "runtime/Tensor.h"
#include "runtime/comm/CurrentCommunicator.h"
#include "runtime/comm/ParamShards.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

namespace starch::rt {

/// How a parameter takes part in training.
enum class ParamKind : uint8_t {
  /// Updated by the optimizer; its data comes from the weights file.
  trainable,
  /// Read from the weights file, never updated (a frozen module).
  frozen,
  /// Read from the weights file, not a weight (rotary tables, position ids).
  buffer,
  /// Optimizer state (AdamW moments): starts as zeros, saved in checkpoints.
  optimizerState,
};

struct ParamSpec {
  /// The `starch.param` symbol (checkpoint key).
  std::string name;
  /// The tensor's name in the weights file; empty for optimizer state.
  std::string source;
  DType dtype;
  Shape shape;
  ParamKind kind;
  /// The module it belongs to ("vision", "vision_projector", "llm"); empty
  /// in a single-module program and for optimizer state.
  std::string module = {};
  /// A tensor-parallel block: `shape` is this rank's block of the whole
  /// parameter (runtime/comm/ParamShards.h); not sharded by default.
  ParamShard shard = {};
  /// The pipeline stage whose ranks hold it; -1: every rank.
  int64_t stage = -1;
  /// Further stages holding a copy (weights tied across stages).
  std::vector<int64_t> tiedStages = {};
};

/// Where a module's initial weights are (ONNX with initializers, or
/// safetensors).
struct WeightsFile {
  /// Empty in a single-module program.
  std::string module;
  std::string path;
};

/// An encoder's input of the training step ("vision.pixel_values").
struct InputSpec {
  std::string name;
  DType dtype;
  /// One micro-batch's shape; its first dimension is the LLM batch times
  /// ModalitySpec::inputsPerSequence.
  Shape shape;
};

/// How one encoder's inputs sit in the token sequences: every sequence
/// holds `inputsPerSequence * tokensPerInput` placeholder tokens, whose
/// embeddings the encoder's projected features replace in order.
struct ModalitySpec {
  std::string encoder;
  /// "image", "audio", ... as model.json says.
  std::string modality;
  /// Index into ProgramSpec::inputs.
  size_t input = 0;
  int64_t placeholderToken = 0;
  int64_t inputsPerSequence = 1;
  int64_t tokensPerInput = 1;
};

/// The program's constants file (runtime/io/ConstantData.h), written by
/// starchc beside the executable.
struct ConstantsFile {
  /// File name, in the executable's folder; empty: the program has none.
  std::string name;
  /// Payload size and hash, checked when the file is loaded.
  uint64_t bytes = 0;
  uint64_t hash = 0;
};

struct ProgramSpec {
  /// `name` from model.json.
  std::string model;
  /// The weights files named at compile time, one per module; `--weights`
  /// overrides them.
  std::vector<WeightsFile> weights;
  std::vector<ParamSpec> params;
  /// Encoder inputs (none for a text-only LLM).
  std::vector<InputSpec> inputs;
  std::vector<ModalitySpec> modalities;
  int64_t microBatches = 1;
  /// Data-parallel replicas the step was compiled for: each reads its own
  /// data; the gradient all-reduces average over them times contextParallel.
  int64_t dataParallel = 1;
  /// Context-parallel ranks of each replica (the LLM's cp): replica k's
  /// copies k*cp .. k*cp+cp-1 of the ranks below read the same data, each
  /// computing the LLM for its share of the tokens.
  int64_t contextParallel = 1;
  /// Ranks of one replica's tensor-parallel group (the LLM's tp): replica k
  /// is ranks k*tp .. k*tp+tp-1, which read the same data.
  int64_t tensorParallel = 1;
  int64_t batchSize = 1;
  int64_t sequenceLength = 1;
  int64_t vocabSize = 1;
  /// Length of the learning-rate schedule (model.json training.steps); the
  /// default of `--steps`.
  int64_t scheduleSteps = 1;
  /// FLOPs of one optimizer step (forward, backward, optimizer), from the
  /// cost model.
  double flopsPerStep = 0;

  /// The parameter (index into `params`) of each entry of
  /// StepOutputs::paramGradNorms, in order.
  std::vector<size_t> gradNormParams;
  ConstantsFile constants;
  /// Compiled from a weightless export (`starchc --shape-only`, to measure
  /// the compiler): its constants folded from absent weights are zeros, so
  /// it does not train.
  bool shapeOnly = false;

  /// Pipeline stages of one replica (each module's own, encoders first).
  int64_t pipelineStages = 1;
  /// The stage each rank of a replica runs (index: rank % ranksPerReplica());
  /// empty without pipeline stages.
  std::vector<int64_t> stageOfRank;
  /// Ranks of one replica (they read the same data): a stage's ranks are
  /// its module's tensor-parallel degree.
  int64_t ranksPerReplica() const {
    return stageOfRank.empty() ? tensorParallel
                               : static_cast<int64_t>(stageOfRank.size());
  }
  /// Ranks the program runs on.
  int64_t ranks() const {
    return dataParallel * contextParallel * ranksPerReplica();
  }
  /// The data-parallel replica `rank` belongs to (what data it reads).
  int64_t replicaOf(int64_t rank) const {
    return rank / ranksPerReplica() / contextParallel;
  }
  /// The stage `rank` runs (0 without pipeline stages).
  int64_t stageOf(int64_t rank) const {
    return stageOfRank.empty() ? 0 : stageOfRank[rank % ranksPerReplica()];
  }
  /// Whether `rank` holds parameter `param` (pipeline stages hold only
  /// their own).
  bool holds(const ParamSpec &param, int64_t rank) const {
    int64_t stage = stageOf(rank);
    return param.stage < 0 || param.stage == stage ||
           std::find(param.tiedStages.begin(), param.tiedStages.end(),
                     stage) != param.tiedStages.end();
  }

  /// Tokens of one optimizer step of the whole job (every replica).
  int64_t tokensPerStep() const {
    return dataParallel * microBatches * batchSize * sequenceLength;
  }
};

/// The pipeline stage this process's rank runs (ProgramSpec::stageOfRank):
/// the generated trainStep() calls that stage's step.
inline int64_t stageOfThisRank(const ProgramSpec &spec) {
  Communicator *comm = currentCommunicator();
  return spec.stageOf(comm ? comm->rank() : 0);
}

/// Parameter storage, in ProgramSpec::params order.
using ParamStore = std::vector<Tensor>;

/// What one optimizer step reports.
struct StepOutputs {
  /// Mean over micro-batches of each micro-batch's mean token loss.
  float loss = 0;
  /// Global gradient norm before clipping.
  float gradNorm = 0;
  /// Learning rate used by this step.
  float learningRate = 0;
  /// Each ProgramSpec::gradNormParams parameter's gradient norm before
  /// clipping (`gradNorm` is the norm of these); empty if the program does
  /// not report them. Names the parameter when a step is not finite.
  std::vector<float> paramGradNorms = {};
};

/// The data of one optimizer step.
struct StepInputs {
  /// i64 [microBatches, batchSize, sequenceLength]; labels may hold -100 to
  /// ignore a position (the shift for next-token prediction happens inside).
  Tensor tokens, labels;
  /// One per ProgramSpec::inputs, each [microBatches, ...its shape].
  std::vector<Tensor> inputs;
};

/// Defined by the generated program.
const ProgramSpec &programSpec();

/// One optimizer step; `step` is 1-based. Updates `params` in place.
StepOutputs trainStep(ParamStore &params, const StepInputs &inputs,
                      int64_t step);

} // namespace starch::rt

#endif // STARCH_RUNTIME_TRAIN_PROGRAM_H
