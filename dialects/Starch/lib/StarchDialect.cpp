//===- StarchDialect.cpp - The starch dialect -----------------------------===//
#include "starch/Dialect/StarchDialect.h"
#include "starch/Dialect/StarchInterfaces.h"
#include "starch/Dialect/StarchOps.h"

using namespace mlir;
using namespace starch;

#include "starch/Dialect/StarchOpsDialect.cpp.inc"
#include "starch/Dialect/StarchInterfaces.cpp.inc"

void StarchDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "starch/Dialect/StarchOps.cpp.inc"
      >();
  registerGradientModels(*this);
  registerShardingModels(*this);
}

Operation *StarchDialect::materializeConstant(OpBuilder &builder,
                                              Attribute value, Type type,
                                              Location loc) {
  auto elements = llvm::dyn_cast<ElementsAttr>(value);
  if (!elements || elements.getType() != type)
    return nullptr;
  return ConstantOp::create(builder, loc, elements);
}
