//===- StarchParallelOps.td - Ops of distributed programs --*- tablegen -*-===//
//
// Collectives, the tensor-parallel marker and pipeline point-to-point
// transfers. Included by StarchOps.td (one op list); every op here talks to
// other ranks, so each has effects that keep passes from reordering,
// merging or dropping it. docs/parallel.md says which pass makes which.
//
//===----------------------------------------------------------------------===//

//===----------------------------------------------------------------------===//
// Collectives
//===----------------------------------------------------------------------===//

def Starch_AllReduceOp : Starch_Op<"all_reduce",
    [MemoryEffects<[MemRead, MemWrite]>, SameOperandsAndResultType]> {
  let summary = "combine a tensor over the ranks of a group";
  let description = [{
    Every rank contributes `input` and receives the elementwise combination
    (`sum`, `max` or `min`) of the inputs of the ranks of its group, taken
    in group order, so all of them get identical bits (docs/comm.md).
    `groups` partitions the ranks (each rank in exactly one group, all
    groups of one size); without it the group is the whole world. Every
    rank of a group must execute the same all-reduces in the same order;
    the op has effects so that no pass reorders, merges or drops one. In a
    single-rank run it returns `input`. `starch-optimizer{data-parallel=N}`
    sums the gradients of N replicas with it; starch-tensor-parallel sums
    the partial results of row-parallel matmuls. The gradient of a sum is
    the result's cotangent, unchanged, on every rank.

    ```mlir
    %g = starch.all_reduce %acc reduce = sum : tensor<64x64xf32>
    %y = starch.all_reduce %part reduce = sum groups = [array<i64: 0, 1>, array<i64: 2, 3>] : tensor<32x64xf32>
    ```
  }];
  let arguments = (ins Starch_Tensor:$input,
                       Starch_CollectiveKind:$reduce,
                       OptionalAttr<Starch_RankGroups>:$groups);
  let results = (outs Starch_Tensor:$result);
  let assemblyFormat = [{
    $input `reduce` `=` $reduce (`groups` `=` $groups^)? attr-dict `:` type($input)
  }];
  let hasVerifier = 1;
}

def Starch_ReduceScatterOp : Starch_Op<"reduce_scatter",
    [MemoryEffects<[MemRead, MemWrite]>]> {
  let summary = "combine a tensor over a group, each rank keeping one block";
  let description = [{
    The elementwise combination (`sum`, `max` or `min`) of the inputs of
    the ranks of this rank's group, as `starch.all_reduce` computes it (in
    group order), cut along `dim` into as many equal blocks as the group
    has ranks: the rank at position i of its group gets block i. `groups`
    partitions the ranks. starch-optimizer{zero1} sums a gradient so, each
    replica keeping the block its optimizer state covers.

    ```mlir
    %g = starch.reduce_scatter %acc reduce = sum dim = 0 groups = [array<i64: 0, 1>] : tensor<8x4xf32> -> tensor<4x4xf32>
    ```
  }];
  let arguments = (ins Starch_Tensor:$input,
                       Starch_CollectiveKind:$reduce,
                       I64Attr:$dim,
                       Starch_RankGroups:$groups);
  let results = (outs Starch_Tensor:$result);
  let assemblyFormat = [{
    $input `reduce` `=` $reduce `dim` `=` $dim `groups` `=` $groups attr-dict `:` type($input) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Starch_AllGatherOp : Starch_Op<"all_gather",
    [MemoryEffects<[MemRead, MemWrite]>]> {
  let summary = "join the blocks of a group's ranks";
  let description = [{
    The inputs of the ranks of this rank's group joined along `dim` in
    group order (the inverse of `starch.local_block`): every rank of the
    group gets the whole. starch-optimizer{zero1} rebuilds an updated
    parameter from the blocks each replica updated.

    ```mlir
    %p = starch.all_gather %block dim = 0 groups = [array<i64: 0, 1>] : tensor<4x4xf32> -> tensor<8x4xf32>
    ```
  }];
  let arguments = (ins Starch_Tensor:$input, I64Attr:$dim,
                       Starch_RankGroups:$groups);
  let results = (outs Starch_Tensor:$result);
  let assemblyFormat = [{
    $input `dim` `=` $dim `groups` `=` $groups attr-dict `:` type($input) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Starch_LocalBlockOp : Starch_Op<"local_block", [Pure]> {
  let summary = "this rank's block of a tensor every rank of a group holds";
  let description = [{
    `input` cut along `dim` into as many equal blocks as a group has ranks:
    the block at this rank's position in its group of `groups`. No data
    moves between ranks. starch-optimizer{zero1} takes the part of a
    parameter a replica updates.

    ```mlir
    %b = starch.local_block %p dim = 0 groups = [array<i64: 0, 1>] : tensor<8x4xf32> -> tensor<4x4xf32>
    ```
  }];
  let arguments = (ins Starch_Tensor:$input, I64Attr:$dim,
                       Starch_RankGroups:$groups);
  let results = (outs Starch_Tensor:$result);
  let assemblyFormat = [{
    $input `dim` `=` $dim `groups` `=` $groups attr-dict `:` type($input) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Starch_TokenDistributionOp : Starch_Op<"token_distribution",
    [Pure, AllTypesMatch<["order", "inverse"]>]> {
  let summary = "which of a sequence's tokens each context-parallel rank holds";
  let description = [{
    Deals the `S` tokens of `bits` (`B x S` bitfield mask words, the
    attention's) to `parts` ranks in query blocks of `block` tokens, every
    rank the same number of blocks. `order` lists the tokens rank by rank,
    each rank's blocks in ascending order (rank `r` holds
    `order[r*S/parts .. (r+1)*S/parts)`); `inverse` is its inverse
    permutation (`order[inverse[t]] == t`). Strategies:

    - `makespan`: a block's weight is the number of non-empty `block x 32`
      tiles of the mask in its query rows, summed over the batch; blocks go
      by descending weight (stable) to the least-loaded rank that has room
      (ties to the lower rank), so every rank's attention work is about the
      same however the modalities lie;
    - `uniform`: rank `r` takes the `r`-th contiguous share;
    - `zigzag`: the sequence cut into `2 * parts` chunks, rank `r` takes
      chunks `r` and `2 * parts - 1 - r` (balanced for a causal mask only).

    Integer results: no gradient. starch-context-parallel makes it once per
    micro-batch; docs/parallel.md.

    ```mlir
    %order, %inverse = starch.token_distribution %bits parts = 2 block = 128 strategy = makespan : tensor<2x1024xi64> -> tensor<1024xi64>
    ```
  }];
  let arguments = (ins Starch_BitsTensor:$bits, I64Attr:$parts, I64Attr:$block,
                       Starch_TokenStrategy:$strategy);
  let results = (outs Starch_BitsTensor:$order, Starch_BitsTensor:$inverse);
  let assemblyFormat = [{
    $bits `parts` `=` $parts `block` `=` $block `strategy` `=` $strategy
    attr-dict `:` type($bits) `->` type($order)
  }];
  let hasVerifier = 1;
}

def Starch_EnterShardsOp : Starch_Op<"enter_shards",
    [Pure, SameOperandsAndResultType]> {
  let summary = "a replicated value entering computation on shards";
  let description = [{
    Returns `input` unchanged (a view). It marks where a value that every
    rank of a tensor-parallel group holds whole feeds computation that each
    rank does on its own shard (the input of a column-parallel matmul): each
    rank then back-propagates only its shard's share of the gradient, so the
    gradient of this op is the sum of the cotangents over the group
    (`starch.all_reduce` over `groups`). Made by starch-tensor-parallel.

    ```mlir
    %x = starch.enter_shards %h groups = [array<i64: 0, 1>] : tensor<32x64xf32>
    ```
  }];
  let arguments = (ins Starch_Tensor:$input, Starch_RankGroups:$groups);
  let results = (outs Starch_Tensor:$result);
  let assemblyFormat = "$input `groups` `=` $groups attr-dict `:` type($input)";
  let hasVerifier = 1;
}

def Starch_SendOp : Starch_Op<"send", [MemoryEffects<[MemRead, MemWrite]>]> {
  let summary = "send a tensor to one rank (pipeline point-to-point)";
  let description = [{
    `pairs` lists `[sender, receiver]` rank pairs; the rank executing the op
    sends `input` to the receiver of every pair it sends in: one rank may
    feed several (a stage of tensor-parallel degree 1 feeding one of 2), and
    a rank in no pair sends nothing (its tensor-parallel copy of the value
    is sent by another rank). Transfers between two ranks arrive in the order they were sent;
    the op returns without waiting for the receiver (the transport buffers
    the tensor). Made by starch-pipeline-schedule at the cuts between
    pipeline stages: activations forward, their gradients backward; the
    matching `starch.recv` names the same pairs.

    ```mlir
    starch.send %h pairs = [array<i64: 0, 1>, array<i64: 2, 3>] : tensor<2x16x64xf32>
    ```
  }];
  let arguments = (ins Starch_Tensor:$input, Starch_RankGroups:$pairs);
  let assemblyFormat = "$input `pairs` `=` $pairs attr-dict `:` type($input)";
  let hasVerifier = 1;
}

def Starch_RecvOp : Starch_Op<"recv", [MemoryEffects<[MemRead, MemWrite]>]> {
  let summary = "receive a tensor from one rank (pipeline point-to-point)";
  let description = [{
    The rank executing the op waits for the next tensor the sender of its
    pair in `pairs` (`[sender, receiver]`; it receives in exactly one)
    sends it, which must have the
    result's type. See `starch.send`.

    ```mlir
    %h = starch.recv pairs = [array<i64: 0, 1>, array<i64: 2, 3>] : tensor<2x16x64xf32>
    ```
  }];
  let arguments = (ins Starch_RankGroups:$pairs);
  let results = (outs Starch_Tensor:$result);
  let assemblyFormat = "`pairs` `=` $pairs attr-dict `:` type($result)";
  let hasVerifier = 1;
}
