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

def StarchAutodiff : Pass<"starch-autodiff", "mlir::ModuleOp"> {
  let summary = "Reverse-mode gradients of a function w.r.t. its trainable parameters";
  let description = [{
    For each selected function `@f` (all functions when `functions` is empty,
    except ones this pass made), adds `@f<suffix>` that returns `@f`'s
    results followed by the gradient of the sum of the elements of result
    `result` with respect to every trainable `starch.param` that `@f` reads
    (module order; a param marked `frozen` or `buffer` gets none), then with
    respect to every argument marked `starch.differentiable` (or every float
    argument with `wrt-arguments`). Gradient results are named
    `grad.<param>` / `grad.<argument>` (`starch.name`).

    The backward ops come from each op's `GradientOpInterface` rule, in
    reverse order, and cotangents of values used several times are summed.
    Activity analysis keeps the backward minimal: an op gets backward ops only
    for operands that both depend on something differentiated and reach the
    differentiated result. Backward ops carry the `starch.layer` tag of the
    forward op they differentiate. See docs/autodiff.md.
  }];
  let options = [
    ListOption<"functions", "functions", "std::string",
               "functions to differentiate (default: all)">,
    Option<"suffix", "suffix", "std::string", "\"_grad\"",
           "name suffix of the gradient functions">,
    Option<"resultIndex", "result", "unsigned", "0",
           "which result is differentiated (its elements are summed)">,
    Option<"wrtArguments", "wrt-arguments", "bool", "false",
           "differentiate w.r.t. every float argument too">,
  ];
  let dependentDialects = ["::starch::StarchDialect"];
}

#endif // STARCH_PASSES
