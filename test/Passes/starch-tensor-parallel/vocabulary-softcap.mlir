// RUN: starch-opt %s "--starch-tensor-parallel=tp=2 verbose=1" 2>&1 | FileCheck %s
// RUN: %python %S/../../Inputs/check_pass_numerics.py --bin %starch_bin --ranks 2 --functions loss %s -- "--starch-tensor-parallel=tp=2"

// A tied embedding and LM head with a logit softcap (Gemma2) between the
// head and the loss: the capped logits cannot stay split along the
// vocabulary (the cap's constant is whole), so the vocabulary pseudo-layer
// is kept whole and the walk starts over; nothing is split.
// CHECK: starch-tensor-parallel: layer '(vocabulary)' stays whole on every rank ('starch.div' cannot run on these shards)
// CHECK: starch-tensor-parallel: 0 parameters split over 2 ranks, 1 layers kept whole
// CHECK-NOT: shard_dim
// CHECK-NOT: offset
// CHECK: starch.cross_entropy %

starch.param @embed : tensor<16x4xf32>

func.func @loss(%ids: tensor<2x3xi64>, %labels: tensor<2x3xi64>) -> tensor<f32> {
  %e = starch.read_param @embed : tensor<16x4xf32>
  %x = starch.gather %e[%ids] axis = 0 : (tensor<16x4xf32>, tensor<2x3xi64>) -> tensor<2x3x4xf32>
  %rows = starch.reshape %x : tensor<2x3x4xf32> -> tensor<6x4xf32>
  %l = starch.matmul %rows, %e transposed : (tensor<6x4xf32>, tensor<16x4xf32>) -> tensor<6x16xf32>
  %logits = starch.reshape %l : tensor<6x16xf32> -> tensor<2x3x16xf32>
  %cap = starch.constant dense<3.0> : tensor<2x3x16xf32>
  %scaled = starch.div %logits, %cap : tensor<2x3x16xf32>
  %t = starch.tanh %scaled : tensor<2x3x16xf32>
  %capped = starch.mul %t, %cap : tensor<2x3x16xf32>
  %loss = starch.cross_entropy %capped, %labels ignore_index = -100 : (tensor<2x3x16xf32>, tensor<2x3xi64>) -> tensor<f32>
  return %loss : tensor<f32>
}
