// Gradients of the fused ops against central finite differences in f64
// (h 1e-6, rtol 1e-5, atol 1e-7), for every operand. The norms and attention
// differentiate into starch.rms_norm_grad, starch.layer_norm_grad and
// starch.attention_grad (fused-backward.mlir checks the IR); the functions
// whose other operands are constants run the kernels with results dropped.
// RUN: %python %S/../../Inputs/check_gradients.py --bin %starch_bin --h 1e-6 --rtol 1e-5 --atol 1e-7 %s | FileCheck %s
// CHECK: all gradients match

func.func @rms_norm(%x: tensor<2x2x4xf64>, %w: tensor<4xf64>) -> tensor<2x2x4xf64> {
  %n = starch.rms_norm %x, %w epsilon = 1.0e-5 : (tensor<2x2x4xf64>, tensor<4xf64>) -> tensor<2x2x4xf64>
  %i = starch.iota dim = 2 : tensor<2x2x4xf64>
  %y = starch.mul %n, %i : tensor<2x2x4xf64>
  return %y : tensor<2x2x4xf64>
}

func.func @layer_norm(%x: tensor<2x2x3xf64>, %w: tensor<2x3xf64>, %b: tensor<2x3xf64>) -> tensor<2x2x3xf64> {
  %n = starch.layer_norm %x, %w, %b axis = 1 epsilon = 1.0e-5 : (tensor<2x2x3xf64>, tensor<2x3xf64>, tensor<2x3xf64>) -> tensor<2x2x3xf64>
  %i = starch.iota dim = 2 : tensor<2x2x3xf64>
  %y = starch.mul %n, %n : tensor<2x2x3xf64>
  %z = starch.mul %y, %i : tensor<2x2x3xf64>
  return %z : tensor<2x2x3xf64>
}

func.func @rope(%x: tensor<1x2x3x4xf64>, %cos: tensor<1x3x4xf64>, %sin: tensor<1x3x4xf64>) -> tensor<1x2x3x4xf64> {
  %r = starch.rope %x, %cos, %sin : (tensor<1x2x3x4xf64>, tensor<1x3x4xf64>, tensor<1x3x4xf64>) -> tensor<1x2x3x4xf64>
  %i = starch.iota dim = 3 : tensor<1x2x3x4xf64>
  %y = starch.mul %r, %i : tensor<1x2x3x4xf64>
  return %y : tensor<1x2x3x4xf64>
}

// Grouped-query attention (2 query heads per key/value head), every mask.
func.func @attention_full_gqa(%q: tensor<1x2x2x2xf64>, %k: tensor<1x1x3x2xf64>, %v: tensor<1x1x3x2xf64>) -> tensor<1x2x2x2xf64> {
  %a = starch.attention %q, %k, %v mask = full scale = 0.7 : (tensor<1x2x2x2xf64>, tensor<1x1x3x2xf64>, tensor<1x1x3x2xf64>) -> tensor<1x2x2x2xf64>
  %i = starch.iota dim = 3 : tensor<1x2x2x2xf64>
  %y = starch.mul %a, %a : tensor<1x2x2x2xf64>
  %z = starch.mul %y, %i : tensor<1x2x2x2xf64>
  %w = starch.add %z, %a : tensor<1x2x2x2xf64>
  return %w : tensor<1x2x2x2xf64>
}

func.func @attention_causal(%q: tensor<1x1x3x2xf64>, %k: tensor<1x1x3x2xf64>, %v: tensor<1x1x3x2xf64>) -> tensor<1x1x3x2xf64> {
  %a = starch.attention %q, %k, %v mask = causal scale = 0.5 : (tensor<1x1x3x2xf64>, tensor<1x1x3x2xf64>, tensor<1x1x3x2xf64>) -> tensor<1x1x3x2xf64>
  %y = starch.mul %a, %a : tensor<1x1x3x2xf64>
  return %y : tensor<1x1x3x2xf64>
}

func.func @attention_additive(%q: tensor<1x2x2x2xf64>, %k: tensor<1x2x3x2xf64>, %v: tensor<1x2x3x2xf64>, %bias: tensor<1x1x2x3xf64>) -> tensor<1x2x2x2xf64> {
  %a = starch.attention %q, %k, %v bias %bias mask = additive scale = 0.7 : (tensor<1x2x2x2xf64>, tensor<1x2x3x2xf64>, tensor<1x2x3x2xf64>, tensor<1x1x2x3xf64>) -> tensor<1x2x2x2xf64>
  %y = starch.mul %a, %a : tensor<1x2x2x2xf64>
  return %y : tensor<1x2x2x2xf64>
}

// Causal with the queries the last S = 2 of T = 3 positions, 2 query heads
// per key/value head.
func.func @attention_causal_gqa_offset(%q: tensor<1x4x2x3xf64>, %k: tensor<1x2x3x3xf64>, %v: tensor<1x2x3x3xf64>) -> tensor<1x4x2x3xf64> {
  %a = starch.attention %q, %k, %v mask = causal scale = 0.6 : (tensor<1x4x2x3xf64>, tensor<1x2x3x3xf64>, tensor<1x2x3x3xf64>) -> tensor<1x4x2x3xf64>
  %i = starch.iota dim = 2 : tensor<1x4x2x3xf64>
  %y = starch.mul %a, %a : tensor<1x4x2x3xf64>
  %z = starch.add %y, %i : tensor<1x4x2x3xf64>
  %w = starch.mul %z, %a : tensor<1x4x2x3xf64>
  return %w : tensor<1x4x2x3xf64>
}

// A bias of the full B x Hq x S x T shape, with grouped heads and two
// sequences.
func.func @attention_additive_full_bias_gqa(%q: tensor<2x2x2x2xf64>, %k: tensor<2x1x3x2xf64>, %v: tensor<2x1x3x2xf64>, %bias: tensor<2x2x2x3xf64>) -> tensor<2x2x2x2xf64> {
  %a = starch.attention %q, %k, %v bias %bias mask = additive scale = 0.9 : (tensor<2x2x2x2xf64>, tensor<2x1x3x2xf64>, tensor<2x1x3x2xf64>, tensor<2x2x2x3xf64>) -> tensor<2x2x2x2xf64>
  %i = starch.iota dim = 0 : tensor<2x2x2x2xf64>
  %y = starch.mul %a, %a : tensor<2x2x2x2xf64>
  %z = starch.mul %y, %i : tensor<2x2x2x2xf64>
  %w = starch.add %z, %a : tensor<2x2x2x2xf64>
  return %w : tensor<2x2x2x2xf64>
}

// Biases shared across the batch (1 x Hq) and across the heads (B x 1): the
// bias gradient sums over the sequences or over the heads.
func.func @attention_additive_shared_bias(%q: tensor<2x2x2x2xf64>, %k: tensor<2x2x2x2xf64>, %v: tensor<2x2x2x2xf64>, %per_head: tensor<1x2x2x2xf64>, %per_batch: tensor<2x1x2x2xf64>) -> tensor<2x2x2x2xf64> {
  %a = starch.attention %q, %k, %v bias %per_head mask = additive scale = 0.8 : (tensor<2x2x2x2xf64>, tensor<2x2x2x2xf64>, tensor<2x2x2x2xf64>, tensor<1x2x2x2xf64>) -> tensor<2x2x2x2xf64>
  %b = starch.attention %q, %k, %v bias %per_batch mask = additive scale = 0.8 : (tensor<2x2x2x2xf64>, tensor<2x2x2x2xf64>, tensor<2x2x2x2xf64>, tensor<2x1x2x2xf64>) -> tensor<2x2x2x2xf64>
  %i = starch.iota dim = 1 : tensor<2x2x2x2xf64>
  %y = starch.mul %a, %b : tensor<2x2x2x2xf64>
  %z = starch.mul %y, %i : tensor<2x2x2x2xf64>
  %w = starch.add %z, %a : tensor<2x2x2x2xf64>
  return %w : tensor<2x2x2x2xf64>
}

// Only the values need a gradient (query and key are constants): the kernel
// computes d_value alone.
func.func @attention_value_only(%v: tensor<1x2x3x2xf64>) -> tensor<1x4x3x2xf64> {
  %c = starch.constant dense<[[[[0.3, -1.2], [0.9, 0.4], [-0.5, 1.1]], [[1.3, 0.2], [-0.7, -0.9], [0.1, 0.8]], [[-1.0, 0.6], [0.5, -0.3], [1.4, -0.8]], [[0.2, 0.7], [-1.1, 0.3], [0.6, -0.4]]]]> : tensor<1x4x3x2xf64>
  %k = starch.slice %c start = [0, 0, 0, 0] limit = [1, 2, 3, 2] strides = [1, 1, 1, 1] : tensor<1x4x3x2xf64> -> tensor<1x2x3x2xf64>
  %a = starch.attention %c, %k, %v mask = causal scale = 0.7 : (tensor<1x4x3x2xf64>, tensor<1x2x3x2xf64>, tensor<1x2x3x2xf64>) -> tensor<1x4x3x2xf64>
  %i = starch.iota dim = 2 : tensor<1x4x3x2xf64>
  %y = starch.mul %a, %a : tensor<1x4x3x2xf64>
  %z = starch.mul %y, %i : tensor<1x4x3x2xf64>
  return %z : tensor<1x4x3x2xf64>
}

// Only the query needs a gradient: d_key and d_value are dropped.
func.func @attention_query_only(%q: tensor<1x2x2x2xf64>) -> tensor<1x2x2x2xf64> {
  %kv = starch.constant dense<[[[[0.3, -1.2], [0.9, 0.4], [-0.5, 1.1]]]]> : tensor<1x1x3x2xf64>
  %a = starch.attention %q, %kv, %kv mask = full scale = 0.7 : (tensor<1x2x2x2xf64>, tensor<1x1x3x2xf64>, tensor<1x1x3x2xf64>) -> tensor<1x2x2x2xf64>
  %i = starch.iota dim = 3 : tensor<1x2x2x2xf64>
  %y = starch.mul %a, %a : tensor<1x2x2x2xf64>
  %z = starch.mul %y, %i : tensor<1x2x2x2xf64>
  return %z : tensor<1x2x2x2xf64>
}

// Only the weight needs a gradient: the kernel recomputes the statistics
// without building d_input.
func.func @rms_norm_weight_only(%w: tensor<3xf64>) -> tensor<2x3xf64> {
  %x = starch.constant dense<[[0.3, -1.2, 0.9], [0.4, -0.5, 1.1]]> : tensor<2x3xf64>
  %n = starch.rms_norm %x, %w epsilon = 1.0e-6 : (tensor<2x3xf64>, tensor<3xf64>) -> tensor<2x3xf64>
  %y = starch.mul %n, %n : tensor<2x3xf64>
  return %y : tensor<2x3xf64>
}

// LayerNorm over the last dimension with weight and bias, and with a
// constant input (weight and bias gradients only).
func.func @layer_norm_last_axis(%x: tensor<3x4xf64>, %w: tensor<4xf64>, %b: tensor<4xf64>) -> tensor<3x4xf64> {
  %n = starch.layer_norm %x, %w, %b axis = 1 epsilon = 1.0e-5 : (tensor<3x4xf64>, tensor<4xf64>, tensor<4xf64>) -> tensor<3x4xf64>
  %i = starch.iota dim = 0 : tensor<3x4xf64>
  %y = starch.mul %n, %n : tensor<3x4xf64>
  %z = starch.mul %y, %i : tensor<3x4xf64>
  %r = starch.add %z, %n : tensor<3x4xf64>
  return %r : tensor<3x4xf64>
}

func.func @layer_norm_params_only(%w: tensor<3xf64>, %b: tensor<3xf64>) -> tensor<2x3xf64> {
  %x = starch.constant dense<[[0.3, -1.2, 0.9], [0.4, -0.5, 1.1]]> : tensor<2x3xf64>
  %n = starch.layer_norm %x, %w, %b axis = 1 epsilon = 1.0e-5 : (tensor<2x3xf64>, tensor<3xf64>, tensor<3xf64>) -> tensor<2x3xf64>
  %y = starch.mul %n, %n : tensor<2x3xf64>
  return %y : tensor<2x3xf64>
}
