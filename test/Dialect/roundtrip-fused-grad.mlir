// Round trip of the fused backward ops (rms_norm_grad, layer_norm_grad,
// attention_grad with every mask), in the custom and in the generic form.
// RUN: starch-opt %s -split-input-file | starch-opt -split-input-file | FileCheck %s
// RUN: starch-opt %s -split-input-file --mlir-print-op-generic | starch-opt -split-input-file | FileCheck %s

// RMSNorm's backward on activations, in bf16 and on an empty batch.
// CHECK-LABEL: func.func @rms_norm_grad
// CHECK-SAME: (%[[X:.*]]: tensor<2x8x64xf32>, %[[W:.*]]: tensor<64xf32>, %[[DY:.*]]: tensor<2x8x64xf32>, %[[H:.*]]: tensor<4x32xbf16>, %[[HW:.*]]: tensor<32xbf16>, %[[Z:.*]]: tensor<0x64xf32>)
// CHECK: %[[DX:.*]], %[[DW:.*]] = starch.rms_norm_grad %[[X]], %[[W]], %[[DY]] epsilon = 9.9999999999999995E-7 {starch.layer = "model.layers.0"} : (tensor<2x8x64xf32>, tensor<64xf32>, tensor<2x8x64xf32>) -> (tensor<2x8x64xf32>, tensor<64xf32>)
// CHECK: %[[LX:.*]], %[[LW:.*]] = starch.rms_norm_grad %[[H]], %[[HW]], %[[H]] epsilon = 0.000000e+00 : (tensor<4x32xbf16>, tensor<32xbf16>, tensor<4x32xbf16>) -> (tensor<4x32xbf16>, tensor<32xbf16>)
// CHECK: %[[EX:.*]], %[[EW:.*]] = starch.rms_norm_grad %[[Z]], %[[W]], %[[Z]] epsilon = 1.000000e-05 : (tensor<0x64xf32>, tensor<64xf32>, tensor<0x64xf32>) -> (tensor<0x64xf32>, tensor<64xf32>)
// CHECK: return %[[DX]], %[[DW]], %[[LX]], %[[LW]], %[[EX]], %[[EW]]
func.func @rms_norm_grad(%x: tensor<2x8x64xf32>, %w: tensor<64xf32>, %dy: tensor<2x8x64xf32>, %h: tensor<4x32xbf16>, %hw: tensor<32xbf16>, %z: tensor<0x64xf32>) -> (tensor<2x8x64xf32>, tensor<64xf32>, tensor<4x32xbf16>, tensor<32xbf16>, tensor<0x64xf32>, tensor<64xf32>) {
  %dx, %dw = starch.rms_norm_grad %x, %w, %dy epsilon = 1.0e-6 {starch.layer = "model.layers.0"} : (tensor<2x8x64xf32>, tensor<64xf32>, tensor<2x8x64xf32>) -> (tensor<2x8x64xf32>, tensor<64xf32>)
  %lx, %lw = starch.rms_norm_grad %h, %hw, %h epsilon = 0.0 : (tensor<4x32xbf16>, tensor<32xbf16>, tensor<4x32xbf16>) -> (tensor<4x32xbf16>, tensor<32xbf16>)
  %ex, %ew = starch.rms_norm_grad %z, %w, %z epsilon = 1.0e-5 : (tensor<0x64xf32>, tensor<64xf32>, tensor<0x64xf32>) -> (tensor<0x64xf32>, tensor<64xf32>)
  return %dx, %dw, %lx, %lw, %ex, %ew : tensor<2x8x64xf32>, tensor<64xf32>, tensor<4x32xbf16>, tensor<32xbf16>, tensor<0x64xf32>, tensor<64xf32>
}

// -----

// LayerNorm's backward over the last dimension and over the last two.
// CHECK-LABEL: func.func @layer_norm_grad
// CHECK-SAME: (%[[X:.*]]: tensor<2x8x64xf32>, %[[W:.*]]: tensor<64xf32>, %[[W2:.*]]: tensor<8x64xf32>, %[[DY:.*]]: tensor<2x8x64xf32>)
// CHECK: %[[DX:.*]], %[[DW:.*]], %[[DB:.*]] = starch.layer_norm_grad %[[X]], %[[W]], %[[DY]] axis = 2 epsilon = 1.000000e-05 : (tensor<2x8x64xf32>, tensor<64xf32>, tensor<2x8x64xf32>) -> (tensor<2x8x64xf32>, tensor<64xf32>, tensor<64xf32>)
// CHECK: %[[TX:.*]], %[[TW:.*]], %[[TB:.*]] = starch.layer_norm_grad %[[X]], %[[W2]], %[[DY]] axis = 1 epsilon = 9.9999999999999998E-13 {starch.layer = "vision_model.encoder.layers.0"} : (tensor<2x8x64xf32>, tensor<8x64xf32>, tensor<2x8x64xf32>) -> (tensor<2x8x64xf32>, tensor<8x64xf32>, tensor<8x64xf32>)
// CHECK: return %[[DX]], %[[DW]], %[[DB]], %[[TX]], %[[TW]], %[[TB]]
func.func @layer_norm_grad(%x: tensor<2x8x64xf32>, %w: tensor<64xf32>, %w2: tensor<8x64xf32>, %dy: tensor<2x8x64xf32>) -> (tensor<2x8x64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<2x8x64xf32>, tensor<8x64xf32>, tensor<8x64xf32>) {
  %dx, %dw, %db = starch.layer_norm_grad %x, %w, %dy axis = 2 epsilon = 1.0e-5 : (tensor<2x8x64xf32>, tensor<64xf32>, tensor<2x8x64xf32>) -> (tensor<2x8x64xf32>, tensor<64xf32>, tensor<64xf32>)
  %tx, %tw, %tb = starch.layer_norm_grad %x, %w2, %dy axis = 1 epsilon = 1.0e-12 {starch.layer = "vision_model.encoder.layers.0"} : (tensor<2x8x64xf32>, tensor<8x64xf32>, tensor<2x8x64xf32>) -> (tensor<2x8x64xf32>, tensor<8x64xf32>, tensor<8x64xf32>)
  return %dx, %dw, %db, %tx, %tw, %tb : tensor<2x8x64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<2x8x64xf32>, tensor<8x64xf32>, tensor<8x64xf32>
}

// -----

// Attention's backward: causal with grouped heads, full, and additive with a
// bias shared by the heads (a fourth result, its gradient).
// CHECK-LABEL: func.func @attention_grad
// CHECK-SAME: (%[[Q:.*]]: tensor<2x4x8x16xf32>, %[[K:.*]]: tensor<2x2x8x16xf32>, %[[V:.*]]: tensor<2x2x8x16xf32>, %[[O:.*]]: tensor<2x4x8x16xf32>, %[[DO:.*]]: tensor<2x4x8x16xf32>, %[[B:.*]]: tensor<2x1x8x8xf32>)
// CHECK: %[[CQ:.*]], %[[CK:.*]], %[[CV:.*]] = starch.attention_grad %[[Q]], %[[K]], %[[V]] out %[[O]] d_out %[[DO]] mask = causal scale = 2.500000e-01 {starch.layer = "model.layers.1"} : (tensor<2x4x8x16xf32>, tensor<2x2x8x16xf32>, tensor<2x2x8x16xf32>, tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32>) -> (tensor<2x4x8x16xf32>, tensor<2x2x8x16xf32>, tensor<2x2x8x16xf32>)
// CHECK: %[[FQ:.*]], %[[FK:.*]], %[[FV:.*]] = starch.attention_grad %[[Q]], %[[K]], %[[V]] out %[[O]] d_out %[[DO]] mask = full scale = 1.000000e+00 : (tensor<2x4x8x16xf32>, tensor<2x2x8x16xf32>, tensor<2x2x8x16xf32>, tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32>) -> (tensor<2x4x8x16xf32>, tensor<2x2x8x16xf32>, tensor<2x2x8x16xf32>)
// CHECK: %[[AQ:.*]], %[[AK:.*]], %[[AV:.*]], %[[AB:.*]] = starch.attention_grad %[[Q]], %[[K]], %[[V]] bias %[[B]] out %[[O]] d_out %[[DO]] mask = additive scale = 2.500000e-01 : (tensor<2x4x8x16xf32>, tensor<2x2x8x16xf32>, tensor<2x2x8x16xf32>, tensor<2x1x8x8xf32>, tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32>) -> (tensor<2x4x8x16xf32>, tensor<2x2x8x16xf32>, tensor<2x2x8x16xf32>, tensor<2x1x8x8xf32>)
// CHECK: return %[[CQ]], %[[CK]], %[[CV]], %[[FQ]], %[[AB]]
func.func @attention_grad(%q: tensor<2x4x8x16xf32>, %k: tensor<2x2x8x16xf32>, %v: tensor<2x2x8x16xf32>, %o: tensor<2x4x8x16xf32>, %do: tensor<2x4x8x16xf32>, %b: tensor<2x1x8x8xf32>) -> (tensor<2x4x8x16xf32>, tensor<2x2x8x16xf32>, tensor<2x2x8x16xf32>, tensor<2x4x8x16xf32>, tensor<2x1x8x8xf32>) {
  %cq, %ck, %cv = starch.attention_grad %q, %k, %v out %o d_out %do mask = causal scale = 0.25 {starch.layer = "model.layers.1"} : (tensor<2x4x8x16xf32>, tensor<2x2x8x16xf32>, tensor<2x2x8x16xf32>, tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32>) -> (tensor<2x4x8x16xf32>, tensor<2x2x8x16xf32>, tensor<2x2x8x16xf32>)
  %fq, %fk, %fv = starch.attention_grad %q, %k, %v out %o d_out %do mask = full scale = 1.0 : (tensor<2x4x8x16xf32>, tensor<2x2x8x16xf32>, tensor<2x2x8x16xf32>, tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32>) -> (tensor<2x4x8x16xf32>, tensor<2x2x8x16xf32>, tensor<2x2x8x16xf32>)
  %aq, %ak, %av, %ab = starch.attention_grad %q, %k, %v bias %b out %o d_out %do mask = additive scale = 0.25 : (tensor<2x4x8x16xf32>, tensor<2x2x8x16xf32>, tensor<2x2x8x16xf32>, tensor<2x1x8x8xf32>, tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32>) -> (tensor<2x4x8x16xf32>, tensor<2x2x8x16xf32>, tensor<2x2x8x16xf32>, tensor<2x1x8x8xf32>)
  return %cq, %ck, %cv, %fq, %ab : tensor<2x4x8x16xf32>, tensor<2x2x8x16xf32>, tensor<2x2x8x16xf32>, tensor<2x4x8x16xf32>, tensor<2x1x8x8xf32>
}

// -----

// The backward of a windowed, soft-capped attention keeps both attributes.
// CHECK-LABEL: func.func @attention_grad_window_softcap
// CHECK: starch.attention_grad %{{.*}}, %{{.*}}, %{{.*}} out %{{.*}} d_out %{{.*}} mask = causal scale = 2.500000e-01 window = 4 softcap = 5.000000e+01 : (
func.func @attention_grad_window_softcap(%q: tensor<2x4x8x16xf32>, %k: tensor<2x2x8x16xf32>) -> (tensor<2x4x8x16xf32>, tensor<2x2x8x16xf32>, tensor<2x2x8x16xf32>) {
  %dq, %dk, %dv = starch.attention_grad %q, %k, %k out %q d_out %q mask = causal scale = 0.25 window = 4 softcap = 50.0 : (tensor<2x4x8x16xf32>, tensor<2x2x8x16xf32>, tensor<2x2x8x16xf32>, tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32>) -> (tensor<2x4x8x16xf32>, tensor<2x2x8x16xf32>, tensor<2x2x8x16xf32>)
  return %dq, %dk, %dv : tensor<2x4x8x16xf32>, tensor<2x2x8x16xf32>, tensor<2x2x8x16xf32>
}

// -----

// Attention's backward under a bitfield mask: the bits come after the
// (absent) bias and before out; there is no d_bias.
// CHECK-LABEL: func.func @attention_grad_bitfield
// CHECK-SAME: (%[[Q:.*]]: tensor<2x4x8x16xf32>, %[[K:.*]]: tensor<2x2x8x16xf32>, %[[O:.*]]: tensor<2x4x8x16xf32>, %[[BITS:.*]]: tensor<2x8xi64>)
// CHECK: %[[BQ:.*]], %[[BK:.*]], %[[BV:.*]] = starch.attention_grad %[[Q]], %[[K]], %[[K]] bits %[[BITS]] out %[[O]] d_out %[[O]] mask = bitfield scale = 2.500000e-01 {starch.layer = "model.layers.0"} : (tensor<2x4x8x16xf32>, tensor<2x2x8x16xf32>, tensor<2x2x8x16xf32>, tensor<2x8xi64>, tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32>) -> (tensor<2x4x8x16xf32>, tensor<2x2x8x16xf32>, tensor<2x2x8x16xf32>)
// CHECK: return %[[BQ]], %[[BK]], %[[BV]]
func.func @attention_grad_bitfield(%q: tensor<2x4x8x16xf32>, %k: tensor<2x2x8x16xf32>, %o: tensor<2x4x8x16xf32>, %bits: tensor<2x8xi64>) -> (tensor<2x4x8x16xf32>, tensor<2x2x8x16xf32>, tensor<2x2x8x16xf32>) {
  %bq, %bk, %bv = starch.attention_grad %q, %k, %k bits %bits out %o d_out %o mask = bitfield scale = 0.25 {starch.layer = "model.layers.0"} : (tensor<2x4x8x16xf32>, tensor<2x2x8x16xf32>, tensor<2x2x8x16xf32>, tensor<2x8xi64>, tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32>) -> (tensor<2x4x8x16xf32>, tensor<2x2x8x16xf32>, tensor<2x2x8x16xf32>)
  return %bq, %bk, %bv : tensor<2x4x8x16xf32>, tensor<2x2x8x16xf32>, tensor<2x2x8x16xf32>
}
