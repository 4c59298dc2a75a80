//===- OnnxImporter.h - ONNX models to starch IR ----------------*- C++ -*-===//
//
// Reads an ONNX ModelProto (libonnx) and builds a module with one
// `func.func @forward`, `starch.param` symbols for the model's weights, static
// shapes everywhere, shape arithmetic folded, broadcasting made explicit and
// ops tagged with their transformer layer.
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_COMPILER_IMPORT_ONNXIMPORTER_H
#define STARCH_COMPILER_IMPORT_ONNXIMPORTER_H

#include "compiler/Import/ImportLimits.h"
#include "runtime/Tensor.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

#include <map>
#include <string>
#include <vector>

namespace starch::import {

struct ImportOptions {
  /// Shapes for graph inputs whose dimensions the file leaves symbolic.
  std::map<std::string, std::vector<int64_t>> inputShapes;
  /// Graph inputs specialised to known data: they become constants (and fold)
  /// instead of arguments of @forward. ONNX's node tests pass shapes and axes
  /// this way; a model may pass position ids.
  std::map<std::string, rt::Tensor> constantInputs;
  /// The framework's own weights (safetensors with its parameter names):
  /// initializers equal to one of its tensors (as is, reshaped or
  /// transposed) become that parameter, named and read as the framework
  /// does (FrameworkNames.h). Every weight must then be found there.
  std::string frameworkWeights;
  /// Planning a model exported without its weights: an initializer whose
  /// external data file is absent imports as zeros of its shape (only
  /// shapes matter to `starchc --emit=plan`).
  bool shapeOnly = false;
  /// Constant folding's limits (ImportLimits.h): the largest constant the
  /// import builds, and all the folding of one import. The fuzz target
  /// lowers them: the same refusals and run-time fallbacks, at a fraction of
  /// the memory and time.
  int64_t maxConstantElements = kMaxFoldedElements;
  int64_t maxFoldedElementsPerImport = kMaxFoldedElementsPerImport;
};

/// Imports the model at `path`. On failure returns null and sets `error` to
/// one line: "<file>: node '<name>' (<OpType>): <what was expected>".
mlir::OwningOpRef<mlir::ModuleOp> importOnnxFile(mlir::MLIRContext &context,
                                                 const std::string &path,
                                                 const ImportOptions &options,
                                                 std::string &error);

/// The ONNX op types (default domain) the importer lowers, sorted.
std::vector<std::string> supportedOnnxOps();

} // namespace starch::import

#endif // STARCH_COMPILER_IMPORT_ONNXIMPORTER_H
