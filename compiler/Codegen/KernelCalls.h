//===- KernelCalls.h - The runtime call that computes one op ----*- C++ -*-===//
//
// The generated C++ computes every op with the same runtime kernel that the
// reference interpreter (compiler/Interpreter/Evaluate.cpp) calls, so both
// share one implementation of the math.
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_COMPILER_CODEGEN_KERNELCALLS_H
#define STARCH_COMPILER_CODEGEN_KERNELCALLS_H

#include "mlir/IR/Operation.h"
#include "llvm/ADT/ArrayRef.h"

#include <optional>
#include <string>

namespace starch::codegen {

/// The C++ expression (a `Status`) that runs `op` with operands named
/// `operands` into results named `results`, or std::nullopt for an op with no
/// kernel.
std::optional<std::string> kernelCall(mlir::Operation *op,
                                      llvm::ArrayRef<std::string> operands,
                                      llvm::ArrayRef<std::string> results);

/// `{1, 2, 3}`.
std::string listLiteral(llvm::ArrayRef<int64_t> values);
/// A double that reads back exactly.
std::string doubleLiteral(double value);

} // namespace starch::codegen

#endif // STARCH_COMPILER_CODEGEN_KERNELCALLS_H
