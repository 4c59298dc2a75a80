//===- ModelConfig.cpp - model.json, the input of starchc -----------------===//
//
// Strict parsing: unknown fields are errors (a misspelt "warmup_step" must
// not silently train without warm-up), and every value is range-checked.
//
//===----------------------------------------------------------------------===//
#include "compiler/Config/ModelConfig.h"
#include "runtime/io/PrintableLine.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>

namespace starch::config {

namespace {

using json = nlohmann::json;

struct ConfigError {
  std::string message;
};

[[noreturn]] void fail(const std::string &field, const std::string &what) {
  throw ConfigError{field + ": " + what};
}

/// Strings reach file systems, messages and generated code: no NULs or
/// other control characters.
void checkStrings(const json &value, const std::string &field) {
  if (value.is_string()) {
    for (char c : value.get<std::string>())
      if (static_cast<unsigned char>(c) < 0x20)
        fail(field.empty() ? "(top level)" : field,
             "holds a control character (byte " +
                 std::to_string(static_cast<int>(c)) + ")");
    return;
  }
  if (value.is_object())
    for (auto it = value.begin(); it != value.end(); ++it) {
      if (it.key() == "$comment") // free text, read by nobody
        continue;
      std::string name = field.empty() ? it.key() : field + "." + it.key();
      checkStrings(it.key(), name);
      checkStrings(it.value(), name);
    }
  if (value.is_array())
    for (size_t i = 0; i < value.size(); ++i)
      checkStrings(value[i], field + "[" + std::to_string(i) + "]");
}

void rejectUnknown(const json &object, const std::string &where,
                   const std::set<std::string> &known) {
  for (auto it = object.begin(); it != object.end(); ++it)
    if (!known.count(it.key())) {
      std::string list;
      for (const std::string &name : known)
        list += (list.empty() ? "" : ", ") + name;
      fail(where + it.key(), "unknown field (expected one of: " + list + ")");
    }
}

const json &objectAt(const json &parent, const std::string &key,
                     const std::string &field) {
  if (!parent.contains(key))
    fail(field, "missing");
  if (!parent[key].is_object())
    fail(field, "must be an object");
  return parent[key];
}

int64_t integerAt(const json &object, const std::string &key,
                  const std::string &field, int64_t fallback, int64_t min,
                  int64_t max = std::numeric_limits<int64_t>::max()) {
  if (!object.contains(key))
    return fallback;
  const json &value = object[key];
  if (!value.is_number_integer())
    fail(field, "must be an integer");
  // An unsigned value beyond int64 would wrap.
  if (value.is_number_unsigned() &&
      value.get<uint64_t>() >
          static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
    fail(field, "must be at most " + std::to_string(max));
  int64_t result = value.get<int64_t>();
  if (result < min)
    fail(field, "must be >= " + std::to_string(min) + ", got " +
                    std::to_string(result));
  if (result > max)
    fail(field, "must be at most " + std::to_string(max) + ", got " +
                    std::to_string(result));
  return result;
}

double numberAt(const json &object, const std::string &key,
                const std::string &field, double fallback, double min,
                double max) {
  if (!object.contains(key))
    return fallback;
  const json &value = object[key];
  if (!value.is_number())
    fail(field, "must be a number");
  double result = value.get<double>();
  if (!(result >= min && result <= max)) {
    std::ostringstream os;
    os << "must lie in [" << min << ", " << max << "], got " << result;
    fail(field, os.str());
  }
  return result;
}

void parseNoWeightDecay(const json &value, const std::string &field,
                        TrainingConfig &training) {
  if (value == "huggingface") {
    training.huggingFaceNoDecay = true;
    return;
  }
  if (!value.is_array())
    fail(field, "must be \"huggingface\" or a list of parameter names "
                "(globs, \"huggingface\" allowed among them)");
  for (const json &pattern : value) {
    if (!pattern.is_string() || pattern.get<std::string>().empty())
      fail(field, "each entry must be a non-empty string");
    if (pattern == "huggingface")
      training.huggingFaceNoDecay = true;
    else
      training.noWeightDecay.push_back(pattern.get<std::string>());
  }
}

/// "recompute": "layers" (every layer), "none", or a list of layer names
/// (`starch.layer` tags, e.g. "model.layers.3").
void parseRecompute(const json &value, const std::string &field,
                    TrainingConfig &training) {
  if (value.is_string()) {
    std::string mode = value.get<std::string>();
    if (mode == "layers")
      training.recompute = {"all"};
    else if (mode != "none")
      fail(field, "must be \"layers\", \"none\" or a list of layer names");
    return;
  }
  if (!value.is_array())
    fail(field, "must be \"layers\", \"none\" or a list of layer names");
  for (const json &name : value) {
    if (!name.is_string() || name.get<std::string>().empty())
      fail(field, "must list layer names (strings)");
    training.recompute.push_back(name.get<std::string>());
  }
}

void parseTraining(const json &object, TrainingConfig &training) {
  const std::string at = "training.";
  rejectUnknown(object, at,
                {"steps", "micro_batches", "lr", "betas", "eps", "weight_decay",
                 "no_weight_decay", "max_grad_norm", "warmup_steps",
                 "recompute", "precision"});
  if (object.contains("recompute"))
    parseRecompute(object["recompute"], at + "recompute", training);
  if (object.contains("no_weight_decay"))
    parseNoWeightDecay(object["no_weight_decay"], at + "no_weight_decay",
                       training);
  // Bounds far above any real run, so sizes derived from them cannot
  // overflow (a step's batch is micro_batches x batch x sequence).
  training.steps =
      integerAt(object, "steps", at + "steps", 100, 1, int64_t(1) << 40);
  training.microBatches = integerAt(object, "micro_batches",
                                    at + "micro_batches", 1, 1, 1 << 16);
  training.learningRate = numberAt(object, "lr", at + "lr", 1e-3, 0, 1e3);
  if (object.contains("betas")) {
    const json &betas = object["betas"];
    if (!betas.is_array() || betas.size() != 2 || !betas[0].is_number() ||
        !betas[1].is_number())
      fail(at + "betas", "must be two numbers [beta1, beta2]");
    training.beta1 = betas[0].get<double>();
    training.beta2 = betas[1].get<double>();
    if (!(training.beta1 >= 0 && training.beta1 < 1 && training.beta2 >= 0 &&
          training.beta2 < 1))
      fail(at + "betas", "each must lie in [0, 1)");
  }
  if (object.contains("precision")) {
    const json &precision = object["precision"];
    if (!precision.is_string() || (precision != "f32" && precision != "bf16"))
      fail(at + "precision", "must be \"f32\" or \"bf16\"");
    training.precision = precision.get<std::string>();
  }
  training.epsilon = numberAt(object, "eps", at + "eps", 1e-8, 1e-30, 1);
  training.weightDecay =
      numberAt(object, "weight_decay", at + "weight_decay", 0.01, 0, 1e3);
  training.maxGradNorm =
      numberAt(object, "max_grad_norm", at + "max_grad_norm", 1.0, 0, 1e30);
  training.warmupSteps =
      integerAt(object, "warmup_steps", at + "warmup_steps", 0, 0);
  if (training.warmupSteps > training.steps)
    fail(at + "warmup_steps", "is larger than training.steps (" +
                                  std::to_string(training.steps) + ")");
}

/// A path field: relative paths are resolved against model.json's folder;
/// the file must exist.
std::string pathAt(const json &object, const std::string &key,
                   const std::string &field, const std::filesystem::path &folder,
                   const std::string &what) {
  if (!object.contains(key) || !object[key].is_string())
    fail(field, "missing (" + what + ")");
  std::filesystem::path path = object[key].get<std::string>();
  if (path.is_relative())
    path = folder / path;
  std::error_code code;
  std::filesystem::file_status status = std::filesystem::status(path, code);
  if (!std::filesystem::exists(status))
    fail(field, "file '" + path.string() + "' does not exist");
  if (!std::filesystem::is_regular_file(status))
    fail(field, "'" + path.string() +
                    "' is not a regular file (a directory, FIFO or device)");
  return std::filesystem::absolute(path).lexically_normal().string();
}

bool boolAt(const json &object, const std::string &key,
            const std::string &field, bool fallback) {
  if (!object.contains(key))
    return fallback;
  if (!object[key].is_boolean())
    fail(field, "must be true or false");
  return object[key].get<bool>();
}

/// Module and parameter names reach generated code and file names: letters,
/// digits and '_' only, not starting with a digit.
bool isIdentifier(const std::string &name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0])))
    return false;
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_')
      return false;
  return true;
}

InputShapes shapesAt(const json &object, const std::string &field) {
  InputShapes result;
  if (!object.contains("input_shapes"))
    return result;
  const json &shapes = object["input_shapes"];
  if (!shapes.is_object())
    fail(field, "must map input names to shapes");
  for (auto it = shapes.begin(); it != shapes.end(); ++it) {
    std::string at = field + "." + it.key();
    if (!it.value().is_array())
      fail(at, "must be a list of sizes");
    std::vector<int64_t> shape;
    for (const json &size : it.value()) {
      if (!size.is_number_integer() || size.get<int64_t>() < 1 ||
          size.get<int64_t>() > (int64_t(1) << 31))
        fail(at, "sizes must be integers in [1, 2^31]");
      shape.push_back(size.get<int64_t>());
    }
    result[it.key()] = shape;
  }
  return result;
}

std::vector<std::string> freezeAt(const json &object,
                                  const std::string &field) {
  std::vector<std::string> patterns;
  if (!object.contains("freeze"))
    return patterns;
  const json &list = object["freeze"];
  if (!list.is_array())
    fail(field, "must be a list of parameter names (globs)");
  for (const json &pattern : list) {
    if (!pattern.is_string() || pattern.get<std::string>().empty())
      fail(field, "each entry must be a non-empty string");
    patterns.push_back(pattern.get<std::string>());
  }
  return patterns;
}

/// `padding_idx` of a module: given (an integer >= 0, or null for none), or
/// else `pad_token_id` of a Hugging Face config.json beside its ONNX file.
PaddingIdxConfig paddingIdxAt(const json &object, const std::string &field,
                              const std::string &onnx) {
  PaddingIdxConfig padding;
  if (object.contains("padding_idx")) {
    padding.origin = field;
    padding.fromModelJson = true;
    if (!object["padding_idx"].is_null())
      padding.index = integerAt(object, "padding_idx", field, -1, 0, 1 << 30);
    return padding;
  }
  std::filesystem::path hfConfig =
      std::filesystem::path(onnx).parent_path() / "config.json";
  std::ifstream in(hfConfig);
  if (!in)
    return padding;
  padding.origin = hfConfig.string() + " pad_token_id";
  json root = json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded() || !root.is_object())
    fail(field, "not given, and " + hfConfig.string() +
                    " (read for its pad_token_id) is not a JSON object; set "
                    "padding_idx (null for none)");
  if (!root.contains("pad_token_id") || root["pad_token_id"].is_null())
    return padding;
  const json &id = root["pad_token_id"];
  if (!id.is_number_integer() || id.get<int64_t>() < 0)
    fail(field, "not given, and pad_token_id of " + hfConfig.string() +
                    " is not a token id (an integer >= 0); set padding_idx "
                    "(null for none)");
  padding.index = id.get<int64_t>();
  return padding;
}

/// A module's `parallel` object: tp, stages, cp, layers.
void parseModuleParallel(const json &object, const std::string &at,
                         ModuleParallelConfig &parallel) {
  if (!object.contains("parallel"))
    return;
  const json &value = object["parallel"];
  std::string field = at + ".parallel";
  if (!value.is_object())
    fail(field, "must be an object (tp, stages, cp, layers)");
  rejectUnknown(value, field + ".", {"tp", "stages", "cp", "layers"});
  constexpr int64_t kMaxDegree = 1 << 16;
  auto degree = [&](const char *key) {
    int64_t n = integerAt(value, key, field + "." + key, 1, 1);
    if (n > kMaxDegree)
      fail(field + "." + key, "must be at most " + std::to_string(kMaxDegree));
    return n;
  };
  parallel.tp = degree("tp");
  // An encoder may have no stage of its own: it runs on the LLM's first.
  bool encoder = at != "llm";
  parallel.stages = integerAt(value, "stages", field + ".stages", 1,
                              encoder ? 0 : 1);
  if (parallel.stages > kMaxDegree)
    fail(field + ".stages", "must be at most " + std::to_string(kMaxDegree));
  parallel.cp = degree("cp");
  if (parallel.cp != 1 && encoder)
    fail(field + ".cp", "must be 1: context parallelism shares the LLM's "
                        "tokens (an encoder runs whole on each of the LLM's "
                        "context-parallel ranks)");
  if (value.contains("layers") && value["layers"] == "balanced") {
    parallel.balanced = true;
  } else if (value.contains("layers")) {
    const json &layers = value["layers"];
    if (!layers.is_array() ||
        static_cast<int64_t>(layers.size()) != parallel.stages)
      fail(field + ".layers", "must be \"balanced\" or list the layer "
                              "count of each of the " +
                                  std::to_string(parallel.stages) + " stages");
    for (const json &count : layers) {
      if (!count.is_number_integer() || count.get<int64_t>() < 0 ||
          count.get<int64_t>() > kMaxDegree)
        fail(field + ".layers", "each count must be an integer >= 0");
      parallel.layers.push_back(count.get<int64_t>());
    }
  }
}

void parseParallel(const json &object, const std::filesystem::path &folder,
                   ParallelConfig &parallel) {
  rejectUnknown(object, "parallel.",
                {"layout", "ranks", "bucket_mb", "zero1", "plan", "memory_gb",
                 "calibration", "schedule"});
  if (object.contains("schedule")) {
    const json &schedule = object["schedule"];
    if (schedule == "1f1b")
      parallel.zeroBubble = false;
    else if (schedule == "zero_bubble")
      parallel.zeroBubble = true;
    else
      fail("parallel.schedule", "must be \"1f1b\" or \"zero_bubble\"");
  }
  if (object.contains("plan")) {
    if (object["plan"] != "auto")
      fail("parallel.plan", "must be \"auto\" (or absent: the modules' "
                            "own parallel fields)");
    parallel.autoPlan = true;
  }
  parallel.memoryGb =
      numberAt(object, "memory_gb", "parallel.memory_gb", 80, 0, 1 << 20);
  if (object.contains("calibration"))
    parallel.calibration = pathAt(object, "calibration", "parallel.calibration",
                                  folder, "a file of starchc --calibrate");
  if (object.contains("layout")) {
    const json &layout = object["layout"];
    if (layout == "modality_parallel")
      parallel.layout = ParallelLayout::modalityParallel;
    else if (layout == "colocated")
      parallel.layout = ParallelLayout::colocated;
    else
      fail("parallel.layout",
           "must be \"modality_parallel\" or \"colocated\"");
  }
  parallel.ranks = integerAt(object, "ranks", "parallel.ranks", 0, 1);
  if (parallel.ranks > (1 << 20))
    fail("parallel.ranks", "must be at most 1048576");
  parallel.bucketMb =
      numberAt(object, "bucket_mb", "parallel.bucket_mb", 25, 0, 65536);
  if (object.contains("zero1")) {
    if (!object["zero1"].is_boolean())
      fail("parallel.zero1", "must be true or false");
    parallel.zero1 = object["zero1"].get<bool>();
  }
}

void parseLlm(const json &object, const std::filesystem::path &folder,
              ModelConfig &config) {
  rejectUnknown(object, "llm.",
                {"onnx", "weights", "input_shapes", "logits_output", "frozen",
                 "freeze", "padding_idx", "parallel"});
  parseModuleParallel(object, "llm", config.llmParallel);
  config.llmOnnx = pathAt(object, "onnx", "llm.onnx", folder,
                          "the path of the LLM's ONNX file");
  if (object.contains("weights"))
    config.llmWeights = pathAt(object, "weights", "llm.weights", folder,
                               "the framework's weights, .safetensors");
  config.inputShapes = shapesAt(object, "llm.input_shapes");
  config.logitsOutput = static_cast<unsigned>(integerAt(
      object, "logits_output", "llm.logits_output", 0, 0, 1 << 20));
  config.llmFrozen = boolAt(object, "frozen", "llm.frozen", false);
  config.llmFreeze = freezeAt(object, "llm.freeze");
  config.llmPaddingIdx =
      paddingIdxAt(object, "llm.padding_idx", config.llmOnnx);
}

void parseProjector(const json &object, const std::string &at,
                    const std::filesystem::path &folder,
                    ProjectorConfig &projector) {
  if (!object.contains("type") || !object["type"].is_string())
    fail(at + ".type", "missing (\"linear\", \"mlp\" or \"onnx\")");
  std::string type = object["type"].get<std::string>();
  if (type == "linear")
    projector.kind = ProjectorConfig::Kind::linear;
  else if (type == "mlp")
    projector.kind = ProjectorConfig::Kind::mlp;
  else if (type == "onnx")
    projector.kind = ProjectorConfig::Kind::onnx;
  else
    fail(at + ".type", "'" + type + "' is not a projector (expected \"linear\", "
                       "\"mlp\" or \"onnx\")");
  projector.frozen = boolAt(object, "frozen", at + ".frozen", false);
  if (projector.kind == ProjectorConfig::Kind::onnx) {
    rejectUnknown(object, at + ".",
                  {"type", "frozen", "weights", "onnx", "input_shapes"});
    projector.onnx = pathAt(object, "onnx", at + ".onnx", folder,
                            "the projector's ONNX file");
    if (object.contains("weights"))
      projector.weights = pathAt(object, "weights", at + ".weights", folder,
                                 "the framework's weights, .safetensors");
    projector.inputShapes = shapesAt(object, at + ".input_shapes");
    return;
  }
  rejectUnknown(object, at + ".", {"type", "frozen", "weights"});
  projector.weights =
      pathAt(object, "weights", at + ".weights", folder,
             "a safetensors file with the projector's initial weights, "
             "multi_modal_projector.linear_1.weight/bias and for mlp "
             "linear_2.weight/bias");
}

std::vector<int64_t> sizesAt(const json &object, const std::string &key,
                             const std::string &field, size_t count) {
  if (!object.contains(key))
    return {};
  const json &value = object[key];
  if (!value.is_array() || value.size() != count)
    fail(field, "must be a list of " + std::to_string(count) + " sizes");
  std::vector<int64_t> sizes;
  for (const json &size : value) {
    if (!size.is_number_integer() || size.get<int64_t>() < 1 ||
        size.get<int64_t>() > (1 << 16))
      fail(field, "each size must be an integer in [1, 65536]");
    sizes.push_back(size.get<int64_t>());
  }
  return sizes;
}

std::vector<double> channelsAt(const json &object, const std::string &key,
                               const std::string &field) {
  if (!object.contains(key))
    return {};
  const json &value = object[key];
  if (!value.is_array() || value.size() != 3)
    fail(field, "must be three numbers (one per RGB channel)");
  std::vector<double> numbers;
  for (const json &number : value) {
    if (!number.is_number())
      fail(field, "must be three numbers (one per RGB channel)");
    numbers.push_back(number.get<double>());
  }
  return numbers;
}

void parseProcessor(const json &value, const std::string &at,
                    rt::ProcessorSpec &processor) {
  const json object = value.is_string() ? json{{"type", value}} : value;
  if (!object.is_object())
    fail(at, "must be \"clip\", \"siglip\", \"whisper\" or an object "
             "with \"type\"");
  std::string type = object.value("type", "");
  if (type == "clip")
    processor.kind = rt::ProcessorSpec::Kind::clip;
  else if (type == "siglip")
    processor.kind = rt::ProcessorSpec::Kind::siglip;
  else if (type == "whisper")
    processor.kind = rt::ProcessorSpec::Kind::whisper;
  else
    fail(at + ".type", "must be \"clip\", \"siglip\" or \"whisper\"");
  if (processor.kind == rt::ProcessorSpec::Kind::whisper) {
    rejectUnknown(object, at + ".",
                  {"type", "sampling_rate", "n_fft", "hop_length"});
    processor.samplingRate = integerAt(object, "sampling_rate",
                                       at + ".sampling_rate", 16000, 1);
    processor.nFft = integerAt(object, "n_fft", at + ".n_fft", 400, 2);
    processor.hopLength =
        integerAt(object, "hop_length", at + ".hop_length", 160, 1);
    return;
  }
  rejectUnknown(object, at + ".",
                {"type", "shortest_edge", "size", "crop_size", "resample",
                 "mean", "std"});
  processor.shortestEdge =
      integerAt(object, "shortest_edge", at + ".shortest_edge", 0, 1);
  processor.size = sizesAt(object, "size", at + ".size", 2);
  processor.cropSize = sizesAt(object, "crop_size", at + ".crop_size", 2);
  if (object.contains("resample")) {
    if (!object["resample"].is_string())
      fail(at + ".resample", "must be a PIL filter name (\"bicubic\", ...)");
    processor.resample = object["resample"].get<std::string>();
  }
  processor.mean = channelsAt(object, "mean", at + ".mean");
  processor.std = channelsAt(object, "std", at + ".std");
  for (double deviation : processor.std)
    if (!(deviation > 0))
      fail(at + ".std", "must be positive");
}

void parseData(const json &object, const std::filesystem::path &folder,
               DataConfig &data) {
  rejectUnknown(object, "data.", {"manifest", "pad_token"});
  if (object.contains("manifest")) {
    if (!object["manifest"].is_string() ||
        object["manifest"].get<std::string>().empty())
      fail("data.manifest", "must be the path of a JSONL manifest");
    std::filesystem::path path = object["manifest"].get<std::string>();
    if (path.is_relative())
      path = folder / path;
    data.manifest = std::filesystem::absolute(path).lexically_normal().string();
  }
  data.padToken = integerAt(object, "pad_token", "data.pad_token", -1, 0);
}

void parseEncoder(const json &object, const std::string &at,
                  const std::filesystem::path &folder, EncoderConfig &encoder) {
  if (!object.is_object())
    fail(at, "must be an object");
  rejectUnknown(object, at + ".",
                {"name", "modality", "onnx", "weights", "input_shapes", "output",
                 "drop_first", "features", "frozen", "freeze", "padding_idx",
                 "placeholder_token", "projector", "processor", "parallel",
                 "$comment"});
  parseModuleParallel(object, at, encoder.parallel);
  if (!object.contains("name") || !object["name"].is_string())
    fail(at + ".name", "missing (the module's name, e.g. \"vision\")");
  encoder.name = object["name"].get<std::string>();
  if (!isIdentifier(encoder.name) || encoder.name == "llm" ||
      encoder.name == "forward")
    fail(at + ".name", "'" + encoder.name +
                           "' is not a module name (letters, digits and _, "
                           "not starting with a digit; not \"llm\" or "
                           "\"forward\")");
  if (object.contains("modality")) {
    if (!object["modality"].is_string())
      fail(at + ".modality", "must be a string (\"image\", \"audio\", ...)");
    encoder.modality = object["modality"].get<std::string>();
  }
  encoder.onnx = pathAt(object, "onnx", at + ".onnx", folder,
                        "the path of the encoder's ONNX file");
  if (object.contains("weights"))
    encoder.weights = pathAt(object, "weights", at + ".weights", folder,
                             "the framework's weights, .safetensors");
  encoder.inputShapes = shapesAt(object, at + ".input_shapes");
  if (object.contains("output")) {
    const json &output = object["output"];
    if (output.is_string())
      encoder.outputName = output.get<std::string>();
    else if (output.is_number_integer() && output.get<int64_t>() >= 0 &&
             output.get<int64_t>() < (1 << 20))
      encoder.outputIndex = static_cast<unsigned>(output.get<int64_t>());
    else
      fail(at + ".output", "must be a graph output's name or index");
  }
  encoder.dropFirst =
      integerAt(object, "drop_first", at + ".drop_first", 0, 0, 1 << 30);
  encoder.features =
      integerAt(object, "features", at + ".features", -1, 1, 1 << 30);
  encoder.frozen = boolAt(object, "frozen", at + ".frozen", false);
  encoder.freeze = freezeAt(object, at + ".freeze");
  encoder.paddingIdx =
      paddingIdxAt(object, at + ".padding_idx", encoder.onnx);
  encoder.placeholderToken = integerAt(object, "placeholder_token",
                                       at + ".placeholder_token", -1, 0);
  if (encoder.placeholderToken < 0)
    fail(at + ".placeholder_token",
         "missing (the token id whose positions take this encoder's "
         "features)");
  if (!object.contains("projector") || !object["projector"].is_object())
    fail(at + ".projector", "missing (an object: type, frozen, weights)");
  parseProjector(object["projector"], at + ".projector", folder,
                 encoder.projector);
  if (object.contains("processor"))
    parseProcessor(object["processor"], at + ".processor", encoder.processor);
}

void parseEncoders(const json &list, const std::filesystem::path &folder,
                   ModelConfig &config) {
  if (!list.is_array())
    fail("encoders", "must be a list of encoders");
  if (list.size() > 61)
    fail("encoders", "at most 61 (one attention-mask bit each)");
  for (size_t i = 0; i < list.size(); ++i) {
    EncoderConfig encoder;
    parseEncoder(list[i], "encoders[" + std::to_string(i) + "]", folder,
                 encoder);
    for (const EncoderConfig &other : config.encoders) {
      std::string at = "encoders[" + std::to_string(i) + "]";
      if (other.name == encoder.name)
        fail(at + ".name", "'" + encoder.name + "' names two encoders");
      if (other.name + "_projector" == encoder.name ||
          encoder.name + "_projector" == other.name)
        fail(at + ".name", "'" + encoder.name + "' collides with the projector "
                           "module of encoder '" +
                               (other.name + "_projector" == encoder.name
                                    ? other.name
                                    : encoder.name) +
                               "'");
      if (other.placeholderToken == encoder.placeholderToken)
        fail(at + ".placeholder_token",
             std::to_string(encoder.placeholderToken) +
                 " is also encoder '" + other.name + "''s placeholder");
    }
    config.encoders.push_back(std::move(encoder));
  }
}

} // namespace

const std::vector<std::string> &huggingFaceNoDecayGlobs() {
  // transformers 5.x Trainer.get_decay_parameter_names: the lower-cased name
  // contains "bias", "layernorm" or "rmsnorm", has a component "norm", or a
  // component ending in "_norm".
  static const std::vector<std::string> globs = {
      "*[bB][iI][aA][sS]*",
      "*[lL][aA][yY][eE][rR][nN][oO][rR][mM]*",
      "*[rR][mM][sS][nN][oO][rR][mM]*",
      "[nN][oO][rR][mM]",
      "[nN][oO][rR][mM].*",
      "*.[nN][oO][rR][mM]",
      "*.[nN][oO][rR][mM].*",
      "*_[nN][oO][rR][mM]",
      "*_[nN][oO][rR][mM].*"};
  return globs;
}

namespace {

bool parseConfigFile(const std::string &path, ModelConfig &config,
                     std::string &error) {
  std::ifstream in(path);
  if (!in) {
    error = path + ": cannot open the file";
    return false;
  }
  try {
    json root;
    // The callback sees every key as it is read: duplicates are refused
    // (JSON lets the last one win silently), and a number the parser
    // cannot hold is reported at its field.
    std::vector<std::set<std::string>> keysAt;
    std::vector<std::string> fieldPath;
    std::string lastField;
    auto fieldName = [&] {
      std::string name;
      for (const std::string &part : fieldPath)
        name += (name.empty() ? "" : ".") + part;
      return name;
    };
    json::parser_callback_t onEvent = [&](int depth, json::parse_event_t event,
                                          json &parsed) {
      switch (event) {
      case json::parse_event_t::object_start:
        keysAt.emplace_back();
        break;
      case json::parse_event_t::object_end:
        keysAt.pop_back();
        if (!fieldPath.empty() &&
            static_cast<int>(fieldPath.size()) > depth)
          fieldPath.resize(depth);
        break;
      case json::parse_event_t::key: {
        std::string key = parsed.get<std::string>();
        fieldPath.resize(std::max(depth - 1, 0));
        fieldPath.push_back(key);
        lastField = fieldName();
        if (!keysAt.empty() && !keysAt.back().insert(key).second)
          fail(lastField, "given twice (JSON would silently keep the last)");
        break;
      }
      default:
        break;
      }
      return true;
    };
    try {
      root = json::parse(in, onEvent);
    } catch (const json::exception &e) {
      error = path + ": not valid JSON" +
              (lastField.empty() ? "" : " (at or after field " + lastField +
                                            ")") +
              ": " + e.what();
      return false;
    }
    checkStrings(root, "");
    if (!root.is_object())
      fail("(top level)", "must be an object");
    rejectUnknown(root, "",
                  {"name", "llm", "encoders", "attention_mask", "training",
                   "data", "parallel", "$comment"});
    if (!root.contains("name") || !root["name"].is_string() ||
        root["name"].get<std::string>().empty())
      fail("name", "missing (a non-empty string naming the model)");
    config.name = root["name"].get<std::string>();
    // The name reaches generated code and file contents.
    if (config.name.size() > 200)
      fail("name", "must be at most 200 characters");
    config.path = path;
    std::filesystem::path folder =
        std::filesystem::absolute(path).parent_path();
    parseLlm(objectAt(root, "llm", "llm"), folder, config);
    if (root.contains("encoders"))
      parseEncoders(root["encoders"], folder, config);
    if (root.contains("attention_mask")) {
      const json &mask = root["attention_mask"];
      if (mask == "bitfield")
        config.attentionMask = AttentionMaskKind::bitfield;
      else if (mask == "causal")
        config.attentionMask = AttentionMaskKind::causal;
      else
        fail("attention_mask", "must be \"bitfield\" or \"causal\"");
    }
    if (root.contains("training"))
      parseTraining(objectAt(root, "training", "training"), config.training);
    if (root.contains("data"))
      parseData(objectAt(root, "data", "data"), folder, config.data);
    if (root.contains("parallel"))
      parseParallel(objectAt(root, "parallel", "parallel"), folder,
                    config.parallel);
  } catch (const ConfigError &e) {
    error = path + ": " + e.message;
    return false;
  } catch (const std::exception &e) {
    error = path + ": " + e.what();
    return false;
  }
  return true;
}

} // namespace

bool parseModelConfig(const std::string &path, ModelConfig &config,
                      std::string &error) {
  // Keys and the parser's excerpts of the file may hold control characters.
  bool parsed = parseConfigFile(path, config, error);
  error = rt::printableLine(error);
  return parsed;
}

} // namespace starch::config
