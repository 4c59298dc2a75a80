//===- WeightLoading.h - Parameters from the weights file -------*- C++ -*-===//
//
// Fills a ParamStore from an ONNX model's initializers or a safetensors file,
// matching each parameter by ParamSpec::source. Errors are thrown as
// std::runtime_error with one sentence naming the parameter.
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_RUNTIME_TRAIN_WEIGHTLOADING_H
#define STARCH_RUNTIME_TRAIN_WEIGHTLOADING_H

#include "runtime/train/Program.h"

#include <string>
#include <vector>

namespace starch::rt {

/// Zero-filled storage for every parameter of `spec`, in spec order.
ParamStore allocateParams(const ProgramSpec &spec);

/// Loads every parameter that is not optimizer state from its module's file
/// in `files` (.onnx or .safetensors) into `params`, checking dtype and
/// shape; optimizer state is left as it is (zeros from allocateParams).
void loadWeights(const std::vector<WeightsFile> &files,
                 const ProgramSpec &spec, ParamStore &params);

/// "FILE" for a single-module program, "module=FILE, ..." otherwise.
std::string describeWeights(const std::vector<WeightsFile> &files);

/// "dtype[shape]" for messages.
std::string describeTensorType(DType dtype, const Shape &shape);

} // namespace starch::rt

#endif // STARCH_RUNTIME_TRAIN_WEIGHTLOADING_H
