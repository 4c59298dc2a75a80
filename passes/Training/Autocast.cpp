//===- Autocast.cpp - bf16 mixed precision as PyTorch autocast ------------===//
//
// PyTorch's `torch.autocast(dtype=torch.bfloat16)` runs matrix products,
// attention and convolutions in bf16, norms, softmax and losses in f32, and
// every other op in the type of its inputs: an activation or a product of
// two bf16 values is bf16 again, rounded, while one f32 input makes it f32.
//
// This pass writes that flow as plain ops, before autodiff:
// - a product gets `bf16`: operands rounded to bf16, exact products summed
//   in f32, the result rounded to bf16 (and kept in an f32 tensor);
// - attention and convolution keep their f32 kernels on operands and a
//   result rounded to bf16 (a convert there and back), as PyTorch's bf16
//   kernels compute in f32 inside (its attention also rounds the softmax
//   probabilities, which this does not: docs/training.md);
// - a layer's bias added to a product is rounded, and the sum, as
//   PyTorch's linear takes the bias in;
// - an elementwise op whose float operands all hold bf16 numbers (or are
//   splat constants, PyTorch's scalars) has its result rounded to bf16;
// - data movement keeps bf16 numbers bf16 without rounding.
// The backward then follows from the matmul and convert rules: bf16
// gradient products of rounded cotangents, as PyTorch records them.
//
//===----------------------------------------------------------------------===//
#include "passes/Training/Passes.h"

#include "starch/Dialect/StarchDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/DenseSet.h"

namespace starch {
#define GEN_PASS_DEF_STARCHAUTOCAST
#include "passes/Training/Passes.h.inc"
} // namespace starch

using namespace mlir;
using namespace starch;

namespace {

bool isF32Tensor(Type type) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  return tensor && tensor.getElementType().isF32();
}

bool isSplatConstant(Value value) {
  auto constant = value.getDefiningOp<ConstantOp>();
  auto dense = constant ? dyn_cast<DenseElementsAttr>(constant.getValue())
                        : DenseElementsAttr();
  return dense && dense.isSplat();
}

/// Ops that move or regroup elements without computing: bf16 numbers stay
/// bf16 numbers.
bool movesData(Operation *op) {
  return isa<ReshapeOp, TransposeOp, BroadcastOp, SliceOp, ConcatOp>(op);
}

/// Rewrites one function's f32 ops into the autocast flow, remembering
/// which f32 values hold bf16 numbers.
class Bf16Flow {
public:
  void run(func::FuncOp function) {
    SmallVector<Operation *> ops;
    function.walk([&](Operation *op) { ops.push_back(op); });
    for (Operation *op : ops) {
      if (auto matmul = dyn_cast<MatmulOp>(op))
        castProduct(matmul);
      else if (auto attention = dyn_cast<AttentionOp>(op))
        roundAround(op,
                    {&attention.getQueryMutable(), &attention.getKeyMutable(),
                     &attention.getValueMutable()});
      else if (auto conv = dyn_cast<ConvOp>(op)) {
        if (Value out = roundAround(
                op, {&conv.getInputMutable(), &conv.getFilterMutable()}))
          products.insert(out);
      } else if (auto add = dyn_cast<AddOp>(op); add && addsBias(add))
        roundAround(op, {&add.getLhsMutable(), &add.getRhsMutable()});
      else if (movesData(op) && floatOperandsHoldBf16(op, /*splats=*/false))
        for (Value result : op->getResults()) {
          holdsBf16.insert(result);
          if (isa<ReshapeOp>(op) && products.contains(op->getOperand(0)))
            products.insert(result);
        }
      else if (op->hasTrait<OpTrait::Elementwise>() && !isa<ConvertOp>(op) &&
               op->getNumResults() == 1 &&
               isF32Tensor(op->getResult(0).getType()) &&
               floatOperandsHoldBf16(op, /*splats=*/true))
        roundResult(op);
    }
  }

private:
  /// A layer's bias added to its product: `product + broadcast(b)` with a
  /// vector `b`, the import of a Gemm or a Linear with bias. PyTorch's
  /// linear and conv take the bias in, in bf16, so it is rounded as well
  /// (and its gradient). A broadcast table (a position embedding) is not a
  /// bias: PyTorch adds it in f32.
  bool addsBias(AddOp add) const {
    auto isBias = [](Value value) {
      auto broadcast = value.getDefiningOp<BroadcastOp>();
      return broadcast && isF32Tensor(value.getType()) &&
             cast<RankedTensorType>(broadcast.getInput().getType()).getRank() ==
                 1;
    };
    return (products.contains(add.getLhs()) && isBias(add.getRhs())) ||
           (products.contains(add.getRhs()) && isBias(add.getLhs()));
  }

  /// Whether every float operand holds bf16 numbers (or, with `splats`, is
  /// a splat constant), at least one of them a computed value.
  bool floatOperandsHoldBf16(Operation *op, bool splats) const {
    bool any = false;
    for (Value operand : op->getOperands()) {
      if (!isF32Tensor(operand.getType()))
        continue;
      if (holdsBf16.contains(operand))
        any = true;
      else if (!splats || !isSplatConstant(operand))
        return false;
    }
    return any;
  }

  /// A convert of `value` to `element`, tagged with `at`'s layer.
  Value convert(OpBuilder &builder, Operation *at, Value value, Type element) {
    auto type = cast<RankedTensorType>(value.getType()).clone(element);
    auto op = ConvertOp::create(builder, at->getLoc(), type, value);
    if (Attribute layer = at->getAttr(kLayerAttrName))
      op->setAttr(kLayerAttrName, layer);
    return op.getResult();
  }

  /// `value` rounded to bf16 and widened again, unless it holds bf16
  /// numbers already.
  Value rounded(OpBuilder &builder, Operation *at, Value value) {
    if (holdsBf16.contains(value))
      return value;
    Type f32 = builder.getF32Type();
    Value result = convert(
        builder, at, convert(builder, at, value, builder.getBF16Type()), f32);
    holdsBf16.insert(result);
    return result;
  }

  /// Rounds `op`'s only result to bf16 for all its users; the rounded
  /// value.
  Value roundResult(Operation *op) {
    OpBuilder builder(op->getContext());
    builder.setInsertionPointAfter(op);
    Value result = op->getResult(0);
    Value round = rounded(builder, op, result);
    Operation *narrow = round.getDefiningOp()->getOperand(0).getDefiningOp();
    result.replaceAllUsesExcept(round, narrow);
    return round;
  }

  /// An f32 kernel on bf16 numbers: operands and result rounded; the
  /// rounded result, or null when an operand is not f32.
  Value roundAround(Operation *op, ArrayRef<OpOperand *> operands) {
    if (!llvm::all_of(operands, [](OpOperand *operand) {
          return isF32Tensor(operand->get().getType());
        }))
      return {};
    OpBuilder builder(op);
    for (OpOperand *operand : operands)
      operand->set(rounded(builder, op, operand->get()));
    return roundResult(op);
  }

  /// A product in bf16: its `bf16` rounds the operands and the result, the
  /// converts PyTorch records, without bf16 copies kept for the backward.
  void castProduct(MatmulOp matmul) {
    if (!isF32Tensor(matmul.getLhs().getType()) ||
        !isF32Tensor(matmul.getRhs().getType()))
      return;
    // An outer product (contraction 1) stays f32: Hugging Face computes
    // rotary angles as `inv_freq @ positions` outside autocast, and bf16
    // holds integers exactly only up to 256.
    if (matmul.getLhs().getType().getDimSize(matmul.lhsContractedDim()) == 1)
      return;
    matmul.setBf16(true);
    holdsBf16.insert(matmul.getResult());
    products.insert(matmul.getResult());
  }

  llvm::DenseSet<Value> holdsBf16;
  /// Results of products and convolutions (and their reshapes), which a
  /// layer's bias may be added to.
  llvm::DenseSet<Value> products;
};

struct StarchAutocastPass
    : public starch::impl::StarchAutocastBase<StarchAutocastPass> {
  using StarchAutocastBase::StarchAutocastBase;

  void runOnOperation() override {
    if (precision == "f32")
      return;
    if (precision != "bf16") {
      getOperation().emitError() << "starch-autocast: precision '" << precision
                                 << "' is not one of f32, bf16";
      return signalPassFailure();
    }
    for (auto function : getOperation().getOps<func::FuncOp>())
      Bf16Flow().run(function);
  }
};

} // namespace
