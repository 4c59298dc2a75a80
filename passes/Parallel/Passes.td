//===- Passes.td - Parallel phase passes -------------------*- tablegen -*-===//
#ifndef STARCH_PASSES_PARALLEL_PASSES
#define STARCH_PASSES_PARALLEL_PASSES

include "mlir/Pass/PassBase.td"

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
    gets `starch.tensor_parallel = tp`.

    Vocabulary parallelism (`vocabulary`, default on): the token embeddings
    (gathers from a 2-d parameter outside the layers) and the LM head (the
    matmul making a cross-entropy's logits) are placed like a layer, split
    along the vocabulary when it divides by `tp`, all of them or none (a
    pseudo-layer). Each rank then looks up only its block's rows
    (`starch.gather` with `offset`, a partial sum) and computes only its
    block's logits; the cross-entropy becomes `starch.cross_entropy_block`
    between a max and a sum all-reduce, and @forward's logits are gathered
    whole. Off under context parallelism, whose token split rewrites the
    whole-vocabulary loss. docs/parallel.md.
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
    Option<"vocabulary", "vocabulary", "bool", "true",
           "split embeddings, LM head and loss along the vocabulary">,
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

#endif // STARCH_PASSES_PARALLEL_PASSES
