//===- Passes.td - Training phase passes -------------------*- tablegen -*-===//
#ifndef STARCH_PASSES_TRAINING_PASSES
#define STARCH_PASSES_TRAINING_PASSES

include "mlir/Pass/PassBase.td"

def StarchLmLoss : Pass<"starch-lm-loss", "mlir::ModuleOp"> {
  let summary = "Append the causal-LM cross-entropy to a forward function";
  let description = [{
    Copies the forward function `function` into `@<loss-function>`, which
    takes the same arguments followed by `labels` (the shape of the logits
    without the vocabulary dimension, i64) and returns the next-token loss:
    the logits of positions `0..S-2` against the labels of positions
    `1..S-1`, `starch.cross_entropy` with ignore index -100 (Hugging Face's
    causal-LM loss; see docs/training.md). When the function carries
    `starch.unscored_tokens` (placeholder tokens of a multimodal model),
    labels at positions whose token id (argument 0) is one of them are
    ignored too. Ops whose results only fed other outputs are dropped.
  }];
  let options = [
    Option<"function", "function", "std::string", "\"forward\"",
           "the forward function">,
    Option<"logitsResult", "logits", "unsigned", "0",
           "which result holds the logits (B x S x V)">,
    Option<"lossFunction", "loss-function", "std::string", "\"loss\"",
           "name of the function to create">,
    Option<"ignoreIndex", "ignore-index", "int64_t", "-100",
           "label value that is not scored">,
  ];
  let dependentDialects = ["::starch::StarchDialect", "::mlir::func::FuncDialect"];
}

def StarchAutocast : Pass<"starch-autocast", "mlir::ModuleOp"> {
  let summary = "Run matrix products in bf16 (mixed precision)";
  let description = [{
    With `precision=bf16`, the functions compute as under PyTorch's
    `torch.autocast(dtype=torch.bfloat16)`: every f32 `starch.matmul` gets
    `bf16` (operands rounded to bf16, exact products summed in f32, the
    result rounded to bf16, all on the f32 tensors); attention and
    convolution run on operands and a result rounded to bf16 (a convert
    there and back); an elementwise op whose float operands all hold bf16
    numbers (or are splat constants) has its result rounded; data
    movement keeps bf16 numbers. Everything else stays f32: the parameters
    (master weights), the optimizer state, norms, softmax, rope, the loss,
    reductions and collectives.

    It runs before starch-autodiff, so the gradient products are `bf16`
    too, rounding the cotangents as PyTorch's bf16 products read them. The
    converts carry the op's `starch.layer` tag, so layers stay whole for
    outlining and recompute. `precision=f32` (the default) changes
    nothing. See docs/training.md.
  }];
  let options = [
    Option<"precision", "precision", "std::string", "\"f32\"",
           "compute type of matrix products: f32 or bf16">,
  ];
  let dependentDialects = ["::starch::StarchDialect"];
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

    A function whose results carry `starch.cotangent_input` (the outputs of
    a pipeline stage, starch-pipeline-split) is differentiated from given
    cotangents instead: `@f<suffix>` takes one more argument per marked
    result, its cotangent (named `grad.<result>`), and `result` is ignored.

    Activation recompute (`recompute`: layer names, or `all`): the backward
    of such a layer does not read its forward's values but a copy of the
    layer's forward, made where the reverse walk reaches the layer (just
    before its backward), from the layer's inputs. The forward's
    intermediates then die within the forward, and the copies within the
    layer's backward; the gradients are the same ops on the same values,
    bit for bit. Parameters and constants are read, not copied; copies no
    rule reads are dropped.
  }];
  let options = [
    ListOption<"functions", "functions", "std::string",
               "functions to differentiate (default: all)">,
    ListOption<"recompute", "recompute", "std::string",
               "layers whose forward the backward recomputes (`all`: every "
               "layer)">,
    Option<"suffix", "suffix", "std::string", "\"_grad\"",
           "name suffix of the gradient functions">,
    Option<"resultIndex", "result", "unsigned", "0",
           "which result is differentiated (its elements are summed)">,
    Option<"wrtArguments", "wrt-arguments", "bool", "false",
           "differentiate w.r.t. every float argument too">,
  ];
  let dependentDialects = ["::starch::StarchDialect"];
}

def StarchOptimizer : Pass<"starch-optimizer", "mlir::ModuleOp"> {
  let summary = "Build the training step: accumulation, clipping, schedule, AdamW";
  let description = [{
    Creates `@train_step` from a gradient function made by starch-autodiff
    (`function`, returning the loss then `grad.<param>` results). Each
    argument of the gradient function becomes an argument with a leading
    micro-batch dimension of size `micro-batches`; a final `step` argument
    (0-d i64, 1-based) gives the optimizer step. The step calls the gradient
    function once per micro-batch, averages losses and gradients, clips the
    global gradient norm, computes the warm-up + cosine learning rate from
    `step`, and updates every trainable parameter with `starch.adamw`,
    writing the parameter and its two moments (new `state` params
    `@adamw.exp_avg.<param>` and `@adamw.exp_avg_sq.<param>`) with
    `starch.write_param`. It returns the loss, the gradient norm before
    clipping and the learning rate (f32 each), then `param_grad_norms`
    (1-d, one norm before clipping per trainable parameter, in the order of
    the result attribute `starch.params`), by which a training program names
    the parameter whose gradient is not finite. docs/training.md states the
    semantics.

    With `data-parallel=N` the step is one of N data-parallel replicas: the
    losses and gradients summed over its micro-batches are summed over the
    replicas with `starch.all_reduce` and divided by `N x micro-batches`, so
    every replica continues with the average over all N x micro-batches
    micro-batches, as one process accumulating that many would; the module
    gets `starch.data_parallel = N`. The gradients are summed in buckets
    of about `bucket-mb` MiB, in parameter order and of one element type
    each: flattened, concatenated, one all-reduce, split again (the sums
    are the same, element by element; fewer, larger messages). 0: one
    all-reduce per gradient. With `zero1`, each replica keeps one block
    (along dimension 0) of a parameter's AdamW moments: the gradient is
    reduce-scattered instead (`starch.reduce_scatter`), its squared norm
    summed over the replicas, AdamW updates the replica's block
    (`starch.local_block` of the parameter) and `starch.all_gather` joins
    the blocks; the moments are parameters sharded over the data-parallel
    groups. Parameters split by tensor parallelism, and those whose first
    dimension does not divide by N, keep whole moments. (The reduction is
    part of the accumulation, so it is built here, at its one place.) A
    replica may span
    `replica-ranks=R` ranks (tensor parallelism): replica k holds ranks
    `k*R .. k*R+R-1`, and the all-reduce groups the ranks holding the same
    part of the model, `{i, i+R, i+2R, ...}`.

    A parameter sharded by starch-tensor-parallel has a gradient block per
    rank: its squared norm is summed over its shard group, so the global
    norm counts every element once, and its moments are sharded alike.

    In a pipelined module (`starch.pipeline`) it builds one step per stage,
    `@train_step.stage<k>`, around starch-pipeline-schedule's
    `@step_gradients.stage<k>` (called once: it covers every micro-batch):
    the loss and every parameter's squared gradient norm are summed over
    the stages (each fills its own entries of `param_grad_norms`, which
    lists every stage's parameters), so every rank gets the same loss and
    global norm; AdamW updates the stage's parameters, whose moments get
    the parameter's `stage`.
  }];
  let options = [
    Option<"function", "function", "std::string", "\"loss_grad\"",
           "the gradient function">,
    Option<"dataParallel", "data-parallel", "int64_t", "1",
           "data-parallel replicas whose gradients are averaged">,
    Option<"replicaRanks", "replica-ranks", "int64_t", "1",
           "ranks of one data-parallel replica (tensor parallelism)">,
    Option<"microBatches", "micro-batches", "int64_t", "1",
           "micro-batches accumulated per step">,
    Option<"learningRate", "lr", "double", "1e-3", "peak learning rate">,
    Option<"beta1", "beta1", "double", "0.9", "AdamW beta1">,
    Option<"beta2", "beta2", "double", "0.999", "AdamW beta2">,
    Option<"epsilon", "epsilon", "double", "1e-8", "AdamW epsilon">,
    Option<"weightDecay", "weight-decay", "double", "0.01",
           "decoupled weight decay">,
    Option<"maxGradNorm", "max-grad-norm", "double", "1.0",
           "global gradient-norm clip (0: no clipping)">,
    Option<"warmupSteps", "warmup-steps", "int64_t", "0",
           "linear warm-up steps">,
    Option<"totalSteps", "total-steps", "int64_t", "100",
           "schedule length (cosine decay to 0 at this step)">,
    Option<"bucketMb", "bucket-mb", "double", "25",
           "MiB per data-parallel gradient all-reduce (0: one per gradient)">,
    Option<"zero1", "zero1", "bool", "false",
           "split the optimizer state over the data-parallel replicas (ZeRO-1)">,
  ];
  let dependentDialects = ["::starch::StarchDialect", "::mlir::func::FuncDialect"];
}

def StarchOutlineLayers : Pass<"starch-outline-layers", "mlir::ModuleOp"> {
  let summary = "One function per distinct layer body, called once per layer";
  let description = [{
    Makes the generated program scale with the model's distinct layers, not
    its depth (docs/codegen.md "Layer functions"). In every function, each
    run of ops tagged with one `starch.layer` (untagged ops between two ops of
    the same layer included: the backward's residual additions) becomes a
    `func.call` of a private function. Runs whose bodies are structurally
    equal (same ops, operand wiring, result types and attributes, ignoring the
    layer tag) share one function, so a 32-layer Llama's gradient function
    calls one forward and one backward layer function 32 times each.

    The callee reads no parameters: the run's `starch.read_param` ops stay in
    the caller, hoisted in front of the call, and their values are passed as
    arguments, as are the other values the run reads (activations, rotary
    tables). The results are the run's values read after it (the next layer's
    input, the activations the backward keeps, the gradients).

    A layer function is named after the layer family (the tag without its
    layer number: `model.layers` for `model.layers.3`) and its part:
    `@model.layers.forward` for the first run of a layer in a gradient
    function (`starch.gradient_of`), `.backward` for the second, `.part<N>`
    after that (`@model.layers` alone in other functions); a family with
    several distinct bodies numbers the later ones (`.forward.1`). Its
    attributes say which layers call it: `starch.layer_family` holds the family
    pattern (`model.layers.*`) and `starch.layers` the callers' tags. Runs that write parameters
    or hold ops with regions are left inline.

    Then every function still longer than `segment-ops` ops as the C++
    emitter writes them is cut into consecutive segments of at most that
    many, each a private function `@<name>.part<N>` with
    `starch.segment_of = @<name>`, called in order: the host compiler's time
    grows faster than a function's length. A run of ops that repeats one
    period (the optimizer's ops per layer), which the emitter writes as one
    loop, counts as its period and is never cut. The numbers are unchanged:
    the ops are moved, not rewritten.
  }];
  let options = [
    Option<"segmentOps", "segment-ops", "int64_t", "384",
           "longest function left whole; 0: no segments">,
  ];
  let dependentDialects = ["::mlir::func::FuncDialect"];
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

#endif // STARCH_PASSES_TRAINING_PASSES
