//===- WeightLoading.cpp - Parameters from the weights file ---------------===//
#include "runtime/train/WeightLoading.h"

#include "runtime/io/OnnxTensor.h"
#include "runtime/io/Safetensors.h"
#include "runtime/train/Guards.h"

#include <functional>
#include <map>
#include <memory>
#include <stdexcept>

namespace starch::rt {

namespace {

bool endsWith(const std::string &text, const std::string &suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

const char *kindName(ParamKind kind) {
  switch (kind) {
  case ParamKind::trainable:
    return "trainable";
  case ParamKind::frozen:
    return "frozen";
  case ParamKind::buffer:
    return "buffer";
  case ParamKind::optimizerState:
    return "optimizer state";
  }
  return "?";
}

} // namespace

std::string describeTensorType(DType dtype, const Shape &shape) {
  return std::string(dtypeName(dtype)) + "[" + shapeString(shape) + "]";
}

ParamStore allocateParams(const ProgramSpec &spec) {
  ParamStore params;
  params.reserve(spec.params.size());
  for (const ParamSpec &param : spec.params)
    params.emplace_back(param.dtype, param.shape);
  return params;
}

namespace {

/// One weights file, read on demand: safetensors by random access, ONNX
/// initializers all at once (the format has no index).
class WeightsReader {
public:
  explicit WeightsReader(const std::string &path) : path_(path) {
    std::string error;
    if (endsWith(path, ".onnx")) {
      if (!loadOnnxInitializers(path, onnx_, error))
        throw std::runtime_error("cannot load weights: " + error);
      isOnnx_ = true;
    } else if (endsWith(path, ".safetensors")) {
      if (!safetensors_.open(path, error))
        throw std::runtime_error("cannot load weights: " + error);
    } else {
      throw std::runtime_error("weights file '" + path +
                               "' is neither .onnx nor .safetensors");
    }
  }

  bool lookup(const std::string &name, Tensor &out) {
    if (isOnnx_) {
      auto it = onnx_.find(name);
      if (it == onnx_.end())
        return false;
      out = std::move(it->second);
      onnx_.erase(it); // a second use clones the first parameter
      return true;
    }
    if (!safetensors_.contains(name))
      return false;
    std::string error;
    if (!safetensors_.load(name, out, error))
      throw std::runtime_error("cannot load weights: " + error);
    return true;
  }

  const std::string &path() const { return path_; }

private:
  std::string path_;
  bool isOnnx_ = false;
  std::map<std::string, Tensor> onnx_;
  SafetensorsFile safetensors_;
};

} // namespace

std::string describeWeights(const std::vector<WeightsFile> &files) {
  std::string text;
  for (const WeightsFile &file : files)
    text += (text.empty() ? "" : ", ") +
            (file.module.empty() ? file.path : file.module + "=" + file.path);
  return text;
}

void loadWeights(const std::vector<WeightsFile> &files,
                 const ProgramSpec &spec, ParamStore &params) {
  std::map<std::string, std::unique_ptr<WeightsReader>> readers;
  auto readerFor = [&](const std::string &module) -> WeightsReader & {
    auto it = readers.find(module);
    if (it != readers.end())
      return *it->second;
    for (const WeightsFile &file : files)
      if (file.module == module)
        return *readers.emplace(module, std::make_unique<WeightsReader>(
                                            file.path))
                    .first->second;
    throw std::runtime_error(
        module.empty() ? "no weights file: the program names none; pass "
                         "--weights PATH"
                       : "no weights file for module '" + module +
                             "'; pass --weights " + module + "=PATH");
  };

  // Parameters sharing a source (tied weights) get their own copies: each
  // is updated in place and must not alias another.
  std::map<std::pair<std::string, std::string>, size_t> loaded;
  for (size_t i = 0; i < spec.params.size(); ++i) {
    const ParamSpec &param = spec.params[i];
    if (param.kind == ParamKind::optimizerState)
      continue;
    std::string what =
        std::string(kindName(param.kind)) + " parameter '" + param.name + "'";
    if (param.source.empty())
      throw std::runtime_error(what + " names no tensor of the weights file");
    WeightsReader &reader = readerFor(param.module);
    Tensor tensor;
    auto key = std::make_pair(param.module, param.source);
    if (auto it = loaded.find(key); it != loaded.end())
      tensor = params[it->second].clone();
    else if (!reader.lookup(param.source, tensor))
      throw std::runtime_error("weights file '" + reader.path() +
                               "' has no tensor '" + param.source +
                               "' (needed by " + what + ")");
    if (tensor.dtype() != param.dtype || tensor.shape() != param.shape)
      throw std::runtime_error(
          "weights file '" + reader.path() + "': tensor '" + param.source +
          "' is " + describeTensorType(tensor.dtype(), tensor.shape()) +
          " but " + what + " is " +
          describeTensorType(param.dtype, param.shape));
    // A step that goes non-finite names the parameter that did, which
    // needs every trained value finite to start with.
    if (int64_t at =
            param.kind == ParamKind::trainable ? firstNonFinite(tensor) : -1;
        at >= 0)
      throw std::runtime_error(
          "weights file '" + reader.path() + "': tensor '" + param.source +
          "' holds a non-finite value (element " + std::to_string(at) +
          "), so " + what + " cannot be trained");
    params[i] = std::move(tensor);
    loaded.emplace(key, i);
  }
}

} // namespace starch::rt
