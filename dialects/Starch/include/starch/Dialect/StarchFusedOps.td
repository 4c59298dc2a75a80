//===- StarchFusedOps.td - Fused ops and their backward ----*- tablegen -*-===//
//
// The ops starch-raise recognises in exporters' op chains (norms, rotary
// embedding, attention) and the fused backward ops their gradient rules
// build. Included by StarchOps.td (one op list); docs/dialect.md summarises
// them.
//
//===----------------------------------------------------------------------===//

//===----------------------------------------------------------------------===//
// Fused ops recognised by starch-raise
//===----------------------------------------------------------------------===//

def Starch_RmsNormOp : Starch_Op<"rms_norm", [Pure]> {
  let summary = "root-mean-square normalisation over the last dimension";
  let description = [{
    `result = input / sqrt(mean(input^2, last dim) + epsilon) * weight`
    (Llama, Qwen2 RMSNorm). `input` has rank >= 1, `weight` is a vector of
    the last dimension's size, `epsilon` is finite and >= 0, and input,
    weight and result share one float element type.

    ```mlir
    %h = starch.rms_norm %x, %w epsilon = 1.0e-6 : (tensor<2x16x64xf32>, tensor<64xf32>) -> tensor<2x16x64xf32>
    ```
  }];
  let arguments = (ins Starch_FloatTensor:$input, Starch_FloatTensor:$weight,
                       F64Attr:$epsilon);
  let results = (outs Starch_FloatTensor:$result);
  let assemblyFormat = "$input `,` $weight `epsilon` `=` $epsilon attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Starch_LayerNormOp : Starch_Op<"layer_norm", [Pure]> {
  let summary = "layer normalisation over the trailing dimensions from `axis`";
  let description = [{
    Normalises over dimensions `axis..rank-1` (`0 <= axis < rank`):
    `(input - mean) / sqrt(var + epsilon) * weight + bias` with the mean and
    the biased variance over those dimensions. `weight` and `bias` have the
    shape `input.shape[axis:]`, `epsilon` is finite and >= 0, and all
    operands and the result share one float element type.

    ```mlir
    %h = starch.layer_norm %x, %w, %b axis = 2 epsilon = 1.0e-5
        : (tensor<2x16x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<2x16x64xf32>
    ```
  }];
  let arguments = (ins Starch_FloatTensor:$input, Starch_FloatTensor:$weight,
                       Starch_FloatTensor:$bias, I64Attr:$axis,
                       F64Attr:$epsilon);
  let results = (outs Starch_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $weight `,` $bias `axis` `=` $axis `epsilon` `=` $epsilon
    attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Starch_RopeOp : Starch_Op<"rope", [Pure]> {
  let summary = "rotary position embedding (rotate-half layout)";
  let description = [{
    `input: B x H x S x D` with even `D`, `cos, sin: B x S x D` (shared by
    every head): `result = input * cos + rotate_half(input) * sin`, where
    `rotate_half(x) = concat(-x[..., D/2:], x[..., :D/2])`. The tables carry
    the positions, so sequence shards keep global positions. Input, tables
    and result share one float element type.

    ```mlir
    %q_rot = starch.rope %q, %cos, %sin
        : (tensor<2x4x16x8xf32>, tensor<2x16x8xf32>, tensor<2x16x8xf32>) -> tensor<2x4x16x8xf32>
    ```
  }];
  let arguments = (ins Starch_FloatTensor:$input, Starch_FloatTensor:$cos,
                       Starch_FloatTensor:$sin);
  let results = (outs Starch_FloatTensor:$result);
  let assemblyFormat = "$input `,` $cos `,` $sin attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Starch_AttentionOp : Starch_Op<"attention", [Pure, AttrSizedOperandSegments]> {
  let summary = "scaled dot-product attention with grouped key/value heads";
  let description = [{
    `query: B x Hq x S x D`, `key, value: B x Hkv x T x D` (one shape) with
    `Hq % Hkv == 0`; query head `h` reads key/value head `h / (Hq / Hkv)`
    (grouped-query attention). `result = softmax(scale * q k^T + mask) v`,
    of the query's shape; `scale` is positive and finite. All operands
    except `bits` and the result share one float element type.

    `mask = full`: every key visible. `causal`: key `t` is visible to query
    `s` iff `t <= s + (T - S)` (queries are the last `S` of `T` positions).
    `additive`: the `bias` operand (`B|1 x Hq|1 x S x T`, the one place
    where size-1 dimensions broadcast, to avoid materialising a per-head
    mask) is added to the scaled scores; `bias` is present exactly when
    `mask = additive`. A query that sees no key (causal with `S > T`, or an
    all `-inf` bias row) gives NaN, as the softmax of nothing.

    `bitfield`: the multimodal mask of one int64 word per token, the `bits`
    operand (`B x S` of `i64`, present exactly when `mask = bitfield`);
    queries and keys are the same `S == T` tokens at positions `0..S-1`.
    Bit 0 marks text, bits 1..61 one modality each, 0 padding. With
    `M(x) = x & (2^62 - 1)`, key `k` is visible to query `q` iff

    ```
    (bit0(bits[q]) and k <= q and (M(bits[q]) & M(bits[k])) != 0)
    or (not bit0(bits[q]) and M(bits[q]) == M(bits[k]) != 0)
    ```

    so a text token (bit 0 plus every modality bit) attends causally to
    every non-padding token and a modality token bidirectionally within its
    modality. The rule is evaluated per (query, key) inside the kernels; no
    `S x T` mask is built. Unlike the other masks, a query that sees no key
    (a padding token: `M(bits[q]) == 0`) gives an output row of exactly 0,
    not NaN, and zero gradients in `attention_grad`, so padding never
    poisons a batch.

    `positions` (optional, `S` of `i64`, with the `causal` and `bitfield`
    masks only) places the queries among the keys: query `s` is token
    `positions[s]` of the `T` keys, which are tokens `0..T-1`. Causal: key
    `t` is visible to query `s` iff `t <= positions[s]`; bitfield: `bits`
    is `B x T` (one word per key) and the rule reads `q = positions[s]`,
    so `S` may differ from `T`. starch-context-parallel gives each rank the
    queries of its own tokens and every key (docs/parallel.md).

    `window` (optional, positive, with the `full` and `causal` masks only)
    is a sliding window: key `t` is visible to the query at key position
    `p` only if `|p - t| < window` as well, so a causal query sees itself
    and the `window - 1` keys before it (Hugging Face's `sliding_window`
    for causal layers). `softcap` (optional, positive and finite) caps the
    scaled scores before the mask is added, as Gemma2's logit soft-capping:
    `softmax(softcap * tanh(scale * q k^T / softcap) + mask) v`.

    ```mlir
    %o = starch.attention %q, %k, %v mask = causal scale = 0.125
        : (tensor<2x8x16x64xf32>, tensor<2x2x16x64xf32>, tensor<2x2x16x64xf32>) -> tensor<2x8x16x64xf32>
    %m = starch.attention %q, %k, %v bits %bits mask = bitfield scale = 0.125
        : (tensor<2x8x16x64xf32>, tensor<2x2x16x64xf32>, tensor<2x2x16x64xf32>, tensor<2x16xi64>) -> tensor<2x8x16x64xf32>
    %w = starch.attention %q, %k, %v mask = causal scale = 0.125 window = 4096 softcap = 50.0
        : (tensor<2x8x16x64xf32>, tensor<2x2x16x64xf32>, tensor<2x2x16x64xf32>) -> tensor<2x8x16x64xf32>
    ```
  }];
  let arguments = (ins Starch_FloatTensor:$query, Starch_FloatTensor:$key,
                       Starch_FloatTensor:$value,
                       Optional<Starch_FloatTensor>:$bias,
                       Optional<Starch_BitsTensor>:$bits,
                       Optional<Starch_BitsTensor>:$positions,
                       Starch_AttentionMask:$mask, F64Attr:$scale,
                       OptionalAttr<I64Attr>:$window,
                       OptionalAttr<F64Attr>:$softcap);
  let results = (outs Starch_FloatTensor:$result);
  let assemblyFormat = [{
    $query `,` $key `,` $value (`bias` $bias^)? (`bits` $bits^)?
    (`positions` $positions^)? `mask` `=` $mask
    `scale` `=` $scale (`window` `=` $window^)? (`softcap` `=` $softcap^)?
    attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Fused backward ops built by the gradient rules of the fused ops
//===----------------------------------------------------------------------===//

def Starch_RmsNormGradOp : Starch_Op<"rms_norm_grad", [Pure]> {
  let summary = "gradient of starch.rms_norm with respect to input and weight";
  let description = [{
    Operands as for `starch.rms_norm` plus `d_out`, the cotangent of its
    result (the input's type). With `inv = 1 / sqrt(mean(input^2) + epsilon)`
    and `xhat = input * inv` per row of the last dimension:

    ```
    g         = d_out * weight
    d_input   = inv * (g - xhat * mean(g * xhat))
    d_weight  = sum over rows of d_out * xhat
    ```

    The row statistics are recomputed from the input (the forward saves
    nothing); `d_weight` is summed over the rows in row order, so the result
    does not depend on the thread count. `d_input` has the input's type and
    `d_weight` the weight's. A result without uses is not computed.

    ```mlir
    %dx, %dw = starch.rms_norm_grad %x, %w, %dy epsilon = 1.0e-6
        : (tensor<2x16x64xf32>, tensor<64xf32>, tensor<2x16x64xf32>) -> (tensor<2x16x64xf32>, tensor<64xf32>)
    ```
  }];
  let arguments = (ins Starch_FloatTensor:$input, Starch_FloatTensor:$weight,
                       Starch_FloatTensor:$d_out, F64Attr:$epsilon);
  let results = (outs Starch_FloatTensor:$d_input,
                      Starch_FloatTensor:$d_weight);
  let assemblyFormat = [{
    $input `,` $weight `,` $d_out `epsilon` `=` $epsilon attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Starch_LayerNormGradOp : Starch_Op<"layer_norm_grad", [Pure]> {
  let summary = "gradient of starch.layer_norm with respect to all operands";
  let description = [{
    Operands as for `starch.layer_norm` without the bias (which no gradient
    depends on) plus `d_out`, the cotangent of its result (the input's type).
    With the mean, `inv = 1 / sqrt(var + epsilon)` and
    `xhat = (input - mean) * inv` over the dimensions `axis..rank-1` of each
    row:

    ```
    g         = d_out * weight
    d_input   = inv * (g - mean(g) - xhat * mean(g * xhat))
    d_weight  = sum over rows of d_out * xhat
    d_bias    = sum over rows of d_out
    ```

    The statistics are recomputed from the input; the sums over rows run in
    row order, so the results do not depend on the thread count. `d_input`
    has the input's type, `d_weight` and `d_bias` the weight's
    (`input.shape[axis:]`). A result without uses is not computed.

    ```mlir
    %dx, %dw, %db = starch.layer_norm_grad %x, %w, %dy axis = 2 epsilon = 1.0e-5
        : (tensor<2x16x64xf32>, tensor<64xf32>, tensor<2x16x64xf32>)
        -> (tensor<2x16x64xf32>, tensor<64xf32>, tensor<64xf32>)
    ```
  }];
  let arguments = (ins Starch_FloatTensor:$input, Starch_FloatTensor:$weight,
                       Starch_FloatTensor:$d_out, I64Attr:$axis,
                       F64Attr:$epsilon);
  let results = (outs Starch_FloatTensor:$d_input,
                      Starch_FloatTensor:$d_weight,
                      Starch_FloatTensor:$d_bias);
  let assemblyFormat = [{
    $input `,` $weight `,` $d_out `axis` `=` $axis `epsilon` `=` $epsilon
    attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Starch_AttentionGradOp : Starch_Op<"attention_grad", [Pure, AttrSizedOperandSegments]> {
  let summary = "gradient of starch.attention with respect to all operands";
  let description = [{
    Operands and attributes as for `starch.attention` (`query: B x Hq x S x D`,
    `key, value: B x Hkv x T x D`, `bias` exactly when `mask = additive`,
    `bits` exactly when `mask = bitfield`, the forward's `window` and
    `softcap`),
    plus `out`, the attention's result, and `d_out`, its cotangent (both of
    the query's shape). Each query row's probabilities
    `p = softmax(scale * q k^T + mask)` are recomputed from `query` and `key`
    (row maximum and sum), and with `D = sum(d_out * out)` per row,
    `dp = d_out v^T` and `ds = p * (dp - D)`:

    ```
    d_query = scale * ds k
    d_key   = scale * ds^T q       (summed over the query heads of a group)
    d_value = p^T d_out            (summed over the query heads of a group)
    d_bias  = ds                   (summed over broadcast batch/head dims)
    ```

    Under a softcap, `d_query` and `d_key` read `ds * (1 - tanh^2)`, the
    slope of the cap at each score, in place of `ds`; `d_bias` (added after
    the cap) reads `ds`.

    `d_query`, `d_key`, `d_value` have the types of `query`, `key`, `value`;
    `d_bias` (present exactly when `mask = additive`) that of `bias`. The
    score matrix is never stored: kernels keep scratch for a block of query
    rows. Sums run in a fixed order, so the results do not depend on the
    thread count. A query that sees no key (NaN in the forward) gives NaN in
    its `d_query` row and in the `d_key` and `d_value` of its key/value
    head; under `mask = bitfield` such a query (a padding token, whose
    forward row is 0) instead gets a zero `d_query` row and adds nothing to
    `d_key` and `d_value`. `bits` gets no gradient. A result without uses is
    not computed.

    ```mlir
    %dq, %dk, %dv = starch.attention_grad %q, %k, %v out %o d_out %do mask = causal scale = 0.125
        : (tensor<2x8x16x64xf32>, tensor<2x2x16x64xf32>, tensor<2x2x16x64xf32>, tensor<2x8x16x64xf32>, tensor<2x8x16x64xf32>)
        -> (tensor<2x8x16x64xf32>, tensor<2x2x16x64xf32>, tensor<2x2x16x64xf32>)
    ```
  }];
  let arguments = (ins Starch_FloatTensor:$query, Starch_FloatTensor:$key,
                       Starch_FloatTensor:$value,
                       Optional<Starch_FloatTensor>:$bias,
                       Optional<Starch_BitsTensor>:$bits,
                       Optional<Starch_BitsTensor>:$positions,
                       Starch_FloatTensor:$out, Starch_FloatTensor:$d_out,
                       Starch_AttentionMask:$mask, F64Attr:$scale,
                       OptionalAttr<I64Attr>:$window,
                       OptionalAttr<F64Attr>:$softcap);
  let results = (outs Starch_FloatTensor:$d_query, Starch_FloatTensor:$d_key,
                      Starch_FloatTensor:$d_value,
                      Optional<Starch_FloatTensor>:$d_bias);
  let assemblyFormat = [{
    $query `,` $key `,` $value (`bias` $bias^)? (`bits` $bits^)?
    (`positions` $positions^)? `out` $out
    `d_out` $d_out `mask` `=` $mask `scale` `=` $scale
    (`window` `=` $window^)? (`softcap` `=` $softcap^)? attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
}
