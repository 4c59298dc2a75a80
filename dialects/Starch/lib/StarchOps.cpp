//===- StarchOps.cpp - Ops of the starch dialect --------------------------===//
//
// Generated op definitions, symbol checks and folders. Shape verifiers live in
// StarchVerifiers.cpp.
//
//===----------------------------------------------------------------------===//
#include "starch/Dialect/StarchOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"

using namespace mlir;
using namespace starch;

#include "starch/Dialect/StarchEnums.cpp.inc"

#define GET_OP_CLASSES
#include "starch/Dialect/StarchOps.cpp.inc"

LogicalResult
ReadParamOp::verifySymbolUses(SymbolTableCollection &symbolTable) {
  auto param =
      symbolTable.lookupNearestSymbolFrom<ParamOp>(*this, getNameAttr());
  if (!param)
    return emitOpError() << "refers to " << getNameAttr()
                         << ", which is not a starch.param";
  if (param.getType() != getType())
    return emitOpError() << "has type " << getType() << " but " << getNameAttr()
                         << " is declared as " << param.getType();
  return success();
}

OpFoldResult ConstantOp::fold(FoldAdaptor) { return getValue(); }

OpFoldResult ReshapeOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getType())
    return getInput();
  if (auto dense = llvm::dyn_cast_if_present<DenseElementsAttr>(adaptor.getInput()))
    return dense.reshape(getType());
  return {};
}
