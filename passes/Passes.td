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

def StarchTensorParallel : Pass<"starch-tensor-parallel", "mlir::ModuleOp"> {
  let summary = "Split transformer layers over tensor-parallel ranks (Megatron)";
  let description = [{
    Runs on the forward graph, before starch-autodiff. Plans on `function`
    (the loss): each value's sharding follows the ops' ShardingOpInterface
    rules; a parameter read inside a layer (`starch.layer`) gets the split
    its consumer turns into a split result (column parallel: q/k/v, gate,
    up, fc1 and their biases), else into a partial sum (row parallel:
    o_proj, down, fc2), else stays whole. Attention splits by heads (query
    and key/value heads must both divide by `tp`). A layer with an op that
    cannot run on its shards stays whole. Then every function is rewritten:
    sharded parameters get `shard_dim`/`shard_groups` and their block type,
    split values their block types, a partial sum an `all_reduce` before the
    first op that needs it whole, and a replicated value feeding
    computation on shards an `enter_shards` (whose gradient sums the ranks'
    shares). Groups: replica k holds ranks `k*tp .. k*tp+tp-1`. The module
    gets `starch.tensor_parallel = tp`. Embeddings, the LM head and the loss
    stay whole (vocabulary parallelism is not done yet). docs/parallel.md.
  }];
  let options = [
    Option<"function", "function", "std::string", "\"loss\"",
           "the function whose walk places the parameters">,
    Option<"degree", "tp", "int64_t", "1", "ranks per tensor-parallel group">,
    Option<"replicas", "replicas", "int64_t", "1",
           "data-parallel replicas (one group each)">,
    ListOption<"modules", "modules", "std::string",
               "modules whose parameters may be split (default: all)">,
    Option<"verbose", "verbose", "bool", "false",
           "print the layers kept whole and the split count">,
  ];
  let dependentDialects = ["::starch::StarchDialect", "::mlir::func::FuncDialect"];
}

def StarchContextParallel : Pass<"starch-context-parallel", "mlir::ModuleOp"> {
  let summary = "Shard the LLM's tokens over context-parallel ranks";
  let description = [{
    Runs on the loss function (`function`) before starch-autodiff, after
    starch-tensor-parallel. Each rank of a context-parallel group of `cp`
    ranks computes the LLM's layers for its own share of the tokens:

    - `starch.token_distribution` deals the micro-batch's tokens to the
      group from the attention's bitfield words (a causal LLM: all text) in
      query blocks of up to `block` tokens by `strategy` (makespan, uniform,
      zigzag); `starch.local_block` takes this rank's share, `positions`;
    - from the LLM's first layer on, a value over the tokens holds only the
      rank's tokens: a value entering that computation (the merged input
      embeddings, rotary tables) is gathered at `positions`, a broadcast
      along the tokens is rebuilt at the local size, and per-token ops
      (elementwise, norms, matmuls over rows, reshapes, transposes, rope)
      run on the share;
    - each attention all-gathers its keys and values over the group,
      restores their token order (the inverse permutation) and places its
      queries with `positions`; the gradient of the all-gather sums the
      ranks' key and value cotangents (reduce_scatter);
    - the loss is the rank's share of the whole: its tokens' cross-entropy
      weighted by `cp * (its scored labels) / (all scored labels)`, the
      shift of the labels done on the whole sequence first. The mean over
      the group is the single-rank loss, so starch-optimizer treats the
      `cp` ranks as data-parallel replicas (data-parallel = replicas x cp)
      that read the same micro-batch.

    Ranks: replica `k` of `replicas`, context rank `c` and tensor-parallel
    rank `t` of `tp` is rank `(k * cp + c) * tp + t`. The module gets
    `starch.context_parallel = cp`. An op over the tokens that has no
    per-token rule (a cumulative sum along the sequence) fails the pass
    with a message naming it. docs/parallel.md.
  }];
  let options = [
    Option<"function", "function", "std::string", "\"loss\"",
           "the loss function to shard">,
    Option<"degree", "cp", "int64_t", "1", "ranks per context-parallel group">,
    Option<"replicas", "replicas", "int64_t", "1",
           "data-parallel replicas (each has its own groups)">,
    Option<"tp", "tp", "int64_t", "1",
           "tensor-parallel ranks of each context-parallel rank">,
    Option<"block", "block", "int64_t", "128",
           "query block of the token distribution (reduced to fit the sequence)">,
    Option<"strategy", "strategy", "std::string", "\"makespan\"",
           "token distribution: makespan, uniform or zigzag">,
    Option<"llmModule", "module", "std::string", "\"llm\"",
           "the module whose layers are sharded (untagged ops count as it)">,
  ];
  let dependentDialects = ["::starch::StarchDialect", "::mlir::func::FuncDialect"];
}

def StarchPipelineSplit : Pass<"starch-pipeline-split", "mlir::ModuleOp"> {
  let summary = "Cut a function's layer chain into pipeline stages";
  let description = [{
    Runs on the loss function (`function`) before starch-autodiff. Stages
    form a tree towards the last one: stage k sends its outputs to stage
    `next[k]` (default: a chain, k + 1), so the encoders' stages of a
    modality-parallel plan all feed the LLM's first stage. Each `starts`
    entry (`layer` or `module:layer`) is the first layer of a stage: one
    per stage, or one per stage after the first for a chain (the first
    begins with the first layer); without `starts`, `stages` even parts of
    the layers in execution order (the first `layers % stages` one layer
    longer). A layer runs on the stage of its module whose start is the
    latest at or before it; the layers of a module without a stage of its
    own (an encoder on the LLM's first stage) run as untagged ops do.
    Every op runs on one stage: a tagged op on its layer's; an untagged op
    on the first stage every stage it reads from reaches, and not before
    its module's first stage (an embedding); one over parameters and data
    only (an encoder without stages, the LM head's transposed weight)
    where it is first used. Untagged effect-free ops over arguments,
    constants and untrained parameters (attention masks, positions, rotary
    tables) and parameter reads are cloned into each stage that needs them
    instead.

    The function is replaced by `@<function>.stage<k>`, one per stage:
    each takes the function's arguments, then the values its predecessors
    send (in stage order; a value skipping a stage passes through it), and
    returns what it sends on; the last stage returns the function's
    results. A crossing value that depends on a trained parameter is
    `starch.differentiable` where it is received and
    `starch.cotangent_input` where it is returned, so starch-autodiff gives
    each stage a backward that takes its successor's cotangents and
    returns its own inputs'. Parameters get the `stage` that reads them;
    one read by several stages (tied weights, a table every stage reads)
    gets the first as `stage` and the others as `tied_stages`, and only
    those stages hold it. The tensor-parallel groups that
    starch-tensor-parallel wrote (collectives, `enter_shards`, parameter
    `shard_groups`) become each stage's own ranks. The module gets
    `starch.pipeline` (starch/Dialect/StarchPipeline.h: which ranks run
    which stage; `stage-tp` gives each stage's tensor-parallel degree,
    default `tp`).
  }];
  let options = [
    Option<"function", "function", "std::string", "\"loss\"",
           "the function to cut">,
    Option<"stages", "stages", "int64_t", "1", "pipeline stages (with no starts: an even cut)">,
    ListOption<"starts", "starts", "std::string",
               "the first layer of each stage (or of each after the first)">,
    ListOption<"next", "next", "int64_t",
               "per stage, the stage it sends to (-1 for the last; default a chain)">,
    Option<"tp", "tp", "int64_t", "1", "ranks per stage (tensor parallelism)">,
    ListOption<"stageTp", "stage-tp", "int64_t",
               "per stage, its tensor-parallel ranks (default tp)">,
    Option<"replicas", "replicas", "int64_t", "1", "data-parallel replicas">,
    Option<"verbose", "verbose", "bool", "false",
           "print each stage's size and cut">,
  ];
  let dependentDialects = ["::starch::StarchDialect", "::mlir::func::FuncDialect"];
}

def StarchPipelineSchedule : Pass<"starch-pipeline-schedule", "mlir::ModuleOp"> {
  let summary = "Per-stage 1F1B schedule of micro-batches with send/recv";
  let description = [{
    Runs after starch-autodiff on a module cut by starch-pipeline-split.
    For each stage k it builds `@<function>.stage<k>.accumulate`, taking
    the function's arguments stacked by micro-batch (`micro-batches`) and
    returning the loss summed over them (zero on all but the last stage)
    and the summed gradients of the stage's parameters: the contract of a
    gradient function that covers a whole step, which starch-optimizer
    completes per stage.

    The body is the stage's 1F1B order: as many forward passes to warm up
    as there are stages after it on the way to the last (capped at
    `micro-batches`; for an encoder's stage, its module's stages after it
    plus the LLM's, Cornstarch's rule), then one forward and one backward
    in turn, then the remaining backwards. A forward receives the stage's
    inputs (`starch.recv` from each stage sending to it, in stage order),
    calls the stage and sends its outputs (`starch.send`); a backward
    receives the cotangents of the outputs, calls the stage's gradient
    function, which computes the stage's forward again from the kept inputs
    (so only stage inputs stay alive between the two), and sends each
    input's cotangent back to the stage it came from. The
    last stage runs only backwards (forward included); a stage with nothing
    to train and nothing trained before it runs only forwards.

    `schedule=zero-bubble` (ZB-H1 style) splits each backward into two
    functions made from the stage's gradient function by keeping only some
    of its results and erasing what nothing kept needs:
    `@<stage>_grad_input` (the inputs' cotangents; on the last stage the
    loss first) and `@<stage>_grad_weight` (the parameters' gradients).
    The input part runs where 1F1B runs the backward; the weight part is
    deferred to where the stage would otherwise wait (played on unit
    times: forward 1, each part 2, as each computes the forward again), at
    the latest to the end, in micro-batch order, so the gradient sums are
    1F1B's, op for op. With `verbose`, prints each stage's order (F, B, W
    and the micro-batch).
  }];
  let options = [
    Option<"function", "function", "std::string", "\"loss\"",
           "the function starch-pipeline-split cut">,
    Option<"microBatches", "micro-batches", "int64_t", "1",
           "micro-batches per step">,
    Option<"schedule", "schedule", "std::string", "\"1f1b\"",
           "1f1b, or zero-bubble: each backward split into its input- and "
           "weight-gradient parts, the weight gradients deferred to where "
           "the stage would wait">,
    Option<"verbose", "verbose", "bool", "false", "print every stage's order">,
  ];
  let dependentDialects = ["::starch::StarchDialect", "::mlir::func::FuncDialect"];
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

#endif // STARCH_PASSES
