//===- StarchTrainingVerifiers.cpp - Rules of the loss and optimizer ops --===//
//
// Verifiers of starch.cross_entropy, its vocabulary-block form, their
// gradients and starch.adamw, and the symbol check of starch.write_param.
//
//===----------------------------------------------------------------------===//
#include "starch/Dialect/StarchOps.h"

#include "mlir/IR/SymbolTable.h"
#include "llvm/Support/Format.h"

#include <cmath>

using namespace mlir;
using namespace starch;

namespace {

/// "0.9", "1e-08", "nan" for messages.
std::string number(double value) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << llvm::format("%g", value);
  return text;
}

/// `logits: N... x V` and `labels: N...`.
LogicalResult verifyLogitsAndLabels(Operation *op, RankedTensorType logits,
                                    RankedTensorType labels) {
  if (logits.getRank() < 1)
    return op->emitOpError()
           << "logits are a scalar; they need a class dimension";
  if (labels.getShape() != logits.getShape().drop_back()) {
    std::string expected, actual;
    llvm::raw_string_ostream e(expected), a(actual);
    llvm::interleave(logits.getShape().drop_back(), e, "x");
    llvm::interleave(labels.getShape(), a, "x");
    return op->emitOpError()
           << "labels have shape " << (actual.empty() ? "scalar" : actual)
           << " but logits of shape ... x " << logits.getShape().back()
           << " need " << (expected.empty() ? "scalar" : expected);
  }
  return success();
}

} // namespace

LogicalResult
WriteParamOp::verifySymbolUses(SymbolTableCollection &symbolTable) {
  auto param =
      symbolTable.lookupNearestSymbolFrom<ParamOp>(*this, getNameAttr());
  if (!param)
    return emitOpError() << "refers to " << getNameAttr()
                         << ", which is not a starch.param";
  if (param.getType() != getValue().getType())
    return emitOpError() << "writes a value of type " << getValue().getType()
                         << " but " << getNameAttr() << " is declared as "
                         << param.getType();
  return success();
}

LogicalResult CrossEntropyOp::verify() {
  if (failed(verifyLogitsAndLabels(*this, getLogits().getType(),
                                   getLabels().getType())))
    return failure();
  auto loss = getLoss().getType();
  if (loss.getRank() != 0 ||
      loss.getElementType() != getLogits().getType().getElementType())
    return emitOpError() << "result has type " << loss
                         << " but the loss is a 0-d tensor of "
                         << getLogits().getType().getElementType();
  return success();
}

LogicalResult CrossEntropyGradOp::verify() {
  if (failed(verifyLogitsAndLabels(*this, getLogits().getType(),
                                   getLabels().getType())))
    return failure();
  auto cotangent = getCotangent().getType();
  if (cotangent.getRank() != 0 ||
      cotangent.getElementType() != getLogits().getType().getElementType())
    return emitOpError() << "cotangent has type " << cotangent
                         << " but must be a 0-d tensor of "
                         << getLogits().getType().getElementType();
  if (getResult().getType() != getLogits().getType())
    return emitOpError() << "result has type " << getResult().getType()
                         << " but must have the logits' type "
                         << getLogits().getType();
  return success();
}

namespace {

/// The operands both block ops share: logits `N... x Vb`, labels `N...`, a
/// one-element start of the labels' type, the max `N...` of the logits'
/// type; and a `N... x 2` f64 tensor (the result or its cotangent).
LogicalResult verifyBlockOperands(Operation *op, RankedTensorType logits,
                                  RankedTensorType labels,
                                  RankedTensorType start, RankedTensorType max,
                                  RankedTensorType sums, StringRef sumsName) {
  if (failed(verifyLogitsAndLabels(op, logits, labels)))
    return failure();
  if (start.getNumElements() != 1 ||
      start.getElementType() != labels.getElementType())
    return op->emitOpError() << "start has type " << start
                             << " but must be one element of the labels' type "
                             << labels.getElementType();
  if (max.getShape() != labels.getShape() ||
      max.getElementType() != logits.getElementType())
    return op->emitOpError()
           << "max has type " << max << " but must be one logit per position ("
           << RankedTensorType::get(labels.getShape(), logits.getElementType())
           << ")";
  SmallVector<int64_t> pairs(labels.getShape());
  pairs.push_back(2);
  if (sums.getShape() != ArrayRef<int64_t>(pairs))
    return op->emitOpError()
           << sumsName << " has type " << sums
           << " but must hold two sums per position ("
           << RankedTensorType::get(pairs, sums.getElementType()) << ")";
  return success();
}

} // namespace

LogicalResult CrossEntropyBlockOp::verify() {
  return verifyBlockOperands(*this, getLogits().getType(),
                             getLabels().getType(), getStart().getType(),
                             getMax().getType(), getType(), "result");
}

LogicalResult CrossEntropyBlockGradOp::verify() {
  if (failed(verifyBlockOperands(*this, getLogits().getType(),
                                 getLabels().getType(), getStart().getType(),
                                 getMax().getType(), getCotangent().getType(),
                                 "cotangent")))
    return failure();
  if (getResult().getType() != getLogits().getType())
    return emitOpError() << "result has type " << getResult().getType()
                         << " but must have the logits' type "
                         << getLogits().getType();
  return success();
}

LogicalResult AdamWOp::verify() {
  auto inUnitInterval = [](double v) { return v >= 0 && v < 1; };
  double beta1 = getBeta1().convertToDouble();
  double beta2 = getBeta2().convertToDouble();
  if (!inUnitInterval(beta1) || !inUnitInterval(beta2))
    return emitOpError() << "betas (" << number(beta1) << ", "
                         << number(beta2) << ") must lie in [0, 1)";
  double epsilon = getEpsilon().convertToDouble();
  if (!std::isfinite(epsilon) || epsilon <= 0)
    return emitOpError() << "epsilon = " << number(epsilon)
                         << " must be finite and > 0";
  double decay = getWeightDecay().convertToDouble();
  if (!std::isfinite(decay) || decay < 0)
    return emitOpError() << "weight_decay = " << number(decay)
                         << " must be finite and >= 0";
  Type element = getParam().getType().getElementType();
  if (Value scale = getGradScale();
      scale &&
      cast<RankedTensorType>(scale.getType()).getElementType() != element)
    return emitOpError() << "grad_scale has type " << scale.getType()
                         << " but must be a 0-d tensor of " << element;
  return success();
}
