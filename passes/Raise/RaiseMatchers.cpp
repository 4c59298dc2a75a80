//===- RaiseMatchers.cpp - Matching helpers for starch-raise --------------===//
#include "passes/Raise/RaiseMatchers.h"

#include "mlir/IR/Matchers.h"

#include <cmath>

using namespace mlir;

namespace starch::raise {

Value skipRestating(Value value) {
  while (value) {
    Operation *op = value.getDefiningOp();
    if (auto convert = dyn_cast_or_null<ConvertOp>(op);
        convert && convert.getInput().getType() == convert.getType()) {
      value = convert.getInput();
      continue;
    }
    if (isa_and_nonnull<BroadcastOp, ReshapeOp>(op) &&
        matchPattern(op->getOperand(0), m_Constant())) {
      value = op->getOperand(0);
      continue;
    }
    break;
  }
  return value;
}

std::optional<double> splatValue(Value value) {
  value = skipRestating(value);
  DenseElementsAttr dense;
  if (!value || !matchPattern(value, m_Constant(&dense)) || !dense.isSplat())
    return std::nullopt;
  Type elementType = dense.getElementType();
  if (isa<FloatType>(elementType))
    return dense.getSplatValue<APFloat>().convertToDouble();
  if (elementType.isInteger(1))
    return dense.getSplatValue<bool>() ? 1.0 : 0.0;
  if (isa<IntegerType>(elementType))
    return static_cast<double>(dense.getSplatValue<APInt>().getSExtValue());
  return std::nullopt;
}

bool isSplat(Value value, double expected, double relTol) {
  std::optional<double> scalar = splatValue(value);
  return scalar &&
         std::abs(*scalar - expected) <= relTol * std::max(1.0, std::abs(expected));
}

template <typename OpT>
static void collectTree(Value value, bool isRoot,
                        SmallVectorImpl<Value> &leaves) {
  auto op = definingOp<OpT>(value);
  if (op && (isRoot || op->hasOneUse())) {
    collectTree<OpT>(op.getLhs(), false, leaves);
    collectTree<OpT>(op.getRhs(), false, leaves);
    return;
  }
  leaves.push_back(value);
}

SmallVector<Value> productFactors(Value root) {
  SmallVector<Value> factors;
  collectTree<MulOp>(root, true, factors);
  return factors;
}

SmallVector<Value> sumTerms(Value root) {
  SmallVector<Value> terms;
  collectTree<AddOp>(root, true, terms);
  return terms;
}

Value takeFirst(SmallVectorImpl<Value> &values,
                function_ref<bool(Value)> pred) {
  for (auto *it = values.begin(); it != values.end(); ++it)
    if (pred(*it)) {
      Value found = *it;
      values.erase(it);
      return found;
    }
  return {};
}

void copyLayerTag(Operation *from, Operation *to) {
  if (Attribute layer = from->getAttr(kLayerAttrName))
    to->setAttr(kLayerAttrName, layer);
}

} // namespace starch::raise
