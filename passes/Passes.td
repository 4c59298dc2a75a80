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

def StarchPrintLayers : Pass<"starch-print-layers", "mlir::ModuleOp"> {
  let summary = "Print, per transformer layer, which ops it is made of";
  let description = [{
    An analysis for people and tests: for every function, prints one line
    per `starch.layer` tag (in order of first appearance) listing the op
    kinds of that layer with their counts, e.g.

    ```
    @forward layer model.layers.0: 1 x attention, 7 x matmul, 2 x rms_norm, ...
    ```

    Ops without a tag are summarised under `(no layer)`. The IR is not
    changed.
  }];
}

#endif // STARCH_PASSES
