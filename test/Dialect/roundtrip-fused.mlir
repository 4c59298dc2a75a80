// Round trip of the fused ops that starch-raise recognises (rms_norm,
// layer_norm, rope, attention with every mask), in the custom and in the
// generic form.
// RUN: starch-opt %s -split-input-file | starch-opt -split-input-file | FileCheck %s
// RUN: starch-opt %s -split-input-file --mlir-print-op-generic | starch-opt -split-input-file | FileCheck %s

// RMSNorm over the last dimension of activations, of a vector, in bf16 and
// with a zero-size leading dimension.
// CHECK-LABEL: func.func @rms_norm
// CHECK-SAME: (%[[X:.*]]: tensor<2x8x64xf32>, %[[W:.*]]: tensor<64xf32>, %[[V:.*]]: tensor<16xf32>, %[[VW:.*]]: tensor<16xf32>, %[[H:.*]]: tensor<4x32xbf16>, %[[HW:.*]]: tensor<32xbf16>, %[[Z:.*]]: tensor<0x64xf32>)
// CHECK: %[[LLAMA:.*]] = starch.rms_norm %[[X]], %[[W]] epsilon = 9.9999999999999995E-7 {starch.layer = "model.layers.0"} : (tensor<2x8x64xf32>, tensor<64xf32>) -> tensor<2x8x64xf32>
// CHECK: %[[VEC:.*]] = starch.rms_norm %[[V]], %[[VW]] epsilon = 1.000000e-05 : (tensor<16xf32>, tensor<16xf32>) -> tensor<16xf32>
// CHECK: %[[LOW:.*]] = starch.rms_norm %[[H]], %[[HW]] epsilon = 0.000000e+00 : (tensor<4x32xbf16>, tensor<32xbf16>) -> tensor<4x32xbf16>
// CHECK: %[[EMPTY:.*]] = starch.rms_norm %[[Z]], %[[W]] epsilon = 9.9999999999999995E-7 : (tensor<0x64xf32>, tensor<64xf32>) -> tensor<0x64xf32>
// CHECK: return %[[LLAMA]], %[[VEC]], %[[LOW]], %[[EMPTY]]
func.func @rms_norm(%x: tensor<2x8x64xf32>, %w: tensor<64xf32>, %v: tensor<16xf32>, %vw: tensor<16xf32>, %h: tensor<4x32xbf16>, %hw: tensor<32xbf16>, %z: tensor<0x64xf32>) -> (tensor<2x8x64xf32>, tensor<16xf32>, tensor<4x32xbf16>, tensor<0x64xf32>) {
  %llama = starch.rms_norm %x, %w epsilon = 1.0e-6 {starch.layer = "model.layers.0"} : (tensor<2x8x64xf32>, tensor<64xf32>) -> tensor<2x8x64xf32>
  %vec = starch.rms_norm %v, %vw epsilon = 1.0e-5 : (tensor<16xf32>, tensor<16xf32>) -> tensor<16xf32>
  %low = starch.rms_norm %h, %hw epsilon = 0.0 : (tensor<4x32xbf16>, tensor<32xbf16>) -> tensor<4x32xbf16>
  %empty = starch.rms_norm %z, %w epsilon = 1.0e-6 : (tensor<0x64xf32>, tensor<64xf32>) -> tensor<0x64xf32>
  return %llama, %vec, %low, %empty : tensor<2x8x64xf32>, tensor<16xf32>, tensor<4x32xbf16>, tensor<0x64xf32>
}

// -----

// LayerNorm over the last dimension (CLIP, Whisper), over the last two, over
// every dimension, in bf16 and with a zero-size batch.
// CHECK-LABEL: func.func @layer_norm
// CHECK-SAME: (%[[X:.*]]: tensor<2x8x64xf32>, %[[W:.*]]: tensor<64xf32>, %[[B:.*]]: tensor<64xf32>, %[[W2:.*]]: tensor<8x64xf32>, %[[B2:.*]]: tensor<8x64xf32>, %[[W3:.*]]: tensor<2x8x64xf32>, %[[H:.*]]: tensor<3x16xbf16>, %[[HW:.*]]: tensor<16xbf16>, %[[Z:.*]]: tensor<0x64xf32>)
// CHECK: %[[LAST:.*]] = starch.layer_norm %[[X]], %[[W]], %[[B]] axis = 2 epsilon = 1.000000e-05 : (tensor<2x8x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<2x8x64xf32>
// CHECK: %[[TWO:.*]] = starch.layer_norm %[[X]], %[[W2]], %[[B2]] axis = 1 epsilon = 1.000000e-05 : (tensor<2x8x64xf32>, tensor<8x64xf32>, tensor<8x64xf32>) -> tensor<2x8x64xf32>
// CHECK: %[[ALL:.*]] = starch.layer_norm %[[X]], %[[W3]], %[[W3]] axis = 0 epsilon = 9.9999999999999998E-13 : (tensor<2x8x64xf32>, tensor<2x8x64xf32>, tensor<2x8x64xf32>) -> tensor<2x8x64xf32>
// CHECK: %[[LOW:.*]] = starch.layer_norm %[[H]], %[[HW]], %[[HW]] axis = 1 epsilon = 1.000000e-05 {starch.layer = "vision_model.encoder.layers.0"} : (tensor<3x16xbf16>, tensor<16xbf16>, tensor<16xbf16>) -> tensor<3x16xbf16>
// CHECK: %[[EMPTY:.*]] = starch.layer_norm %[[Z]], %[[W]], %[[B]] axis = 1 epsilon = 1.000000e-05 : (tensor<0x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<0x64xf32>
// CHECK: return %[[LAST]], %[[TWO]], %[[ALL]], %[[LOW]], %[[EMPTY]]
func.func @layer_norm(%x: tensor<2x8x64xf32>, %w: tensor<64xf32>, %b: tensor<64xf32>, %w2: tensor<8x64xf32>, %b2: tensor<8x64xf32>, %w3: tensor<2x8x64xf32>, %h: tensor<3x16xbf16>, %hw: tensor<16xbf16>, %z: tensor<0x64xf32>) -> (tensor<2x8x64xf32>, tensor<2x8x64xf32>, tensor<2x8x64xf32>, tensor<3x16xbf16>, tensor<0x64xf32>) {
  %last = starch.layer_norm %x, %w, %b axis = 2 epsilon = 1.0e-5 : (tensor<2x8x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<2x8x64xf32>
  %two = starch.layer_norm %x, %w2, %b2 axis = 1 epsilon = 1.0e-5 : (tensor<2x8x64xf32>, tensor<8x64xf32>, tensor<8x64xf32>) -> tensor<2x8x64xf32>
  %all = starch.layer_norm %x, %w3, %w3 axis = 0 epsilon = 1.0e-12 : (tensor<2x8x64xf32>, tensor<2x8x64xf32>, tensor<2x8x64xf32>) -> tensor<2x8x64xf32>
  %low = starch.layer_norm %h, %hw, %hw axis = 1 epsilon = 1.0e-5 {starch.layer = "vision_model.encoder.layers.0"} : (tensor<3x16xbf16>, tensor<16xbf16>, tensor<16xbf16>) -> tensor<3x16xbf16>
  %empty = starch.layer_norm %z, %w, %b axis = 1 epsilon = 1.0e-5 : (tensor<0x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<0x64xf32>
  return %last, %two, %all, %low, %empty : tensor<2x8x64xf32>, tensor<2x8x64xf32>, tensor<2x8x64xf32>, tensor<3x16xbf16>, tensor<0x64xf32>
}

// -----

// Rotary embedding on query heads and on fewer key heads with shared tables,
// with the smallest even head size, in bf16 and on an empty sequence.
// CHECK-LABEL: func.func @rope
// CHECK-SAME: (%[[Q:.*]]: tensor<2x4x8x16xf32>, %[[K:.*]]: tensor<2x2x8x16xf32>, %[[COS:.*]]: tensor<2x8x16xf32>, %[[SIN:.*]]: tensor<2x8x16xf32>, %[[T:.*]]: tensor<1x1x3x2xf32>, %[[TC:.*]]: tensor<1x3x2xf32>, %[[H:.*]]: tensor<1x2x4x8xbf16>, %[[HC:.*]]: tensor<1x4x8xbf16>, %[[Z:.*]]: tensor<1x2x0x8xf32>, %[[ZC:.*]]: tensor<1x0x8xf32>)
// CHECK: %[[RQ:.*]] = starch.rope %[[Q]], %[[COS]], %[[SIN]] {starch.layer = "model.layers.0"} : (tensor<2x4x8x16xf32>, tensor<2x8x16xf32>, tensor<2x8x16xf32>) -> tensor<2x4x8x16xf32>
// CHECK: %[[RK:.*]] = starch.rope %[[K]], %[[COS]], %[[SIN]] {starch.layer = "model.layers.0"} : (tensor<2x2x8x16xf32>, tensor<2x8x16xf32>, tensor<2x8x16xf32>) -> tensor<2x2x8x16xf32>
// CHECK: %[[SMALL:.*]] = starch.rope %[[T]], %[[TC]], %[[TC]] : (tensor<1x1x3x2xf32>, tensor<1x3x2xf32>, tensor<1x3x2xf32>) -> tensor<1x1x3x2xf32>
// CHECK: %[[LOW:.*]] = starch.rope %[[H]], %[[HC]], %[[HC]] : (tensor<1x2x4x8xbf16>, tensor<1x4x8xbf16>, tensor<1x4x8xbf16>) -> tensor<1x2x4x8xbf16>
// CHECK: %[[EMPTY:.*]] = starch.rope %[[Z]], %[[ZC]], %[[ZC]] : (tensor<1x2x0x8xf32>, tensor<1x0x8xf32>, tensor<1x0x8xf32>) -> tensor<1x2x0x8xf32>
// CHECK: return %[[RQ]], %[[RK]], %[[SMALL]], %[[LOW]], %[[EMPTY]]
func.func @rope(%q: tensor<2x4x8x16xf32>, %k: tensor<2x2x8x16xf32>, %cos: tensor<2x8x16xf32>, %sin: tensor<2x8x16xf32>, %t: tensor<1x1x3x2xf32>, %tc: tensor<1x3x2xf32>, %h: tensor<1x2x4x8xbf16>, %hc: tensor<1x4x8xbf16>, %z: tensor<1x2x0x8xf32>, %zc: tensor<1x0x8xf32>) -> (tensor<2x4x8x16xf32>, tensor<2x2x8x16xf32>, tensor<1x1x3x2xf32>, tensor<1x2x4x8xbf16>, tensor<1x2x0x8xf32>) {
  %rq = starch.rope %q, %cos, %sin {starch.layer = "model.layers.0"} : (tensor<2x4x8x16xf32>, tensor<2x8x16xf32>, tensor<2x8x16xf32>) -> tensor<2x4x8x16xf32>
  %rk = starch.rope %k, %cos, %sin {starch.layer = "model.layers.0"} : (tensor<2x2x8x16xf32>, tensor<2x8x16xf32>, tensor<2x8x16xf32>) -> tensor<2x2x8x16xf32>
  %small = starch.rope %t, %tc, %tc : (tensor<1x1x3x2xf32>, tensor<1x3x2xf32>, tensor<1x3x2xf32>) -> tensor<1x1x3x2xf32>
  %low = starch.rope %h, %hc, %hc : (tensor<1x2x4x8xbf16>, tensor<1x4x8xbf16>, tensor<1x4x8xbf16>) -> tensor<1x2x4x8xbf16>
  %empty = starch.rope %z, %zc, %zc : (tensor<1x2x0x8xf32>, tensor<1x0x8xf32>, tensor<1x0x8xf32>) -> tensor<1x2x0x8xf32>
  return %rq, %rk, %small, %low, %empty : tensor<2x4x8x16xf32>, tensor<2x2x8x16xf32>, tensor<1x1x3x2xf32>, tensor<1x2x4x8xbf16>, tensor<1x2x0x8xf32>
}

// -----

// Attention without a bias: full (an encoder), causal (a decoder), causal
// with fewer queries than keys (t <= s + T - S), grouped-query heads.
// CHECK-LABEL: func.func @attention_masks
// CHECK-SAME: (%[[Q:.*]]: tensor<2x4x8x16xf32>, %[[K:.*]]: tensor<2x4x8x16xf32>, %[[V:.*]]: tensor<2x4x8x16xf32>, %[[Q1:.*]]: tensor<2x4x1x16xf32>, %[[GK:.*]]: tensor<2x2x8x16xf32>, %[[GV:.*]]: tensor<2x2x8x16xf32>)
// CHECK: %[[FULL:.*]] = starch.attention %[[Q]], %[[K]], %[[V]] mask = full scale = 2.500000e-01 : (tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32>) -> tensor<2x4x8x16xf32>
// CHECK: %[[CAUSAL:.*]] = starch.attention %[[Q]], %[[K]], %[[V]] mask = causal scale = 2.500000e-01 {starch.layer = "model.layers.1"} : (tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32>) -> tensor<2x4x8x16xf32>
// CHECK: %[[DECODE:.*]] = starch.attention %[[Q1]], %[[K]], %[[V]] mask = causal scale = 1.000000e+00 : (tensor<2x4x1x16xf32>, tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32>) -> tensor<2x4x1x16xf32>
// CHECK: %[[GQA:.*]] = starch.attention %[[Q]], %[[GK]], %[[GV]] mask = causal scale = 2.500000e-01 : (tensor<2x4x8x16xf32>, tensor<2x2x8x16xf32>, tensor<2x2x8x16xf32>) -> tensor<2x4x8x16xf32>
// CHECK: return %[[FULL]], %[[CAUSAL]], %[[DECODE]], %[[GQA]]
func.func @attention_masks(%q: tensor<2x4x8x16xf32>, %k: tensor<2x4x8x16xf32>, %v: tensor<2x4x8x16xf32>, %q1: tensor<2x4x1x16xf32>, %gk: tensor<2x2x8x16xf32>, %gv: tensor<2x2x8x16xf32>) -> (tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32>, tensor<2x4x1x16xf32>, tensor<2x4x8x16xf32>) {
  %full = starch.attention %q, %k, %v mask = full scale = 0.25 : (tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32>) -> tensor<2x4x8x16xf32>
  %causal = starch.attention %q, %k, %v mask = causal scale = 0.25 {starch.layer = "model.layers.1"} : (tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32>) -> tensor<2x4x8x16xf32>
  %decode = starch.attention %q1, %k, %v mask = causal scale = 1.0 : (tensor<2x4x1x16xf32>, tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32>) -> tensor<2x4x1x16xf32>
  %gqa = starch.attention %q, %gk, %gv mask = causal scale = 0.25 : (tensor<2x4x8x16xf32>, tensor<2x2x8x16xf32>, tensor<2x2x8x16xf32>) -> tensor<2x4x8x16xf32>
  return %full, %causal, %decode, %gqa : tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32>, tensor<2x4x1x16xf32>, tensor<2x4x8x16xf32>
}

// -----

// A sliding window (causal, as Mistral's; full, both sides) and Gemma2's
// soft-capped scores, alone and together; absent, neither is printed.
// CHECK-LABEL: func.func @attention_window_softcap
// CHECK: starch.attention %{{.*}}, %{{.*}}, %{{.*}} mask = causal scale = 2.500000e-01 window = 4096 : (
// CHECK: starch.attention %{{.*}}, %{{.*}}, %{{.*}} mask = full scale = 2.500000e-01 window = 3 : (
// CHECK: starch.attention %{{.*}}, %{{.*}}, %{{.*}} mask = causal scale = 2.500000e-01 softcap = 5.000000e+01 : (
// CHECK: starch.attention %{{.*}}, %{{.*}}, %{{.*}} bias %{{.*}} mask = additive scale = 2.500000e-01 softcap = 3.000000e+01 : (
// CHECK: starch.attention %{{.*}}, %{{.*}}, %{{.*}} mask = causal scale = 2.500000e-01 window = 4 softcap = 5.000000e+01 : (
func.func @attention_window_softcap(%q: tensor<2x4x8x16xf32>, %kv: tensor<2x2x8x16xf32>, %b: tensor<1x1x8x8xf32>) -> (tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32>) {
  %0 = starch.attention %q, %kv, %kv mask = causal scale = 0.25 window = 4096 : (tensor<2x4x8x16xf32>, tensor<2x2x8x16xf32>, tensor<2x2x8x16xf32>) -> tensor<2x4x8x16xf32>
  %1 = starch.attention %q, %kv, %kv mask = full scale = 0.25 window = 3 : (tensor<2x4x8x16xf32>, tensor<2x2x8x16xf32>, tensor<2x2x8x16xf32>) -> tensor<2x4x8x16xf32>
  %2 = starch.attention %q, %kv, %kv mask = causal scale = 0.25 softcap = 50.0 : (tensor<2x4x8x16xf32>, tensor<2x2x8x16xf32>, tensor<2x2x8x16xf32>) -> tensor<2x4x8x16xf32>
  %3 = starch.attention %q, %kv, %kv bias %b mask = additive scale = 0.25 softcap = 30.0 : (tensor<2x4x8x16xf32>, tensor<2x2x8x16xf32>, tensor<2x2x8x16xf32>, tensor<1x1x8x8xf32>) -> tensor<2x4x8x16xf32>
  %4 = starch.attention %q, %kv, %kv mask = causal scale = 0.25 window = 4 softcap = 50.0 : (tensor<2x4x8x16xf32>, tensor<2x2x8x16xf32>, tensor<2x2x8x16xf32>) -> tensor<2x4x8x16xf32>
  return %0, %1, %2, %3, %4 : tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32>
}

// -----

// Attention with an additive bias of every broadcast form: per batch and
// head, shared by the heads (B x 1), by the batch (1 x H) and by both.
// CHECK-LABEL: func.func @attention_bias
// CHECK-SAME: (%[[Q:.*]]: tensor<2x4x8x16xf32>, %[[K:.*]]: tensor<2x4x6x16xf32>, %[[V:.*]]: tensor<2x4x6x16xf32>, %[[BH:.*]]: tensor<2x4x8x6xf32>, %[[B1:.*]]: tensor<2x1x8x6xf32>, %[[OH:.*]]: tensor<1x4x8x6xf32>, %[[O1:.*]]: tensor<1x1x8x6xf32>)
// CHECK: %[[R0:.*]] = starch.attention %[[Q]], %[[K]], %[[V]] bias %[[BH]] mask = additive scale = 2.500000e-01 : (tensor<2x4x8x16xf32>, tensor<2x4x6x16xf32>, tensor<2x4x6x16xf32>, tensor<2x4x8x6xf32>) -> tensor<2x4x8x16xf32>
// CHECK: %[[R1:.*]] = starch.attention %[[Q]], %[[K]], %[[V]] bias %[[B1]] mask = additive scale = 2.500000e-01 : (tensor<2x4x8x16xf32>, tensor<2x4x6x16xf32>, tensor<2x4x6x16xf32>, tensor<2x1x8x6xf32>) -> tensor<2x4x8x16xf32>
// CHECK: %[[R2:.*]] = starch.attention %[[Q]], %[[K]], %[[V]] bias %[[OH]] mask = additive scale = 2.500000e-01 : (tensor<2x4x8x16xf32>, tensor<2x4x6x16xf32>, tensor<2x4x6x16xf32>, tensor<1x4x8x6xf32>) -> tensor<2x4x8x16xf32>
// CHECK: %[[R3:.*]] = starch.attention %[[Q]], %[[K]], %[[V]] bias %[[O1]] mask = additive scale = 1.250000e-01 {starch.layer = "model.layers.0"} : (tensor<2x4x8x16xf32>, tensor<2x4x6x16xf32>, tensor<2x4x6x16xf32>, tensor<1x1x8x6xf32>) -> tensor<2x4x8x16xf32>
// CHECK: return %[[R0]], %[[R1]], %[[R2]], %[[R3]]
func.func @attention_bias(%q: tensor<2x4x8x16xf32>, %k: tensor<2x4x6x16xf32>, %v: tensor<2x4x6x16xf32>, %bh: tensor<2x4x8x6xf32>, %b1: tensor<2x1x8x6xf32>, %oh: tensor<1x4x8x6xf32>, %o1: tensor<1x1x8x6xf32>) -> (tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32>) {
  %r0 = starch.attention %q, %k, %v bias %bh mask = additive scale = 0.25 : (tensor<2x4x8x16xf32>, tensor<2x4x6x16xf32>, tensor<2x4x6x16xf32>, tensor<2x4x8x6xf32>) -> tensor<2x4x8x16xf32>
  %r1 = starch.attention %q, %k, %v bias %b1 mask = additive scale = 0.25 : (tensor<2x4x8x16xf32>, tensor<2x4x6x16xf32>, tensor<2x4x6x16xf32>, tensor<2x1x8x6xf32>) -> tensor<2x4x8x16xf32>
  %r2 = starch.attention %q, %k, %v bias %oh mask = additive scale = 0.25 : (tensor<2x4x8x16xf32>, tensor<2x4x6x16xf32>, tensor<2x4x6x16xf32>, tensor<1x4x8x6xf32>) -> tensor<2x4x8x16xf32>
  %r3 = starch.attention %q, %k, %v bias %o1 mask = additive scale = 0.125 {starch.layer = "model.layers.0"} : (tensor<2x4x8x16xf32>, tensor<2x4x6x16xf32>, tensor<2x4x6x16xf32>, tensor<1x1x8x6xf32>) -> tensor<2x4x8x16xf32>
  return %r0, %r1, %r2, %r3 : tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32>
}

// -----

// Multi-query attention (one key/value head for eight query heads) in bf16,
// with a tiny positive scale and with a bias shared by batch and heads.
// CHECK-LABEL: func.func @attention_edges
// CHECK-SAME: (%[[Q:.*]]: tensor<1x8x4x8xbf16>, %[[K:.*]]: tensor<1x1x4x8xbf16>, %[[V:.*]]: tensor<1x1x4x8xbf16>, %[[B:.*]]: tensor<1x1x4x4xbf16>)
// CHECK: %[[MQA:.*]] = starch.attention %[[Q]], %[[K]], %[[V]] mask = full scale = 9.9999999999999998E-13 : (tensor<1x8x4x8xbf16>, tensor<1x1x4x8xbf16>, tensor<1x1x4x8xbf16>) -> tensor<1x8x4x8xbf16>
// CHECK: %[[BIASED:.*]] = starch.attention %[[Q]], %[[K]], %[[V]] bias %[[B]] mask = additive scale = 0.35355339059327379 : (tensor<1x8x4x8xbf16>, tensor<1x1x4x8xbf16>, tensor<1x1x4x8xbf16>, tensor<1x1x4x4xbf16>) -> tensor<1x8x4x8xbf16>
// CHECK: return %[[MQA]], %[[BIASED]]
func.func @attention_edges(%q: tensor<1x8x4x8xbf16>, %k: tensor<1x1x4x8xbf16>, %v: tensor<1x1x4x8xbf16>, %b: tensor<1x1x4x4xbf16>) -> (tensor<1x8x4x8xbf16>, tensor<1x8x4x8xbf16>) {
  %mqa = starch.attention %q, %k, %v mask = full scale = 1.0e-12 : (tensor<1x8x4x8xbf16>, tensor<1x1x4x8xbf16>, tensor<1x1x4x8xbf16>) -> tensor<1x8x4x8xbf16>
  %biased = starch.attention %q, %k, %v bias %b mask = additive scale = 0.35355339059327379 : (tensor<1x8x4x8xbf16>, tensor<1x1x4x8xbf16>, tensor<1x1x4x8xbf16>, tensor<1x1x4x4xbf16>) -> tensor<1x8x4x8xbf16>
  return %mqa, %biased : tensor<1x8x4x8xbf16>, tensor<1x8x4x8xbf16>
}

// -----

// Attention under the multimodal bitfield mask (one i64 word per token of
// each sequence), with grouped heads, in bf16 and with a layer tag.
// CHECK-LABEL: func.func @attention_bitfield
// CHECK-SAME: (%[[Q:.*]]: tensor<2x4x8x16xf32>, %[[K:.*]]: tensor<2x2x8x16xf32>, %[[BITS:.*]]: tensor<2x8xi64>, %[[H:.*]]: tensor<1x2x8x8xbf16>, %[[HBITS:.*]]: tensor<1x8xi64>)
// CHECK: %[[MM:.*]] = starch.attention %[[Q]], %[[K]], %[[K]] bits %[[BITS]] mask = bitfield scale = 2.500000e-01 {starch.layer = "model.layers.0"} : (tensor<2x4x8x16xf32>, tensor<2x2x8x16xf32>, tensor<2x2x8x16xf32>, tensor<2x8xi64>) -> tensor<2x4x8x16xf32>
// CHECK: %[[LOW:.*]] = starch.attention %[[H]], %[[H]], %[[H]] bits %[[HBITS]] mask = bitfield scale = 1.250000e-01 : (tensor<1x2x8x8xbf16>, tensor<1x2x8x8xbf16>, tensor<1x2x8x8xbf16>, tensor<1x8xi64>) -> tensor<1x2x8x8xbf16>
// CHECK: return %[[MM]], %[[LOW]]
func.func @attention_bitfield(%q: tensor<2x4x8x16xf32>, %k: tensor<2x2x8x16xf32>, %bits: tensor<2x8xi64>, %h: tensor<1x2x8x8xbf16>, %hbits: tensor<1x8xi64>) -> (tensor<2x4x8x16xf32>, tensor<1x2x8x8xbf16>) {
  %mm = starch.attention %q, %k, %k bits %bits mask = bitfield scale = 0.25 {starch.layer = "model.layers.0"} : (tensor<2x4x8x16xf32>, tensor<2x2x8x16xf32>, tensor<2x2x8x16xf32>, tensor<2x8xi64>) -> tensor<2x4x8x16xf32>
  %low = starch.attention %h, %h, %h bits %hbits mask = bitfield scale = 0.125 : (tensor<1x2x8x8xbf16>, tensor<1x2x8x8xbf16>, tensor<1x2x8x8xbf16>, tensor<1x8xi64>) -> tensor<1x2x8x8xbf16>
  return %mm, %low : tensor<2x4x8x16xf32>, tensor<1x2x8x8xbf16>
}

// A context-parallel rank's queries (tokens 5 and 2 of 8) against every
// key: the positions place them; the bits are the keys' words.
// CHECK-LABEL: func.func @attention_positions
// CHECK: starch.attention %{{.*}}, %{{.*}}, %{{.*}} bits %{{.*}} positions %{{.*}} mask = bitfield scale = 2.500000e-01 : (tensor<2x4x2x16xf32>, tensor<2x2x8x16xf32>, tensor<2x2x8x16xf32>, tensor<2x8xi64>, tensor<2xi64>) -> tensor<2x4x2x16xf32>
// CHECK: starch.attention %{{.*}}, %{{.*}}, %{{.*}} positions %{{.*}} mask = causal scale = 2.500000e-01 : (tensor<2x4x2x16xf32>, tensor<2x2x8x16xf32>, tensor<2x2x8x16xf32>, tensor<2xi64>) -> tensor<2x4x2x16xf32>
func.func @attention_positions(%q: tensor<2x4x2x16xf32>, %k: tensor<2x2x8x16xf32>, %bits: tensor<2x8xi64>, %at: tensor<2xi64>) -> (tensor<2x4x2x16xf32>, tensor<2x4x2x16xf32>) {
  %b = starch.attention %q, %k, %k bits %bits positions %at mask = bitfield scale = 0.25 : (tensor<2x4x2x16xf32>, tensor<2x2x8x16xf32>, tensor<2x2x8x16xf32>, tensor<2x8xi64>, tensor<2xi64>) -> tensor<2x4x2x16xf32>
  %c = starch.attention %q, %k, %k positions %at mask = causal scale = 0.25 : (tensor<2x4x2x16xf32>, tensor<2x2x8x16xf32>, tensor<2x2x8x16xf32>, tensor<2xi64>) -> tensor<2x4x2x16xf32>
  return %b, %c : tensor<2x4x2x16xf32>, tensor<2x4x2x16xf32>
}
