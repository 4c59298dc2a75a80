//===- StarchTrainingOps.td - Loss and optimizer ops -------*- tablegen -*-===//
//
// The ops of a training step beyond the model: the loss and the optimizer
// (docs/training.md). Included by StarchOps.td (one op list).
//
//===----------------------------------------------------------------------===//

//===----------------------------------------------------------------------===//
// Training: loss and optimizer
//===----------------------------------------------------------------------===//

def Starch_CrossEntropyOp : Starch_Op<"cross_entropy", [Pure]> {
  let summary = "mean cross-entropy of logits against integer labels";
  let description = [{
    `logits: N... x V`, `labels: N...` (i32 or i64). For every position whose
    label is not `ignore_index`, the loss term is
    `logsumexp(logits[n, :]) - logits[n, label[n]]`; the result (a 0-d
    tensor of the logits' element type) is the mean of these terms, and 0
    when every label is ignored (PyTorch gives NaN there; a fully padded
    micro-batch should not poison a run). A label outside `[0, V)` that is
    not `ignore_index` is a run-time error. This is PyTorch's
    `cross_entropy(reduction="mean", ignore_index=...)`.

    ```mlir
    %loss = starch.cross_entropy %logits, %labels ignore_index = -100
        : (tensor<2x15x128xf32>, tensor<2x15xi64>) -> tensor<f32>
    ```
  }];
  let arguments = (ins Starch_FloatTensor:$logits, Starch_IndexTensor:$labels,
                       I64Attr:$ignore_index);
  let results = (outs Starch_FloatTensor:$loss);
  let assemblyFormat = [{
    $logits `,` $labels `ignore_index` `=` $ignore_index attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Starch_CrossEntropyGradOp : Starch_Op<"cross_entropy_grad", [Pure]> {
  let summary = "gradient of starch.cross_entropy with respect to the logits";
  let description = [{
    `result[n, v] = cotangent * (softmax(logits[n, :])[v] - (v == label[n]))
    / count` for positions whose label is not `ignore_index` (`count` of
    them), 0 elsewhere. Operands as for `starch.cross_entropy`; `cotangent`
    is the 0-d gradient of the loss; the result has the logits' type. The
    softmax is recomputed from the logits, so the forward saves nothing.

    ```mlir
    %dlogits = starch.cross_entropy_grad %logits, %labels, %dloss ignore_index = -100
        : (tensor<2x15x128xf32>, tensor<2x15xi64>, tensor<f32>) -> tensor<2x15x128xf32>
    ```
  }];
  let arguments = (ins Starch_FloatTensor:$logits, Starch_IndexTensor:$labels,
                       Starch_FloatTensor:$cotangent, I64Attr:$ignore_index);
  let results = (outs Starch_FloatTensor:$result);
  let assemblyFormat = [{
    $logits `,` $labels `,` $cotangent `ignore_index` `=` $ignore_index
    attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Starch_CrossEntropyBlockOp : Starch_Op<"cross_entropy_block", [Pure]> {
  let summary = "one rank's share of a cross-entropy over a vocabulary split";
  let description = [{
    The cross-entropy of logits whose class dimension is split over the
    ranks of a tensor-parallel group (vocabulary parallelism): `logits:
    N... x Vb` is this rank's block of classes `[start, start + Vb)`,
    `labels: N...` hold whole-vocabulary classes, `start` (1 element, the
    labels' type) is the block's first class and `max: N...` (the logits'
    type) is the largest logit of each position over every block. The
    result (`N... x 2`, f64) is this rank's share of two sums:

    ```
    result[n, 0] = sum over v of exp(logits[n, v] - max[n])
    result[n, 1] = logits[n, labels[n] - start] - max[n]  if labels[n] is in the block,
                   0                                      otherwise
    ```

    Summed over the group (`starch.all_reduce`), `log(result[n, 0]) -
    result[n, 1]` is position n's term of `starch.cross_entropy`, whatever
    `max` is: the shift cancels, so the gradient rule gives `max` none
    (only the logits get one, `starch.cross_entropy_block_grad`). Labels
    outside every block (an ignore index) add nothing to column 1.
    starch-tensor-parallel makes this op from a `starch.cross_entropy` of
    vocabulary-split logits.

    ```mlir
    %s = starch.cross_entropy_block %logits, %labels, %start, %max
        : (tensor<32x64xf32>, tensor<32xi64>, tensor<1xi64>, tensor<32xf32>) -> tensor<32x2xf64>
    ```
  }];
  let arguments = (ins Starch_FloatTensor:$logits, Starch_IndexTensor:$labels,
                       Starch_IndexTensor:$start, Starch_FloatTensor:$max);
  let results = (outs StaticShapeTensorOf<[F64]>:$result);
  let assemblyFormat = [{
    $logits `,` $labels `,` $start `,` $max attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Starch_CrossEntropyBlockGradOp : Starch_Op<"cross_entropy_block_grad",
    [Pure]> {
  let summary = "gradient of starch.cross_entropy_block with respect to the logits";
  let description = [{
    `result[n, v] = cotangent[n, 0] * exp(logits[n, v] - max[n]) +
    (v == labels[n] - start ? cotangent[n, 1] : 0)`, computed in f64 and
    rounded to the logits' type. Operands as for `starch.cross_entropy_block`,
    then the `N... x 2` (f64) cotangent of its result.

    ```mlir
    %d = starch.cross_entropy_block_grad %logits, %labels, %start, %max, %ds
        : (tensor<32x64xf32>, tensor<32xi64>, tensor<1xi64>, tensor<32xf32>, tensor<32x2xf64>) -> tensor<32x64xf32>
    ```
  }];
  let arguments = (ins Starch_FloatTensor:$logits, Starch_IndexTensor:$labels,
                       Starch_IndexTensor:$start, Starch_FloatTensor:$max,
                       StaticShapeTensorOf<[F64]>:$cotangent);
  let results = (outs Starch_FloatTensor:$result);
  let assemblyFormat = [{
    $logits `,` $labels `,` $start `,` $max `,` $cotangent attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Starch_AdamWOp : Starch_Op<"adamw",
    [Pure, AllTypesMatch<["param", "grad", "exp_avg", "exp_avg_sq",
                          "new_param", "new_exp_avg", "new_exp_avg_sq"]>]> {
  let summary = "one AdamW update of a parameter and its moments";
  let description = [{
    PyTorch's `torch.optim.AdamW` for one tensor, at step `step` (1-based,
    0-d i64) with learning rate `lr` (0-d f64); the scalar factors are
    computed in f64 and the tensor arithmetic in the parameter's type:

    ```
    p = param * (1 - lr * weight_decay)
    new_exp_avg    = exp_avg + (1 - beta1) * (grad - exp_avg)
    new_exp_avg_sq = beta2 * exp_avg_sq + (1 - beta2) * grad * grad
    new_param = p - lr / (1 - beta1^step)
                  * new_exp_avg / (sqrt(new_exp_avg_sq) / sqrt(1 - beta2^step) + epsilon)
    ```

    With `grad_scale` (0-d, the parameter's element type) every `grad` above
    is `grad * grad_scale`, rounded to the element type as a separate
    `starch.mul` would: gradient clipping's factor is applied as the update
    reads each gradient, never written back.

    ```mlir
    %p1, %m1, %v1 = starch.adamw %p, %g, %m, %v, %lr, %step beta1 = 0.9 beta2 = 0.999
        epsilon = 1.0e-8 weight_decay = 0.01 grad_scale = %clip : tensor<f32>
        : tensor<64x64xf32>, tensor<f64>, tensor<i64>
    ```
  }];
  let arguments = (ins Starch_FloatTensor:$param, Starch_FloatTensor:$grad,
                       Starch_FloatTensor:$exp_avg,
                       Starch_FloatTensor:$exp_avg_sq,
                       0DTensorOf<[F64]>:$lr, 0DTensorOf<[I64]>:$step,
                       F64Attr:$beta1, F64Attr:$beta2, F64Attr:$epsilon,
                       F64Attr:$weight_decay,
                       Optional<0DTensorOf<[AnyFloat]>>:$grad_scale);
  let results = (outs Starch_FloatTensor:$new_param,
                      Starch_FloatTensor:$new_exp_avg,
                      Starch_FloatTensor:$new_exp_avg_sq);
  let assemblyFormat = [{
    $param `,` $grad `,` $exp_avg `,` $exp_avg_sq `,` $lr `,` $step
    `beta1` `=` $beta1 `beta2` `=` $beta2 `epsilon` `=` $epsilon
    `weight_decay` `=` $weight_decay
    (`grad_scale` `=` $grad_scale^ `:` type($grad_scale))?
    attr-dict `:` type($param) `,` type($lr) `,` type($step)
  }];
  let hasVerifier = 1;
}
