//===- ModelConfig.cpp - model.json, the input of starchc -----------------===//
//
// Strict parsing: unknown fields are errors (a misspelt "warmup_step" must
// not silently train without warm-up), and every value is range-checked.
//
//===----------------------------------------------------------------------===//
#include "compiler/Config/ModelConfig.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
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
                  const std::string &field, int64_t fallback, int64_t min) {
  if (!object.contains(key))
    return fallback;
  const json &value = object[key];
  if (!value.is_number_integer())
    fail(field, "must be an integer");
  int64_t result = value.get<int64_t>();
  if (result < min)
    fail(field, "must be >= " + std::to_string(min) + ", got " +
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

void parseTraining(const json &object, TrainingConfig &training) {
  const std::string at = "training.";
  rejectUnknown(object, at,
                {"steps", "micro_batches", "lr", "betas", "eps",
                 "weight_decay", "max_grad_norm", "warmup_steps"});
  training.steps = integerAt(object, "steps", at + "steps", 100, 1);
  training.microBatches =
      integerAt(object, "micro_batches", at + "micro_batches", 1, 1);
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

void parseLlm(const json &object, const std::filesystem::path &folder,
              ModelConfig &config) {
  rejectUnknown(object, "llm.", {"onnx", "input_shapes", "logits_output"});
  if (!object.contains("onnx") || !object["onnx"].is_string())
    fail("llm.onnx", "missing (the path of the LLM's ONNX file)");
  std::filesystem::path onnx = object["onnx"].get<std::string>();
  if (onnx.is_relative())
    onnx = folder / onnx;
  if (!std::filesystem::exists(onnx))
    fail("llm.onnx", "file '" + onnx.string() + "' does not exist");
  config.llmOnnx = std::filesystem::absolute(onnx).lexically_normal().string();
  if (object.contains("input_shapes")) {
    const json &shapes = object["input_shapes"];
    if (!shapes.is_object())
      fail("llm.input_shapes", "must map input names to shapes");
    for (auto it = shapes.begin(); it != shapes.end(); ++it) {
      std::string field = "llm.input_shapes." + it.key();
      if (!it.value().is_array())
        fail(field, "must be a list of sizes");
      std::vector<int64_t> shape;
      for (const json &size : it.value()) {
        if (!size.is_number_integer() || size.get<int64_t>() < 1)
          fail(field, "sizes must be positive integers");
        shape.push_back(size.get<int64_t>());
      }
      config.inputShapes[it.key()] = shape;
    }
  }
  config.logitsOutput = static_cast<unsigned>(
      integerAt(object, "logits_output", "llm.logits_output", 0, 0));
}

} // namespace

bool parseModelConfig(const std::string &path, ModelConfig &config,
                      std::string &error) {
  std::ifstream in(path);
  if (!in) {
    error = path + ": cannot open the file";
    return false;
  }
  try {
    json root;
    try {
      root = json::parse(in);
    } catch (const json::parse_error &e) {
      error = path + ": not valid JSON: " + e.what();
      return false;
    }
    if (!root.is_object())
      fail("(top level)", "must be an object");
    rejectUnknown(root, "", {"name", "llm", "training", "$comment"});
    if (!root.contains("name") || !root["name"].is_string() ||
        root["name"].get<std::string>().empty())
      fail("name", "missing (a non-empty string naming the model)");
    config.name = root["name"].get<std::string>();
    std::filesystem::path folder =
        std::filesystem::absolute(path).parent_path();
    parseLlm(objectAt(root, "llm", "llm"), folder, config);
    if (root.contains("training"))
      parseTraining(objectAt(root, "training", "training"), config.training);
  } catch (const ConfigError &e) {
    error = path + ": " + e.message;
    return false;
  } catch (const std::exception &e) {
    error = path + ": " + e.what();
    return false;
  }
  return true;
}

} // namespace starch::config
