//===- CppText.h - Spelling IR types and names in generated C++ -*- C++ -*-===//
#ifndef STARCH_COMPILER_CODEGEN_CPPTEXT_H
#define STARCH_COMPILER_CODEGEN_CPPTEXT_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/StringRef.h"

#include <string>

namespace starch::codegen {

/// "DType::f32"; empty for an element type the runtime has not.
std::string dtypeName(mlir::Type element);
/// "DType::f32, {2, 16}": a tensor type as the runtime's arguments.
std::string typeArgs(mlir::Type type);
/// "{2, {2, 16}}": a table row's ShapeRow (runtime/train/ProgramTables.h).
std::string shapeRow(llvm::ArrayRef<int64_t> shape);
/// "f32[2x16x64]": a tensor's type in a comment.
std::string typeComment(mlir::RankedTensorType type);
/// A C++ string literal.
std::string quoted(llvm::StringRef text);
/// A C++ identifier from a symbol name.
std::string identifier(llvm::StringRef name);
/// "model.layers.0-3, model.layers.5": layer tags, consecutive layer numbers
/// as ranges, in layer order.
std::string layerList(mlir::ArrayAttr tags);

} // namespace starch::codegen

#endif // STARCH_COMPILER_CODEGEN_CPPTEXT_H
