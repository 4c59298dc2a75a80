// RUN: starch-opt %s -split-input-file -verify-diagnostics

func.func @uneven(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{groups group #1 has 1 ranks; every group must have the first group's 2}}
  %y = starch.all_reduce %x reduce = sum groups = [array<i64: 0, 1>, array<i64: 2>] : tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

func.func @twice(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{groups lists rank 1 twice}}
  %y = starch.enter_shards %x groups = [array<i64: 0, 1>, array<i64: 1, 2>] : tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

// expected-error @+1 {{needs both shard_dim and shard_groups, or neither}}
starch.param @w {shard_dim = 0 : i64} : tensor<4x4xf32>

// -----

// expected-error @+1 {{shard_dim 2 is not a dimension of 'tensor<4x4xf32>'}}
starch.param @w {shard_dim = 2 : i64, shard_groups = [array<i64: 0, 1>]} : tensor<4x4xf32>

// -----

// expected-error @+1 {{stage -1 is negative}}
starch.param @w {stage = -1 : i64} : tensor<4x4xf32>

// -----

func.func @triple(%x: tensor<4xf32>) {
  // expected-error @+1 {{pairs must be [sender, receiver] pairs}}
  starch.send %x pairs = [array<i64: 0, 1, 2>] : tensor<4xf32>
  return
}

// -----

func.func @both_ends() -> tensor<4xf32> {
  // expected-error @+1 {{pairs lists rank 1 as sender and receiver}}
  %y = starch.recv pairs = [array<i64: 0, 1>, array<i64: 1, 2>] : tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

func.func @received_twice() -> tensor<4xf32> {
  // expected-error @+1 {{pairs lists rank 2 as a receiver twice}}
  %y = starch.recv pairs = [array<i64: 0, 2>, array<i64: 1, 2>] : tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

// expected-error @+1 {{tied_stages must be distinct stages after stage 1}}
starch.param @tied {stage = 1 : i64, tied_stages = array<i64: 0>} : tensor<4x4xf32>

// -----

// expected-error @+1 {{tied_stages needs stage (the first holder)}}
starch.param @tied {tied_stages = array<i64: 2>} : tensor<4x4xf32>

// -----

func.func @uneven(%g: tensor<3x4xf32>) -> tensor<1x4xf32> {
  // expected-error @+1 {{dimension 0 of 'tensor<3x4xf32>' does not split into 2 blocks}}
  %b = starch.reduce_scatter %g reduce = sum dim = 0 groups = [array<i64: 0, 1>] : tensor<3x4xf32> -> tensor<1x4xf32>
  return %b : tensor<1x4xf32>
}

// -----

func.func @wrong_block(%p: tensor<8x4xf32>) -> tensor<8x2xf32> {
  // expected-error @+1 {{block 'tensor<8x2xf32>' is not one of 2 blocks of 'tensor<8x4xf32>' along dimension 0}}
  %b = starch.local_block %p dim = 0 groups = [array<i64: 0, 1>] : tensor<8x4xf32> -> tensor<8x2xf32>
  return %b : tensor<8x2xf32>
}

// -----

func.func @gather_dim(%b: tensor<4x4xf32>) -> tensor<8x4xf32> {
  // expected-error @+1 {{dim 2 is not a dimension of 'tensor<8x4xf32>'}}
  %w = starch.all_gather %b dim = 2 groups = [array<i64: 0, 1>] : tensor<4x4xf32> -> tensor<8x4xf32>
  return %w : tensor<8x4xf32>
}

// -----

func.func @token_distribution_partial_blocks(%bits: tensor<2x96xi64>) -> tensor<96xi64> {
  // expected-error @below {{'starch.token_distribution' op 96 tokens do not make whole blocks of 32 for each of 2 parts}}
  %order, %inverse = starch.token_distribution %bits parts = 2 block = 32 strategy = uniform : tensor<2x96xi64> -> tensor<96xi64>
  return %order : tensor<96xi64>
}

// -----

func.func @token_distribution_zigzag_chunks(%bits: tensor<2x96xi64>) -> tensor<96xi64> {
  // expected-error @below {{'starch.token_distribution' op zigzag needs the 6 blocks to split into 2 x 2 equal chunks}}
  %order, %inverse = starch.token_distribution %bits parts = 2 block = 16 strategy = zigzag : tensor<2x96xi64> -> tensor<96xi64>
  return %order : tensor<96xi64>
}

// -----

func.func @token_distribution_order_length(%bits: tensor<2x96xi64>) -> tensor<48xi64> {
  // expected-error @below {{'starch.token_distribution' op order is 'tensor<48xi64>'; expected 96 (one per token)}}
  %order, %inverse = starch.token_distribution %bits parts = 2 block = 16 strategy = uniform : tensor<2x96xi64> -> tensor<48xi64>
  return %order : tensor<48xi64>
}
