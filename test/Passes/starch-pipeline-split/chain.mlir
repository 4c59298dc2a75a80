// RUN: starch-opt %s "--starch-pipeline-split=stages=3" | FileCheck %s
// RUN: starch-opt %s "--starch-pipeline-split=starts=layers.1,layers.2 tp=2 replicas=2" | FileCheck %s --check-prefix=LAYOUT
// The whole step, pipelined on 3 stages against one process accumulating as
// many micro-batches: same loss, norms and updated weights. With 2 replicas
// every rank gets the same inputs, so the replicas' average equals one
// replica's micro-batches.
// RUN: %python %S/../../Inputs/check_pass_numerics.py --bin %starch_bin --ranks 3 --functions train_step --before="--pass-pipeline=builtin.module(starch-autodiff{functions=loss},starch-optimizer{micro-batches=4})" %s -- "--pass-pipeline=builtin.module(starch-pipeline-split{stages=3},starch-autodiff{functions=loss.stage0,loss.stage1,loss.stage2},starch-pipeline-schedule{micro-batches=4},starch-optimizer{micro-batches=4})"
// RUN: %python %S/../../Inputs/check_pass_numerics.py --bin %starch_bin --ranks 6 --functions train_step --before="--pass-pipeline=builtin.module(starch-autodiff{functions=loss},starch-optimizer{micro-batches=2})" %s -- "--pass-pipeline=builtin.module(starch-pipeline-split{stages=3 replicas=2},starch-autodiff{functions=loss.stage0,loss.stage1,loss.stage2},starch-pipeline-schedule{micro-batches=2},starch-optimizer{micro-batches=2 data-parallel=2 replica-ranks=3})"

// Three layers and a head. The scale table is data-only: cloned into each
// stage that uses it, never sent. Layer 0's output skips layer 1 (it is
// added again in layer 2), so it passes through stage 1. The head's
// transposed weight is computed on the last stage, beside its use.
// CHECK: module attributes {starch.pipeline = {replicas = 1 : i64, stages = 3 : i64, tp = 1 : i64}}
// CHECK: starch.param @w0 {stage = 0 : i64}
// CHECK: starch.param @w1 {stage = 1 : i64}
// CHECK: starch.param @w2 {stage = 2 : i64}
// CHECK: starch.param @head {stage = 2 : i64}
// CHECK: starch.param @scale {frozen, stage = 0 : i64, tied_stages = array<i64: 1>} : tensor<8xf32>
// CHECK-LABEL: func.func @loss.stage0(
// CHECK-SAME: %{{.*}}: tensor<4x8xf32> {starch.name = "x"}, %{{.*}}: tensor<4x8xf32> {starch.name = "target"})
// CHECK-SAME: -> (tensor<4x8xf32> {starch.cotangent_input, starch.name = "layers.0.output"})
// CHECK: starch.read_param @scale
// CHECK: starch.tanh
// CHECK-NOT: starch.read_param @w1
// CHECK-LABEL: func.func @loss.stage1(
// CHECK-SAME: %{{.*}}: tensor<4x8xf32> {starch.differentiable, starch.name = "layers.0.output"})
// CHECK-SAME: -> (tensor<4x8xf32> {starch.cotangent_input, starch.name = "layers.0.output"}, tensor<4x8xf32> {starch.cotangent_input, starch.name = "layers.1.output"})
// CHECK: starch.read_param @scale
// CHECK-LABEL: func.func @loss.stage2(
// CHECK-SAME: -> (tensor<f32> {starch.name = "loss"})
// CHECK: starch.read_param @head
// CHECK: starch.transpose
// CHECK-NOT: func.func @loss(

// LAYOUT: starch.pipeline = {replicas = 2 : i64, stages = 3 : i64, tp = 2 : i64}
starch.param @w0 : tensor<8x8xf32>
starch.param @w1 : tensor<8x8xf32>
starch.param @w2 : tensor<8x8xf32>
starch.param @head : tensor<8x8xf32>
starch.param @scale {frozen} : tensor<8xf32>
func.func @loss(%x: tensor<4x8xf32> {starch.name = "x"}, %target: tensor<4x8xf32> {starch.name = "target"}) -> (tensor<f32> {starch.name = "loss"}) {
  %s = starch.read_param @scale : tensor<8xf32>
  %sb = starch.broadcast %s dims = [1] : tensor<8xf32> -> tensor<4x8xf32>
  %w0 = starch.read_param @w0 {starch.layer = "layers.0"} : tensor<8x8xf32>
  %m0 = starch.matmul %x, %w0 {starch.layer = "layers.0"} : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
  %t0 = starch.tanh %m0 {starch.layer = "layers.0"} : tensor<4x8xf32>
  %h0 = starch.mul %t0, %sb {starch.layer = "layers.0"} : tensor<4x8xf32>
  %w1 = starch.read_param @w1 {starch.layer = "layers.1"} : tensor<8x8xf32>
  %m1 = starch.matmul %h0, %w1 {starch.layer = "layers.1"} : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
  %t1 = starch.tanh %m1 {starch.layer = "layers.1"} : tensor<4x8xf32>
  %h1 = starch.mul %t1, %sb {starch.layer = "layers.1"} : tensor<4x8xf32>
  %w2 = starch.read_param @w2 {starch.layer = "layers.2"} : tensor<8x8xf32>
  %m2 = starch.matmul %h1, %w2 {starch.layer = "layers.2"} : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
  %t2 = starch.tanh %m2 {starch.layer = "layers.2"} : tensor<4x8xf32>
  %h2 = starch.add %t2, %h0 {starch.layer = "layers.2"} : tensor<4x8xf32>
  %hw = starch.read_param @head : tensor<8x8xf32>
  %ht = starch.transpose %hw perm = [1, 0] : tensor<8x8xf32> -> tensor<8x8xf32>
  %y = starch.matmul %h2, %ht : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
  %d = starch.sub %y, %target : tensor<4x8xf32>
  %sq = starch.mul %d, %d : tensor<4x8xf32>
  %l = starch.reduce sum %sq dims = [0, 1] : tensor<4x8xf32> -> tensor<f32>
  return %l : tensor<f32>
}
