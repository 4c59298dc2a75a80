//===- Raise.cpp - Fuse ONNX-level op chains ------------------------------===//
#include "passes/Raise/Passes.h"
#include "passes/Raise/RaisePatterns.h"
#include "starch/Dialect/StarchOps.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace starch {
#define GEN_PASS_DEF_STARCHRAISE
#include "passes/Raise/Passes.h.inc"
} // namespace starch

using namespace mlir;
using namespace starch;

namespace {
struct StarchRaisePass : public starch::impl::StarchRaiseBase<StarchRaisePass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    raise::populateActivationPatterns(patterns);
    raise::populateNormPatterns(patterns);
    raise::populateRopePatterns(patterns);
    raise::populateAttentionPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    // Then the transposes the matmuls left (a Gemm's transB, an unfolded
    // W^T) become GEMM flags; after the attention patterns, which match
    // q k^T with its transpose.
    RewritePatternSet folds(&getContext());
    MatmulOp::getCanonicalizationPatterns(folds, &getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(folds))))
      signalPassFailure();
  }
};
} // namespace
