//===- Passes.td - Starch passes ---------------------------*- tablegen -*-===//
#ifndef STARCH_PASSES
#define STARCH_PASSES

include "mlir/Pass/PassBase.td"

def StarchRaise : Pass<"starch-raise", "mlir::ModuleOp"> {
  let summary = "Recognise ONNX-level op chains as fused starch ops";
  let description = [{
    Rewrites the decomposed forms that exporters write into the fused ops:
    `starch.attention` (causal, full or additive masks, grouped-query
    attention with repeat_kv, scaled_dot_product_attention exports),
    `starch.rms_norm`, `starch.layer_norm`, `starch.gelu` (erf and tanh
    forms), `starch.silu` and `starch.rope`. The rewritten function computes
    the same numbers; `starch-run` checks that on every fixture.
  }];
  let dependentDialects = ["::starch::StarchDialect"];
}

#endif // STARCH_PASSES
