//===- NodeChecks.h - What every lowering may assume of a node --*- C++ -*-===//
//
// Checked once before a node's lowering runs, so that no lowering meets a
// missing required input or a name nothing defined (a graph out of order, a
// cycle, a typo): the inputs the op requires are given, every input it
// names is defined by then, and it has an output.
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_COMPILER_IMPORT_NODECHECKS_H
#define STARCH_COMPILER_IMPORT_NODECHECKS_H

#include "llvm/ADT/STLFunctionalExtras.h"

#include <onnx/onnx_pb.h>

#include <string>

namespace starch::import {

/// Inputs `opType` requires at `opset` (ONNX's operator specifications).
int requiredInputCount(const std::string &opType, int64_t opset);

/// "" when `node` may be lowered, else what is wrong ("needs 2 inputs but
/// has 1", "input 'x' is not defined before this node").
std::string
checkNodeOperands(const onnx::NodeProto &node, int64_t opset,
                  llvm::function_ref<bool(const std::string &)> isDefined);

} // namespace starch::import

#endif // STARCH_COMPILER_IMPORT_NODECHECKS_H
