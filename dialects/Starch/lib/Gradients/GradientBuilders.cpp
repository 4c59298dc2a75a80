//===- GradientBuilders.cpp - Op builders shared by gradient rules --------===//
#include "GradientBuilders.h"

#include "mlir/IR/BuiltinAttributes.h"

using namespace mlir;

namespace starch {

void registerGradientModels(StarchDialect &dialect) {
  MLIRContext &context = *dialect.getContext();
  grad::registerElementwiseGradients(context);
  grad::registerShapeGradients(context);
  grad::registerContractionGradients(context);
  grad::registerFusedGradients(context);
  grad::registerLossGradients(context);
  grad::registerCollectiveGradients(context);
}

} // namespace starch

namespace starch::grad {

Value Math::splat(RankedTensorType type, double value) {
  Type element = type.getElementType();
  Attribute scalar;
  if (auto floatType = dyn_cast<FloatType>(element))
    scalar = FloatAttr::get(floatType, value);
  else
    scalar = IntegerAttr::get(element, static_cast<int64_t>(value));
  return ConstantOp::create(b, loc, DenseElementsAttr::get(type, scalar));
}

Value Math::compare(CompareDirection direction, Value l, Value r) {
  auto type = RankedTensorType::get(typeOf(l).getShape(), b.getI1Type());
  return CompareOp::create(b, loc, type, direction, l, r);
}

Value Math::selectOrZero(Value condition, Value onTrue) {
  return SelectOp::create(b, loc, onTrue.getType(), condition, onTrue,
                          splatLike(onTrue, 0.0));
}

Value Math::zeroOrSelect(Value condition, Value onFalse) {
  return SelectOp::create(b, loc, onFalse.getType(), condition,
                          splatLike(onFalse, 0.0), onFalse);
}

Value Math::reduce(ReduceKind kind, Value v, ArrayRef<int64_t> dims) {
  if (dims.empty())
    return v;
  RankedTensorType type = typeOf(v);
  SmallVector<int64_t> shape;
  for (int64_t d = 0; d < type.getRank(); ++d)
    if (!llvm::is_contained(dims, d))
      shape.push_back(type.getDimSize(d));
  auto result = RankedTensorType::get(shape, type.getElementType());
  return ReduceOp::create(b, loc, result, kind, v, dims);
}

Value Math::broadcast(Value v, RankedTensorType type, ArrayRef<int64_t> dims) {
  if (v.getType() == type)
    return v;
  return BroadcastOp::create(b, loc, type, v, dims);
}

Value Math::expandReduced(Value v, RankedTensorType type,
                          ArrayRef<int64_t> reducedDims) {
  SmallVector<int64_t> kept;
  for (int64_t d = 0; d < type.getRank(); ++d)
    if (!llvm::is_contained(reducedDims, d))
      kept.push_back(d);
  return broadcast(v, type, kept);
}

Value Math::transpose(Value v, ArrayRef<int64_t> perm) {
  RankedTensorType type = typeOf(v);
  SmallVector<int64_t> shape;
  for (int64_t p : perm)
    shape.push_back(type.getDimSize(p));
  return TransposeOp::create(
      b, loc, RankedTensorType::get(shape, type.getElementType()), v, perm);
}

Value Math::matmul(Value l, Value r, bool transposeLhs, bool transposeRhs,
                   bool bf16) {
  RankedTensorType lt = typeOf(l), rt = typeOf(r);
  int64_t rank = lt.getRank();
  SmallVector<int64_t> shape(lt.getShape());
  shape[rank - 2] = lt.getDimSize(rank - (transposeLhs ? 1 : 2));
  shape[rank - 1] = rt.getDimSize(rank - (transposeRhs ? 2 : 1));
  return MatmulOp::create(b, loc,
                          RankedTensorType::get(shape, lt.getElementType()), l,
                          r, transposeLhs, transposeRhs, bf16);
}

Value Math::slice(Value v, ArrayRef<int64_t> start, ArrayRef<int64_t> limit) {
  RankedTensorType type = typeOf(v);
  SmallVector<int64_t> shape, strides(type.getRank(), 1);
  for (auto [s, l] : llvm::zip(start, limit))
    shape.push_back(l - s);
  return SliceOp::create(b, loc,
                         RankedTensorType::get(shape, type.getElementType()), v,
                         start, limit, strides);
}

Value Math::pad(Value v, ArrayRef<int64_t> low, ArrayRef<int64_t> high) {
  RankedTensorType type = typeOf(v);
  SmallVector<int64_t> shape;
  for (int64_t d = 0; d < type.getRank(); ++d)
    shape.push_back(type.getDimSize(d) + low[d] + high[d]);
  return PadOp::create(b, loc,
                       RankedTensorType::get(shape, type.getElementType()), v,
                       b.getDenseI64ArrayAttr(low),
                       b.getDenseI64ArrayAttr(high), b.getF64FloatAttr(0.0));
}

Value Math::reverse(Value v, ArrayRef<int64_t> dims) {
  RankedTensorType type = typeOf(v);
  if (llvm::all_of(dims, [&](int64_t d) { return type.getDimSize(d) <= 1; }))
    return v;
  SmallVector<int64_t> start(type.getRank(), 0), limit(type.getShape()),
      strides(type.getRank(), 1);
  for (int64_t d : dims) {
    if (type.getDimSize(d) <= 1)
      continue;
    start[d] = type.getDimSize(d) - 1;
    limit[d] = -1;
    strides[d] = -1;
  }
  return SliceOp::create(b, loc, type, v, start, limit, strides);
}

Value Math::interleaveZeros(Value v, ArrayRef<int64_t> factors) {
  if (llvm::all_of(factors, [](int64_t f) { return f == 1; }))
    return v;
  RankedTensorType type = typeOf(v);
  SmallVector<int64_t> split, low, high, spread;
  for (auto [size, factor] : llvm::zip(type.getShape(), factors)) {
    split.push_back(size);
    low.push_back(0);
    high.push_back(0);
    spread.push_back(size * factor);
    if (factor == 1)
      continue;
    split.push_back(1);
    low.push_back(0);
    high.push_back(factor - 1);
  }
  Type element = type.getElementType();
  Value unit = reshape(v, RankedTensorType::get(split, element));
  return reshape(pad(unit, low, high), RankedTensorType::get(spread, element));
}

Value Math::unbroadcast(Value v, RankedTensorType target,
                        ArrayRef<int64_t> dims) {
  RankedTensorType type = typeOf(v);
  SmallVector<int64_t> summed;
  for (int64_t d = 0; d < type.getRank(); ++d) {
    const int64_t *it = llvm::find(dims, d);
    if (it == dims.end() ||
        target.getDimSize(it - dims.begin()) != type.getDimSize(d))
      summed.push_back(d);
  }
  return reshape(sum(v, summed), target);
}

} // namespace starch::grad
