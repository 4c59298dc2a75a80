//===- ElementTypes.h - MLIR element types as runtime DTypes ----*- C++ -*-===//
//
// One mapping from an MLIR element type to the runtime's DType, read by the
// interpreter (tensors from attributes and back) and by the emitters (the
// generated code's types and view tables).
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_COMPILER_EXECUTION_ELEMENTTYPES_H
#define STARCH_COMPILER_EXECUTION_ELEMENTTYPES_H

#include "runtime/Tensor.h"

#include "mlir/IR/Types.h"

#include <optional>

namespace starch::exec {

/// The runtime element type of an MLIR element type: f32 f64 f16 bf16,
/// signless i64 i32 i16 i8 i1, and ui8 (as u8). Anything else has none.
std::optional<rt::DType> dtypeOf(mlir::Type elementType);

} // namespace starch::exec

#endif // STARCH_COMPILER_EXECUTION_ELEMENTTYPES_H
