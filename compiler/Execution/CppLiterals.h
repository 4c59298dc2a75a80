//===- CppLiterals.h - C++ literals of compile-time values ------*- C++ -*-===//
//
// How generated code spells the values the compiler knows: integer lists and
// doubles that read back exactly. Shared by the kernel calls (KernelCall.h)
// and the rest of the C++ emitter (constants, tensor types).
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_COMPILER_EXECUTION_CPPLITERALS_H
#define STARCH_COMPILER_EXECUTION_CPPLITERALS_H

#include "llvm/ADT/ArrayRef.h"

#include <cstdint>
#include <string>

namespace starch::exec {

/// `{1, 2, 3}`.
std::string listLiteral(llvm::ArrayRef<int64_t> values);
/// `{1.0, 0.59999999999999998}`, each element as doubleLiteral writes it.
std::string listLiteral(llvm::ArrayRef<double> values);
/// A double that reads back exactly (`HUGE_VAL`, `NAN` for the specials).
std::string doubleLiteral(double value);

} // namespace starch::exec

#endif // STARCH_COMPILER_EXECUTION_CPPLITERALS_H
