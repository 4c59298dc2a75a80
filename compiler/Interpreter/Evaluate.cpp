//===- Evaluate.cpp - One starch op on host tensors -----------------------===//
//
// Runs the kernel call that the op's execution entry declares
// (compiler/Execution/KernelTable.cpp), the same call the emitters print.
// Types are checked here, from the IR, so the kernels only see tensors the
// verifier already accepted.
//
//===----------------------------------------------------------------------===//
#include "compiler/Interpreter/Interpreter.h"

#include "compiler/Execution/ExecutionInterface.h"
#include "starch/Dialect/StarchOps.h"

using namespace mlir;

namespace starch::interp {

namespace {

/// The runtime type of `value`'s tensor type, or a diagnostic on `op`.
FailureOr<rt::DType> dtypeOfValue(Operation *op, Value value) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  if (type && type.hasStaticShape())
    if (std::optional<rt::DType> dtype = dtypeOf(type.getElementType()))
      return *dtype;
  return op->emitOpError() << "has type " << value.getType()
                           << ", which the interpreter does not support";
}

/// An uninitialised tensor of `value`'s type: every kernel writes all of its
/// output.
rt::Tensor allocateFor(Value value) {
  auto type = cast<RankedTensorType>(value.getType());
  return rt::Tensor::uninitialized(
      *dtypeOf(type.getElementType()),
      rt::Shape(type.getShape().begin(), type.getShape().end()));
}

} // namespace

LogicalResult evaluateOp(Operation *op, llvm::ArrayRef<rt::Tensor> operands,
                         llvm::SmallVectorImpl<rt::Tensor> &results) {
  if (operands.size() != op->getNumOperands())
    return op->emitOpError()
           << "was given " << operands.size()
           << " operands to evaluate, expected " << op->getNumOperands();
  for (Value value : op->getOperands())
    if (failed(dtypeOfValue(op, value)))
      return failure();
  for (Value value : op->getResults())
    if (failed(dtypeOfValue(op, value)))
      return failure();
  for (auto [value, tensor] : llvm::zip(op->getOperands(), operands)) {
    auto type = cast<RankedTensorType>(value.getType());
    if (tensor.dtype() != *dtypeOf(type.getElementType()) ||
        ArrayRef<int64_t>(tensor.shape()) != type.getShape())
      return op->emitOpError()
             << "was given a " << rt::shapeString(tensor.shape()) << " "
             << rt::dtypeName(tensor.dtype())
             << " tensor for an operand of type " << type;
  }

  if (auto constant = dyn_cast<ConstantOp>(op)) {
    rt::Tensor t = tensorFromAttr(constant.getValue());
    if (t.empty())
      return op->emitOpError() << "has a constant the interpreter cannot read";
    results.push_back(t);
    return success();
  }
  if (exec::isView(op)) {
    rt::Tensor shaped = allocateFor(op->getResult(0));
    results.push_back(operands[0].reshaped(shaped.shape()));
    return success();
  }
  if (isa<ReadParamOp>(op))
    return op->emitOpError()
           << "reads a parameter; evaluate it with an Interpreter";
  auto executable = dyn_cast<exec::ExecutableOpInterface>(op);
  if (!executable)
    return op->emitOpError() << "is not supported by the interpreter";
  exec::KernelCall call = executable.getKernelCall();
  // Results the kernel does not write (unused results of the fused backward
  // ops) stay empty.
  SmallVector<rt::Tensor> outs;
  for (auto [result, written] :
       llvm::zip(op->getResults(), call.writtenResults(op->getNumResults())))
    outs.push_back(written ? allocateFor(result) : rt::Tensor());
  rt::Status status = call.run({operands, outs});
  if (!status.ok())
    return op->emitOpError() << "cannot be evaluated: " << status.message();
  results.append(outs.begin(), outs.end());
  return success();
}

} // namespace starch::interp
