//===- RaisePatterns.h - Pattern sets of starch-raise -----------*- C++ -*-===//
#ifndef STARCH_PASSES_RAISE_RAISEPATTERNS_H
#define STARCH_PASSES_RAISE_RAISEPATTERNS_H

#include "mlir/IR/PatternMatch.h"

namespace starch::raise {

/// gelu (erf and tanh forms) and silu.
void populateActivationPatterns(mlir::RewritePatternSet &patterns);

/// rms_norm (and layer_norm where it arrives decomposed).
void populateNormPatterns(mlir::RewritePatternSet &patterns);

/// rope (rotate-half layout).
void populateRopePatterns(mlir::RewritePatternSet &patterns);

/// attention (full, causal, additive masks; grouped key/value heads).
void populateAttentionPatterns(mlir::RewritePatternSet &patterns);

} // namespace starch::raise

#endif // STARCH_PASSES_RAISE_RAISEPATTERNS_H
