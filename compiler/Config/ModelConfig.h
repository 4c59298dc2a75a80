//===- ModelConfig.h - model.json, the input of starchc ---------*- C++ -*-===//
//
// What to compile and how to train it: the ONNX graphs of the LLM and of the
// modality encoders, how they are composed (projectors, placeholder tokens,
// the attention mask), which modules are frozen, static shapes for symbolic
// dimensions, and the training hyper-parameters. docs/model-json.md is the
// reference. Parsing reports the first problem as one sentence naming the
// field; this header has no JSON types, so the exception-free compiler code
// can use it.
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_COMPILER_CONFIG_MODELCONFIG_H
#define STARCH_COMPILER_CONFIG_MODELCONFIG_H

#include "runtime/data/ProcessorSpec.h"

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
  /// Parameters (globs over framework names) trained without weight decay;
  /// each must match some parameter.
  std::vector<std::string> noWeightDecay;
  /// "huggingface" in no_weight_decay: also huggingFaceNoDecayGlobs().
  bool huggingFaceNoDecay = false;
  /// Layers whose backward recomputes their forward ("all": every layer;
  /// model.json's "recompute": "layers" or a list of layer names).
  std::vector<std::string> recompute;
  /// Compute type of matrix products (model.json's "precision"): "f32", or
  /// "bf16" for mixed precision (starch-autocast); weights, optimizer state
  /// and every other op stay f32.
  std::string precision = "f32";
};

/// The Hugging Face Trainer's parameters without weight decay, by name
/// (docs/model-json.md), as case-insensitive globs.
const std::vector<std::string> &huggingFaceNoDecayGlobs();

/// Shapes of graph inputs with symbolic dimensions ("input_ids": [2, 16]).
using InputShapes = std::map<std::string, std::vector<int64_t>>;

/// PyTorch's nn.Embedding(padding_idx=...) of a module's token embedding:
/// that row gets no gradient (docs/model-json.md, `padding_idx`).
struct PaddingIdxConfig {
  /// The row; -1: none.
  int64_t index = -1;
  /// Where it came from, for messages and -v: the model.json field, or
  /// "<folder>/config.json pad_token_id".
  std::string origin;
  /// Given in model.json: the module must then have a token embedding.
  bool fromModelJson = false;
};

/// Maps an encoder's features to the LLM's hidden size.
struct ProjectorConfig {
  enum class Kind { linear, mlp, onnx };
  Kind kind = Kind::mlp;
  bool frozen = false;
  /// linear/mlp: initial weights (safetensors with
  /// `multi_modal_projector.linear_1.*` and, for mlp, `linear_2.*`); onnx:
  /// the framework's weights of the graph (optional, as an encoder's).
  /// Absolute.
  std::string weights;
  /// onnx: the projector's graph (features N x T x De, or N*T x De, to the
  /// same with the LLM's hidden size) and shapes for its symbolic inputs.
  std::string onnx;
  InputShapes inputShapes;
};

/// How one module (an encoder with its projector, or the LLM) is spread over
/// the ranks of one data-parallel replica (docs/parallel.md).
struct ModuleParallelConfig {
  /// Tensor-parallel degree.
  int64_t tp = 1;
  /// Pipeline stages of the module's layer chain; 0 (encoders only): no
  /// stage of its own, the encoder runs on the LLM's first stage.
  int64_t stages = 1;
  /// Context-parallel degree (1 until context parallelism).
  int64_t cp = 1;
  /// Layers per stage, in order; empty: an even split of the layer count
  /// (or a cost-balanced one).
  std::vector<int64_t> layers;
  /// `"layers": "balanced"`: contiguous stages that minimise the costliest
  /// one, by each layer's frozen-aware cost (compiler/Plan/Placement.h).
  bool balanced = false;
};

enum class ParallelLayout {
  /// Each encoder on its own ranks, concurrently; every encoder's last stage
  /// sends to the LLM's first stage.
  modalityParallel,
  /// Encoders as the first stages of one chain with the LLM.
  colocated,
};

struct ParallelConfig {
  ParallelLayout layout = ParallelLayout::modalityParallel;
  /// The world size `starchc --emit=plan` plans for; 0: one replica.
  int64_t ranks = 0;
  /// Data-parallel gradients are summed in buckets of about this many MiB
  /// (one all-reduce each); 0: one all-reduce per gradient.
  double bucketMb = 25;
  /// ZeRO-1: each data-parallel replica keeps one block of the optimizer
  /// state.
  bool zero1 = false;
  /// Pipeline stages run 1F1B, or zero-bubble (`"schedule": "zero_bubble"`:
  /// weight gradients deferred into the waits).
  bool zeroBubble = false;
  /// `"plan": "auto"`: the planner chooses the layout, every module's tp,
  /// stages and layers, the replicas and the micro-batches per replica
  /// (compiler/Plan/Planner.h); the modules' own fields are ignored but cp.
  bool autoPlan = false;
  /// The memory per rank an automatic plan must fit, GB (0: no limit).
  double memoryGb = 80;
  /// A calibration of `starchc --calibrate` (absolute); empty: the default.
  std::string calibration;
};

/// Defaults of starch-data for this model.
struct DataConfig {
  /// The JSONL manifest (absolute; need not exist at compile time).
  std::string manifest;
  /// Pads shorter manifest lines (labels -100); -1: lines must be full.
  int64_t padToken = -1;
};

/// One modality encoder: its graph, which of its outputs are the features,
/// its projector and the placeholder token its features replace.
struct EncoderConfig {
  /// A module name (an identifier): the prefix of its parameters.
  std::string name;
  /// "image", "audio", ... (informational; shown by the program).
  std::string modality;
  std::string onnx;
  /// The framework's weights of the module (safetensors, its parameter
  /// names), absolute; empty: parameters keep the exporter's names and read
  /// the ONNX initializers.
  std::string weights;
  InputShapes inputShapes;
  /// The graph output holding the features (N x F x D); by name when
  /// `outputName` is set, else by index.
  std::string outputName;
  unsigned outputIndex = 0;
  /// Feature vectors dropped from the front of each input's sequence (a
  /// class token).
  int64_t dropFirst = 0;
  /// Feature vectors per input after dropping, checked against the graph
  /// (-1: not given).
  int64_t features = -1;
  bool frozen = false;
  /// Parameter names (globs over the graph's names) kept frozen even when
  /// the module trains, as the framework keeps them (Whisper's
  /// embed_positions.weight).
  std::vector<std::string> freeze;
  PaddingIdxConfig paddingIdx;
  int64_t placeholderToken = -1;
  ProjectorConfig projector;
  ModuleParallelConfig parallel;
  /// How starch-data reads this encoder's files.
  rt::ProcessorSpec processor;
};

enum class AttentionMaskKind { causal, bitfield };

struct ModelConfig {
  /// Shown in progress lines and stored in checkpoints.
  std::string name;
  /// The LLM's ONNX file (absolute, resolved against model.json's folder).
  std::string llmOnnx;
  /// The LLM's framework weights (see EncoderConfig::weights).
  std::string llmWeights;
  /// model.json itself, for messages.
  std::string path;
  /// Shapes of the LLM graph's inputs with symbolic dimensions.
  InputShapes inputShapes;
  /// Which graph output holds the logits.
  unsigned logitsOutput = 0;
  bool llmFrozen = false;
  std::vector<std::string> llmFreeze;
  PaddingIdxConfig llmPaddingIdx;
  ModuleParallelConfig llmParallel;
  ParallelConfig parallel;
  /// Modality encoders, in the order their features are merged.
  std::vector<EncoderConfig> encoders;
  /// The LLM's attention over a multimodal sequence (Cornstarch's bitfield
  /// mask by default; plain causal as Hugging Face's LLaVA does).
  AttentionMaskKind attentionMask = AttentionMaskKind::bitfield;
  TrainingConfig training;
  DataConfig data;

  bool isMultimodal() const { return !encoders.empty(); }
};

/// Reads `path`; on failure returns false with `error` = "<path>: <field>:
/// <what was expected>".
bool parseModelConfig(const std::string &path, ModelConfig &config,
                      std::string &error);

} // namespace starch::config

#endif // STARCH_COMPILER_CONFIG_MODELCONFIG_H
