//===- Evaluate.cpp - One starch op on host tensors -----------------------===//
#include "compiler/Interpreter/Interpreter.h"

#include "starch/Dialect/StarchOps.h"

#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;

namespace starch::interp {

/// The runtime type of `value`'s tensor type, or a diagnostic on `op`.
static FailureOr<rt::DType> dtypeOfValue(Operation *op, Value value) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  if (type)
    if (std::optional<rt::DType> dtype = dtypeOf(type.getElementType()))
      return *dtype;
  return op->emitOpError() << "has unsupported type " << value.getType()
                           << " for the interpreter";
}

static rt::Shape shapeOf(Value value) {
  auto type = cast<RankedTensorType>(value.getType());
  return rt::Shape(type.getShape().begin(), type.getShape().end());
}

LogicalResult evaluateOp(Operation *op, llvm::ArrayRef<rt::Tensor> operands,
                         llvm::SmallVectorImpl<rt::Tensor> &results) {
  for (Value value : op->getOperands())
    if (failed(dtypeOfValue(op, value)))
      return failure();
  for (Value value : op->getResults())
    if (failed(dtypeOfValue(op, value)))
      return failure();

  if (auto constant = dyn_cast<ConstantOp>(op)) {
    rt::Tensor t = tensorFromAttr(constant.getValue());
    if (t.empty())
      return op->emitOpError() << "has a constant the interpreter cannot read";
    results.push_back(t);
    return success();
  }
  if (isa<ReshapeOp>(op)) {
    results.push_back(operands[0].reshaped(shapeOf(op->getResult(0))));
    return success();
  }
  return op->emitOpError() << "is not supported by the interpreter";
}

} // namespace starch::interp
