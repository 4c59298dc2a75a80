//===- NodeChecks.cpp - What every lowering may assume of a node ----------===//
#include "compiler/Import/NodeChecks.h"

#include "llvm/ADT/StringMap.h"

namespace starch::import {

int requiredInputCount(const std::string &opType, int64_t opset) {
  // Ops not listed need one input. Reshape, Slice and Pad took their
  // parameters as attributes before opsets 5, 10 and 11.
  static const llvm::StringMap<int> required = {
      {"Constant", 0},
      {"Add", 2},
      {"And", 2},
      {"CastLike", 2},
      {"Conv", 2},
      {"CumSum", 2},
      {"Div", 2},
      {"Equal", 2},
      {"Expand", 2},
      {"Gather", 2},
      {"GatherElements", 2},
      {"Gemm", 2},
      {"Greater", 2},
      {"GreaterOrEqual", 2},
      {"LayerNormalization", 2},
      {"Less", 2},
      {"LessOrEqual", 2},
      {"MatMul", 2},
      {"Mod", 2},
      {"Mul", 2},
      {"NegativeLogLikelihoodLoss", 2},
      {"Or", 2},
      {"Pow", 2},
      {"PRelu", 2},
      {"SoftmaxCrossEntropyLoss", 2},
      {"Sub", 2},
      {"Tile", 2},
      {"Xor", 2},
      {"InstanceNormalization", 3},
      {"OneHot", 3},
      {"Range", 3},
      {"Where", 3},
      {"BatchNormalization", 5},
  };
  if (opType == "Reshape")
    return opset >= 5 ? 2 : 1;
  if (opType == "Slice")
    return opset >= 10 ? 3 : 1;
  if (opType == "Pad")
    return opset >= 11 ? 2 : 1;
  auto it = required.find(opType);
  return it == required.end() ? 1 : it->second;
}

std::string
checkNodeOperands(const onnx::NodeProto &node, int64_t opset,
                  llvm::function_ref<bool(const std::string &)> isDefined) {
  int required = requiredInputCount(node.op_type(), opset);
  for (int i = 0; i < required; ++i)
    if (i >= node.input_size() || node.input(i).empty())
      return "needs " + std::to_string(required) + " input" +
             (required == 1 ? "" : "s") + " but input #" + std::to_string(i) +
             " is not given";
  // An empty name is an omitted optional input; any other must exist.
  for (const std::string &input : node.input())
    if (!input.empty() && !isDefined(input))
      return "input '" + input +
             "' is not defined before this node (no graph input, initializer "
             "or earlier node output has that name)";
  if (node.output_size() == 0 || node.output(0).empty())
    return "has no output";
  return "";
}

} // namespace starch::import
