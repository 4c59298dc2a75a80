// Round trip of starch.param, starch.read_param, starch.constant and
// starch.iota, in the custom and in the generic form.
// RUN: starch-opt %s -split-input-file | starch-opt -split-input-file | FileCheck %s
// RUN: starch-opt %s -split-input-file --mlir-print-op-generic | starch-opt -split-input-file | FileCheck %s

// Every optional attribute of a parameter, the module's weights file and a
// layer tag on the read.
// CHECK-LABEL: module attributes {starch.weights = "model.safetensors"}
// CHECK: starch.param @model.embed_tokens.weight : tensor<128x64xf32>
// CHECK: starch.param @model.layers.0.self_attn.q_proj.weight {source = "onnx::MatMul_1021"} : tensor<64x64xf32>
// CHECK: starch.param @model.layers.0.input_layernorm.weight {frozen} : tensor<64xf32>
// CHECK: starch.param @model.rotary_emb.inv_freq {buffer, frozen, source = "onnx::Cos_7"} : tensor<16xf32>
// CHECK-LABEL: func.func @read_params
// CHECK: %[[E:.*]] = starch.read_param @model.embed_tokens.weight : tensor<128x64xf32>
// CHECK: %[[Q:.*]] = starch.read_param @model.layers.0.self_attn.q_proj.weight {starch.layer = "model.layers.0"} : tensor<64x64xf32>
// CHECK: %[[N:.*]] = starch.read_param @model.layers.0.input_layernorm.weight {starch.layer = "model.layers.0"} : tensor<64xf32>
// CHECK: %[[F:.*]] = starch.read_param @model.rotary_emb.inv_freq : tensor<16xf32>
// CHECK: return %[[E]], %[[Q]], %[[N]], %[[F]]
module attributes {starch.weights = "model.safetensors"} {
  starch.param @model.embed_tokens.weight : tensor<128x64xf32>
  starch.param @model.layers.0.self_attn.q_proj.weight {source = "onnx::MatMul_1021"} : tensor<64x64xf32>
  starch.param @model.layers.0.input_layernorm.weight {frozen} : tensor<64xf32>
  starch.param @model.rotary_emb.inv_freq {source = "onnx::Cos_7", buffer, frozen} : tensor<16xf32>
  func.func @read_params() -> (tensor<128x64xf32>, tensor<64x64xf32>, tensor<64xf32>, tensor<16xf32>) {
    %e = starch.read_param @model.embed_tokens.weight : tensor<128x64xf32>
    %q = starch.read_param @model.layers.0.self_attn.q_proj.weight {starch.layer = "model.layers.0"} : tensor<64x64xf32>
    %n = starch.read_param @model.layers.0.input_layernorm.weight {starch.layer = "model.layers.0"} : tensor<64xf32>
    %f = starch.read_param @model.rotary_emb.inv_freq : tensor<16xf32>
    return %e, %q, %n, %f : tensor<128x64xf32>, tensor<64x64xf32>, tensor<64xf32>, tensor<16xf32>
  }
}

// -----

// Edge types: a scalar parameter, a zero-size one, low-precision and integer
// element types; a parameter may be read more than once.
// CHECK-LABEL: module attributes {starch.weights = "model.onnx"}
// CHECK: starch.param @logit_scale : tensor<f32>
// CHECK: starch.param @empty_prefix : tensor<0x8xf32>
// CHECK: starch.param @proj.weight : tensor<8x8xbf16>
// CHECK: starch.param @norm.weight : tensor<8xf16>
// CHECK: starch.param @position_ids {buffer} : tensor<1x8xi64>
// CHECK-LABEL: func.func @edge_params
// CHECK: %[[S:.*]] = starch.read_param @logit_scale : tensor<f32>
// CHECK: %[[S2:.*]] = starch.read_param @logit_scale : tensor<f32>
// CHECK: %[[Z:.*]] = starch.read_param @empty_prefix : tensor<0x8xf32>
// CHECK: %[[W:.*]] = starch.read_param @proj.weight : tensor<8x8xbf16>
// CHECK: %[[N:.*]] = starch.read_param @norm.weight : tensor<8xf16>
// CHECK: %[[P:.*]] = starch.read_param @position_ids : tensor<1x8xi64>
// CHECK: return %[[S]], %[[S2]], %[[Z]], %[[W]], %[[N]], %[[P]]
module attributes {starch.weights = "model.onnx"} {
  starch.param @logit_scale : tensor<f32>
  starch.param @empty_prefix : tensor<0x8xf32>
  starch.param @proj.weight : tensor<8x8xbf16>
  starch.param @norm.weight : tensor<8xf16>
  starch.param @position_ids {buffer} : tensor<1x8xi64>
  func.func @edge_params() -> (tensor<f32>, tensor<f32>, tensor<0x8xf32>, tensor<8x8xbf16>, tensor<8xf16>, tensor<1x8xi64>) {
    %s = starch.read_param @logit_scale : tensor<f32>
    %s2 = starch.read_param @logit_scale : tensor<f32>
    %z = starch.read_param @empty_prefix : tensor<0x8xf32>
    %w = starch.read_param @proj.weight : tensor<8x8xbf16>
    %n = starch.read_param @norm.weight : tensor<8xf16>
    %p = starch.read_param @position_ids : tensor<1x8xi64>
    return %s, %s2, %z, %w, %n, %p : tensor<f32>, tensor<f32>, tensor<0x8xf32>, tensor<8x8xbf16>, tensor<8xf16>, tensor<1x8xi64>
  }
}

// -----

// Constants: scalar, splat, dense, boolean mask, integer, half precision and
// zero-size values.
// CHECK-LABEL: func.func @constants
// CHECK: %[[S:.*]] = starch.constant dense<-1.000000e+09> : tensor<f32>
// CHECK: %[[SPLAT:.*]] = starch.constant dense<5.000000e-01> : tensor<2x3xf32>
// CHECK: %[[D:.*]] = starch.constant dense<{{\[}}[1, 2], [3, 4]]> : tensor<2x2xi32>
// CHECK: %[[M:.*]] = starch.constant dense<[true, false, true]> : tensor<3xi1>
// CHECK: %[[I:.*]] = starch.constant dense<[0, -1, 9223372036854775807]> : tensor<3xi64>
// CHECK: %[[H:.*]] = starch.constant dense<1.000000e+00> : tensor<4xbf16>
// CHECK: %[[Z:.*]] = starch.constant dense<> : tensor<0x4xf32>
// CHECK: return %[[S]], %[[SPLAT]], %[[D]], %[[M]], %[[I]], %[[H]], %[[Z]]
func.func @constants() -> (tensor<f32>, tensor<2x3xf32>, tensor<2x2xi32>, tensor<3xi1>, tensor<3xi64>, tensor<4xbf16>, tensor<0x4xf32>) {
  %s = starch.constant dense<-1.0e9> : tensor<f32>
  %splat = starch.constant dense<0.5> : tensor<2x3xf32>
  %d = starch.constant dense<[[1, 2], [3, 4]]> : tensor<2x2xi32>
  %m = starch.constant dense<[true, false, true]> : tensor<3xi1>
  %i = starch.constant dense<[0, -1, 9223372036854775807]> : tensor<3xi64>
  %h = starch.constant dense<1.0> : tensor<4xbf16>
  %z = starch.constant dense<> : tensor<0x4xf32>
  return %s, %splat, %d, %m, %i, %h, %z : tensor<f32>, tensor<2x3xf32>, tensor<2x2xi32>, tensor<3xi1>, tensor<3xi64>, tensor<4xbf16>, tensor<0x4xf32>
}

// -----

// Iota along each dimension, into integer and float element types, and with a
// zero-size dimension.
// CHECK-LABEL: func.func @iota
// CHECK: %[[ROWS:.*]] = starch.iota dim = 0 : tensor<2x3xi64>
// CHECK: %[[COLS:.*]] = starch.iota dim = 1 : tensor<2x3xi32>
// CHECK: %[[F:.*]] = starch.iota dim = 2 : tensor<1x1x8xf32>
// CHECK: %[[B:.*]] = starch.iota dim = 0 : tensor<8xbf16>
// CHECK: %[[Z:.*]] = starch.iota dim = 1 : tensor<4x0xi64>
// CHECK: return %[[ROWS]], %[[COLS]], %[[F]], %[[B]], %[[Z]]
func.func @iota() -> (tensor<2x3xi64>, tensor<2x3xi32>, tensor<1x1x8xf32>, tensor<8xbf16>, tensor<4x0xi64>) {
  %rows = starch.iota dim = 0 : tensor<2x3xi64>
  %cols = starch.iota dim = 1 : tensor<2x3xi32>
  %f = starch.iota dim = 2 : tensor<1x1x8xf32>
  %b = starch.iota dim = 0 : tensor<8xbf16>
  %z = starch.iota dim = 1 : tensor<4x0xi64>
  return %rows, %cols, %f, %b, %z : tensor<2x3xi64>, tensor<2x3xi32>, tensor<1x1x8xf32>, tensor<8xbf16>, tensor<4x0xi64>
}
