// Fused ops recognised by starch-raise.
// RUN: starch-run %s --function=norms --print | FileCheck %s --check-prefix=NORM
// RUN: starch-run %s --function=activations --print | FileCheck %s --check-prefix=ACT
// RUN: starch-run %s --function=rope --print | FileCheck %s --check-prefix=ROPE
// RUN: starch-run %s --function=attention --print | FileCheck %s --check-prefix=ATT
// RUN: starch-run %s --function=bitfield --print | FileCheck %s --check-prefix=BIT

// rms([3, 4]) = sqrt(12.5): [3, 4] / 3.5355339 * [1, 2]. layer_norm of
// [1, 2, 3, 4] (mean 2.5, variance 1.25) = [-1.5, -0.5, 0.5, 1.5] / 1.118034.
// NORM: result0: 1x2 f32 mean 1.55563 [0.848528, 2.26274]
// NORM: result1: 1x2x2 f64 mean 0 [-1.34164, -0.447214, 0.447214, 1.34164]
func.func @norms() -> (tensor<1x2xf32>, tensor<1x2x2xf64>) {
  %x = starch.constant dense<[[3.0, 4.0]]> : tensor<1x2xf32>
  %w = starch.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %r = starch.rms_norm %x, %w epsilon = 0.0 : (tensor<1x2xf32>, tensor<2xf32>) -> tensor<1x2xf32>
  %y = starch.constant dense<[[[1.0, 2.0], [3.0, 4.0]]]> : tensor<1x2x2xf64>
  %g = starch.constant dense<1.0> : tensor<2x2xf64>
  %b = starch.constant dense<0.0> : tensor<2x2xf64>
  %l = starch.layer_norm %y, %g, %b axis = 1 epsilon = 0.0 : (tensor<1x2x2xf64>, tensor<2x2xf64>, tensor<2x2xf64>) -> tensor<1x2x2xf64>
  return %r, %l : tensor<1x2xf32>, tensor<1x2x2xf64>
}

// gelu(1) = 0.5 (1 + erf(1 / sqrt 2)) = 0.841345; the tanh form gives
// 0.5 (1 + tanh(0.7978846 * 1.044715)) = 0.841192; silu(1) = 1 / (1 + e^-1).
// ACT: result0: 2 f64 mean 0.420672 [0, 0.841345]
// ACT: result1: 2 f64 mean 0.420596 [0, 0.841192]
// ACT: result2: 2 f32 mean 0.365529 [0, 0.731059]
func.func @activations() -> (tensor<2xf64>, tensor<2xf64>, tensor<2xf32>) {
  %x = starch.constant dense<[0.0, 1.0]> : tensor<2xf64>
  %a = starch.gelu %x approximate = none : tensor<2xf64>
  %b = starch.gelu %x approximate = tanh : tensor<2xf64>
  %y = starch.constant dense<[0.0, 1.0]> : tensor<2xf32>
  %c = starch.silu %y : tensor<2xf32>
  return %a, %b, %c : tensor<2xf64>, tensor<2xf64>, tensor<2xf32>
}

// x * cos + rotate_half(x) * sin with rotate_half([1,2,3,4]) = [-3,-4,1,2]:
// [0.5 - 3, 1 - 8, 1.5 + 3, 2 + 8].
// ROPE: result0: 1x1x1x4 f32 mean 1.25 [-2.5, -7, 4.5, 10]
func.func @rope() -> tensor<1x1x1x4xf32> {
  %x = starch.constant dense<[[[[1.0, 2.0, 3.0, 4.0]]]]> : tensor<1x1x1x4xf32>
  %c = starch.constant dense<0.5> : tensor<1x1x4xf32>
  %s = starch.constant dense<[[[1.0, 2.0, 3.0, 4.0]]]> : tensor<1x1x4xf32>
  %r = starch.rope %x, %c, %s : (tensor<1x1x1x4xf32>, tensor<1x1x4xf32>, tensor<1x1x4xf32>) -> tensor<1x1x1x4xf32>
  return %r : tensor<1x1x1x4xf32>
}

// Scores of every query are [0, ln 2] (q = 1, k = [0, ln 2]): weights
// [1/3, 2/3] over v = [3, 6] give 5. Causal: query 0 sees key 0 only (3).
// The additive bias [[0, -inf], [0, 0]] is the causal mask spelled out and
// broadcasts over batch and heads. Two query heads share one key/value head;
// a single query against two keys (offset T - S = 1) sees both.
// ATT: result0: 1x1x2x1 f32 mean 5 [5, 5]
// ATT: result1: 1x2x2x1 f32 mean 4 [3, 5, 3, 5]
// ATT: result2: 1x2x2x1 f32 mean 4 [3, 5, 3, 5]
// ATT: result3: 1x1x1x1 f32 mean 5 [5]
func.func @attention() -> (tensor<1x1x2x1xf32>, tensor<1x2x2x1xf32>, tensor<1x2x2x1xf32>, tensor<1x1x1x1xf32>) {
  %q = starch.constant dense<1.0> : tensor<1x1x2x1xf32>
  %k = starch.constant dense<[[[[0.0], [0.693147182]]]]> : tensor<1x1x2x1xf32>
  %v = starch.constant dense<[[[[3.0], [6.0]]]]> : tensor<1x1x2x1xf32>
  %full = starch.attention %q, %k, %v mask = full scale = 1.0 : (tensor<1x1x2x1xf32>, tensor<1x1x2x1xf32>, tensor<1x1x2x1xf32>) -> tensor<1x1x2x1xf32>
  %q2 = starch.constant dense<1.0> : tensor<1x2x2x1xf32>
  %causal = starch.attention %q2, %k, %v mask = causal scale = 1.0 : (tensor<1x2x2x1xf32>, tensor<1x1x2x1xf32>, tensor<1x1x2x1xf32>) -> tensor<1x2x2x1xf32>
  %bias = starch.constant dense<[[[[0.0, 0xFF800000], [0.0, 0.0]]]]> : tensor<1x1x2x2xf32>
  %additive = starch.attention %q2, %k, %v bias %bias mask = additive scale = 1.0 : (tensor<1x2x2x1xf32>, tensor<1x1x2x1xf32>, tensor<1x1x2x1xf32>, tensor<1x1x2x2xf32>) -> tensor<1x2x2x1xf32>
  %q1 = starch.constant dense<1.0> : tensor<1x1x1x1xf32>
  %offset = starch.attention %q1, %k, %v mask = causal scale = 1.0 : (tensor<1x1x1x1xf32>, tensor<1x1x2x1xf32>, tensor<1x1x2x1xf32>) -> tensor<1x1x1x1xf32>
  return %full, %causal, %additive, %offset : tensor<1x1x2x1xf32>, tensor<1x2x2x1xf32>, tensor<1x2x2x1xf32>, tensor<1x1x1x1xf32>
}

// The bitfield mask with equal scores (q = 0): each row is the mean of the
// values its token sees. Tokens [text, image, image, text, padding] with
// keys and values [1, 2, 4, 8, 16]: text 0 sees itself (1); the images see
// both images (3); text 3 sees tokens 0..3 (15 / 4); padding sees nothing
// and is exactly 0. With d_out = 1 and k = v, a row's d_query is the
// variance of the values it sees (0, 1, 1, 85/4 - 3.75^2 = 7.1875, and 0
// for padding), and d_value[j] sums 1 / (keys seen) over the rows that see
// key j: 1 + 1/4, 1/2 + 1/2 + 1/4 twice, 1/4, and 0 for the padding key.
// BIT: result0: 1x1x5x1 f32 mean 2.15 [1, 3, 3, 3.75, 0]
// BIT: result1: 1x1x5x1 f32 mean 1.8375 [0, 1, 1, 7.1875, 0]
// BIT: result2: 1x1x5x1 f32 mean 0.8 [1.25, 1.25, 1.25, 0.25, 0]
func.func @bitfield() -> (tensor<1x1x5x1xf32>, tensor<1x1x5x1xf32>, tensor<1x1x5x1xf32>) {
  %zero = starch.constant dense<0.0> : tensor<1x1x5x1xf32>
  %one = starch.constant dense<1.0> : tensor<1x1x5x1xf32>
  %v = starch.constant dense<[[[[1.0], [2.0], [4.0], [8.0], [16.0]]]]> : tensor<1x1x5x1xf32>
  %bits = starch.constant dense<[[7, 2, 2, 7, 0]]> : tensor<1x5xi64>
  %o = starch.attention %zero, %v, %v bits %bits mask = bitfield scale = 1.0 : (tensor<1x1x5x1xf32>, tensor<1x1x5x1xf32>, tensor<1x1x5x1xf32>, tensor<1x5xi64>) -> tensor<1x1x5x1xf32>
  %dq, %dk, %dv = starch.attention_grad %zero, %v, %v bits %bits out %o d_out %one mask = bitfield scale = 1.0 : (tensor<1x1x5x1xf32>, tensor<1x1x5x1xf32>, tensor<1x1x5x1xf32>, tensor<1x5xi64>, tensor<1x1x5x1xf32>, tensor<1x1x5x1xf32>) -> (tensor<1x1x5x1xf32>, tensor<1x1x5x1xf32>, tensor<1x1x5x1xf32>)
  return %o, %dq, %dv : tensor<1x1x5x1xf32>, tensor<1x1x5x1xf32>, tensor<1x1x5x1xf32>
}
