//===- RaiseActivations.cpp - gelu and silu -------------------------------===//
//
// Activations arrive as products: gelu(x) = x * 0.5 * (1 + erf(x / sqrt 2)),
// its tanh approximation, silu(x) = x * sigmoid(x) and quick gelu
// x * sigmoid(1.702 x). Each pattern roots at
// the outermost multiply and compares the multiset of factors, so every
// association order the exporters produce matches.
//
//===----------------------------------------------------------------------===//
#include "passes/Raise/RaiseMatchers.h"
#include "passes/Raise/RaisePatterns.h"

#include <cmath>

using namespace mlir;

namespace starch::raise {
namespace {

constexpr double kSqrt2 = 1.4142135623730951;
constexpr double kSqrt2OverPi = 0.7978845608028654;
constexpr double kTanhCubicCoefficient = 0.044715;
constexpr double kQuickGeluScale = 1.702;

/// True if `value` computes `x * factor` or `x / divisor` with
/// `factor = 1 / divisor`.
bool isScaledBy(Value value, Value x, double factor) {
  if (auto div = definingOp<DivOp>(value))
    return div.getLhs() == x && isSplat(div.getRhs(), 1.0 / factor);
  if (!definingOp<MulOp>(value))
    return false;
  SmallVector<Value> factors = productFactors(value);
  return factors.size() == 2 &&
         ((factors[0] == x && isSplat(factors[1], factor)) ||
          (factors[1] == x && isSplat(factors[0], factor)));
}

/// True if `value` is `1 + inner` and sets `inner`.
bool isOnePlus(Value value, Value &inner) {
  if (!definingOp<AddOp>(value))
    return false;
  SmallVector<Value> terms = sumTerms(value);
  if (terms.size() != 2)
    return false;
  if (!takeFirst(terms, [](Value v) { return isSplat(v, 1.0); }))
    return false;
  inner = terms.front();
  return true;
}

/// True if `value` is `x^3` as pow(x, 3) or x * x * x.
bool isCube(Value value, Value x) {
  if (auto pow = definingOp<PowOp>(value))
    return pow.getLhs() == x && isSplat(pow.getRhs(), 3.0);
  SmallVector<Value> factors = productFactors(value);
  return factors.size() == 3 &&
         llvm::all_of(factors, [&](Value f) { return f == x; });
}

/// True if `value` is sqrt(2/pi) * (x + 0.044715 * x^3).
bool isTanhGeluArgument(Value value, Value x) {
  SmallVector<Value> outer = productFactors(value);
  if (outer.size() != 2 ||
      !takeFirst(outer, [](Value v) { return isSplat(v, kSqrt2OverPi); }))
    return false;
  SmallVector<Value> terms = sumTerms(outer.front());
  if (terms.size() != 2 || !takeFirst(terms, [&](Value v) { return v == x; }))
    return false;
  SmallVector<Value> cubic = productFactors(terms.front());
  if (!takeFirst(cubic, [](Value v) { return isSplat(v, kTanhCubicCoefficient); }))
    return false;
  if (cubic.size() == 1)
    return isCube(cubic.front(), x);
  return cubic.size() == 3 &&
         llvm::all_of(cubic, [&](Value f) { return f == x; });
}

/// Finds x among `factors` such that the remaining factors are exactly
/// {0.5, 1 + f(x)} with f recognised by `isCdfArgument`.
template <typename InnerOp>
Value matchGeluProduct(SmallVector<Value> factors,
                       function_ref<bool(Value inner, Value x)> isCdfArgument) {
  if (factors.size() != 3 ||
      !takeFirst(factors, [](Value v) { return isSplat(v, 0.5); }))
    return {};
  for (int candidate = 0; candidate < 2; ++candidate) {
    Value x = factors[candidate], cdf = factors[1 - candidate], inner;
    if (!isOnePlus(cdf, inner))
      continue;
    auto innerOp = definingOp<InnerOp>(inner);
    if (innerOp && isCdfArgument(innerOp->getOperand(0), x))
      return x;
  }
  return {};
}

struct RaiseGelu : OpRewritePattern<MulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(MulOp root,
                                PatternRewriter &rewriter) const override {
    if (!isa<FloatType>(root.getType().getElementType()))
      return failure();
    SmallVector<Value> factors = productFactors(root.getResult());
    GeluApproximation approximation = GeluApproximation::none;
    Value x = matchGeluProduct<ErfOp>(factors, [](Value arg, Value x) {
      return isScaledBy(arg, x, 1.0 / kSqrt2);
    });
    if (!x) {
      approximation = GeluApproximation::tanh;
      x = matchGeluProduct<TanhOp>(factors, isTanhGeluArgument);
    }
    if (!x || x.getType() != root.getType())
      return rewriter.notifyMatchFailure(root, "not a gelu product");
    auto gelu = GeluOp::create(rewriter, root.getLoc(), root.getType(), x,
                               approximation);
    copyLayerTag(root, gelu);
    rewriter.replaceOp(root, gelu.getResult());
    return success();
  }
};

/// x * sigmoid(x) is silu; x * sigmoid(1.702 x) is CLIP's quick gelu.
struct RaiseSigmoidGate : OpRewritePattern<MulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(MulOp root,
                                PatternRewriter &rewriter) const override {
    Value lhs = root.getLhs(), rhs = root.getRhs();
    for (int swap = 0; swap < 2; ++swap, std::swap(lhs, rhs)) {
      auto sigmoid = definingOp<SigmoidOp>(rhs);
      if (!sigmoid)
        continue;
      Operation *fused = nullptr;
      if (sigmoid.getInput() == lhs)
        fused = SiluOp::create(rewriter, root.getLoc(), root.getType(), lhs);
      else if (isScaledBy(sigmoid.getInput(), lhs, kQuickGeluScale))
        fused = GeluOp::create(rewriter, root.getLoc(), root.getType(), lhs,
                               GeluApproximation::sigmoid);
      if (!fused)
        continue;
      copyLayerTag(root, fused);
      rewriter.replaceOp(root, fused->getResults());
      return success();
    }
    return rewriter.notifyMatchFailure(root, "not x * sigmoid(x or 1.702 x)");
  }
};

} // namespace

void populateActivationPatterns(RewritePatternSet &patterns) {
  patterns.add<RaiseGelu, RaiseSigmoidGate>(patterns.getContext());
}

} // namespace starch::raise
