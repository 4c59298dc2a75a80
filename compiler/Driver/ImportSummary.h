//===- ImportSummary.h - What an import made of a graph's data --*- C++ -*-===//
//
// `starchc -v` lists every parameter with its role (trainable, frozen,
// buffer) and counts the constants, so that a weight imported as a constant
// (it would silently never train) is visible; starchc always warns about
// initializers an exporter folded from parameters.
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_COMPILER_DRIVER_IMPORTSUMMARY_H
#define STARCH_COMPILER_DRIVER_IMPORTSUMMARY_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/raw_ostream.h"

#include <string>

namespace starch::driver {

/// One warning line for `module`'s kFoldedWeightsAttrName, naming the
/// initializers of `onnx` and the export option that avoids them; nothing
/// when there are none.
void warnFoldedWeights(mlir::ModuleOp module, const std::string &onnx,
                       llvm::raw_ostream &os);

/// Parameters (each with role, type and framework name), buffers, padding
/// rows and constants with their counts.
void printImportSummary(mlir::ModuleOp module, llvm::raw_ostream &os);

} // namespace starch::driver

#endif // STARCH_COMPILER_DRIVER_IMPORTSUMMARY_H
