//===- ElementTypes.cpp - MLIR element types as runtime DTypes ------------===//
#include "compiler/Execution/ElementTypes.h"

#include "mlir/IR/BuiltinTypes.h"

using namespace mlir;

namespace starch::exec {

std::optional<rt::DType> dtypeOf(Type elementType) {
  if (elementType.isF32())
    return rt::DType::f32;
  if (elementType.isF64())
    return rt::DType::f64;
  if (elementType.isF16())
    return rt::DType::f16;
  if (elementType.isBF16())
    return rt::DType::bf16;
  auto integer = dyn_cast<IntegerType>(elementType);
  if (!integer)
    return std::nullopt;
  if (integer.isUnsigned())
    return integer.getWidth() == 8 ? std::optional(rt::DType::u8)
                                   : std::nullopt;
  switch (integer.getWidth()) {
  case 64:
    return rt::DType::i64;
  case 32:
    return rt::DType::i32;
  case 16:
    return rt::DType::i16;
  case 8:
    return rt::DType::i8;
  case 1:
    return rt::DType::i1;
  default:
    return std::nullopt;
  }
}

} // namespace starch::exec
