//===- StarchRaise.cpp - Fuse ONNX-level op chains ------------------------===//
#include "passes/Passes.h"
#include "passes/Raise/RaisePatterns.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace starch {
#define GEN_PASS_DEF_STARCHRAISE
#include "passes/Passes.h.inc"
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
      signalPassFailure();
  }
};
} // namespace
