//===- Passes.td - Raise phase passes ----------------------*- tablegen -*-===//
#ifndef STARCH_PASSES_RAISE_PASSES
#define STARCH_PASSES_RAISE_PASSES

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

def StarchCompose : Pass<"starch-compose", "mlir::ModuleOp"> {
  let summary = "Join encoders, projectors and the LLM into one @forward";
  let description = [{
    Reads the module attribute `starch.compose` (made by starchc from a
    multimodal model.json: the LLM's function, the attention mask kind and,
    per encoder, its function, feature output, `drop_first`, placeholder
    token and projector) and builds `@forward`: the LLM's arguments (token
    ids first), then every encoder's arguments named `<encoder>.<input>`.
    Each encoder's feature output drops its first `drop_first` vectors and
    goes through its projector (`linear`: one Linear; `mlp`: Linear, exact
    GELU, Linear; new parameters `@<encoder>_projector.multi_modal_projector.
    linear_{1,2}.{weight,bias}`). The projected features replace the LLM's
    token embeddings at the positions holding the encoder's placeholder
    token, in row-major order, encoder by encoder (a masked scatter as
    cumsum, gather and select). With the bitfield mask, every causal
    `starch.attention` of the LLM becomes `mask = bitfield` over one int64
    per token: bit `i + 1` for encoder `i`'s placeholders, bit 0 plus every
    modality bit for text. `@forward` returns the LLM's results and carries
    `starch.unscored_tokens` (the placeholders), whose label positions
    starch-lm-loss does not score. Every op keeps its module in
    `starch.module`. See docs/multimodal.md.
  }];
  let dependentDialects = ["::starch::StarchDialect", "::mlir::func::FuncDialect"];
}

#endif // STARCH_PASSES_RAISE_PASSES
