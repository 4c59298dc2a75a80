//===- WeightLoading.cpp - Parameters from the weights file ---------------===//
#include "runtime/train/WeightLoading.h"

#include "runtime/io/OnnxTensor.h"
#include "runtime/io/Safetensors.h"

#include <functional>
#include <map>
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

void loadWeights(const std::string &path, const ProgramSpec &spec,
                 ParamStore &params) {
  if (path.empty())
    throw std::runtime_error(
        "no weights file: the program names none; pass --weights PATH");
  // One lookup function over either format; ONNX has no random access, so
  // its initializers are all read up front, safetensors on demand.
  std::string error;
  std::map<std::string, Tensor> onnxInitializers;
  SafetensorsFile safetensors;
  std::function<bool(const std::string &, Tensor &)> lookup;
  if (endsWith(path, ".onnx")) {
    if (!loadOnnxInitializers(path, onnxInitializers, error))
      throw std::runtime_error("cannot load weights: " + error);
    lookup = [&](const std::string &name, Tensor &out) {
      auto it = onnxInitializers.find(name);
      if (it == onnxInitializers.end())
        return false;
      out = std::move(it->second);
      onnxInitializers.erase(it); // a second use clones the first parameter
      return true;
    };
  } else if (endsWith(path, ".safetensors")) {
    if (!safetensors.open(path, error))
      throw std::runtime_error("cannot load weights: " + error);
    lookup = [&](const std::string &name, Tensor &out) {
      if (!safetensors.contains(name))
        return false;
      if (!safetensors.load(name, out, error))
        throw std::runtime_error("cannot load weights: " + error);
      return true;
    };
  } else {
    throw std::runtime_error("weights file '" + path +
                             "' is neither .onnx nor .safetensors");
  }

  // Parameters sharing a source (tied weights) get their own copies: each
  // is updated in place and must not alias another.
  std::map<std::string, size_t> loaded;
  for (size_t i = 0; i < spec.params.size(); ++i) {
    const ParamSpec &param = spec.params[i];
    if (param.kind == ParamKind::optimizerState)
      continue;
    std::string what =
        std::string(kindName(param.kind)) + " parameter '" + param.name + "'";
    if (param.source.empty())
      throw std::runtime_error(what + " names no tensor of the weights file");
    Tensor tensor;
    if (auto it = loaded.find(param.source); it != loaded.end())
      tensor = params[it->second].clone();
    else if (!lookup(param.source, tensor))
      throw std::runtime_error("weights file '" + path + "' has no tensor '" +
                               param.source + "' (needed by " + what + ")");
    if (tensor.dtype() != param.dtype || tensor.shape() != param.shape)
      throw std::runtime_error(
          "weights file '" + path + "': tensor '" + param.source + "' is " +
          describeTensorType(tensor.dtype(), tensor.shape()) + " but " + what +
          " is " + describeTensorType(param.dtype, param.shape));
    params[i] = std::move(tensor);
    loaded.emplace(param.source, i);
  }
}

} // namespace starch::rt
