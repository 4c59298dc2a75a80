// Weights tied across stages: @embed maps the input on the first stage and,
// transposed, makes the output on the last (an embedding tied to the LM
// head). Both stages hold it; the optimizer sums their gradient parts.
// RUN: starch-opt %s "--starch-pipeline-split=stages=2" | FileCheck %s
// RUN: %python %S/../../Inputs/check_pass_numerics.py --bin %starch_bin --ranks 2 --functions train_step --before="--pass-pipeline=builtin.module(starch-autodiff{functions=loss},starch-optimizer{micro-batches=3})" %s -- "--pass-pipeline=builtin.module(starch-pipeline-split{stages=2},starch-autodiff{functions=loss.stage0,loss.stage1},starch-pipeline-schedule{micro-batches=3},starch-optimizer{micro-batches=3})"
// RUN: %python %S/../../Inputs/check_pass_numerics.py --bin %starch_bin --ranks 4 --functions train_step --before="--pass-pipeline=builtin.module(starch-autodiff{functions=loss},starch-optimizer{micro-batches=2})" %s -- "--pass-pipeline=builtin.module(starch-pipeline-split{stages=2 replicas=2},starch-autodiff{functions=loss.stage0,loss.stage1},starch-pipeline-schedule{micro-batches=2},starch-optimizer{micro-batches=2 data-parallel=2 replica-ranks=2})"
// The step sums @embed's parts over the two stages, and both copies update
// (one set of moments).
// RUN: starch-opt %s "--pass-pipeline=builtin.module(starch-pipeline-split{stages=2},starch-autodiff{functions=loss.stage0,loss.stage1},starch-pipeline-schedule{micro-batches=2},starch-optimizer{micro-batches=2})" | FileCheck %s --check-prefix=STEP --implicit-check-not=exp_avg.embed_

// CHECK: starch.param @embed {stage = 0 : i64, tied_stages = array<i64: 1>} : tensor<8x8xf32>
// CHECK: starch.param @w0 {stage = 0 : i64}
// CHECK: starch.param @w1 {stage = 1 : i64}

// STEP: starch.param @adamw.exp_avg.embed {stage = 0 : i64, state, tied_stages = array<i64: 1>}
// STEP-LABEL: func.func @train_step.stage0(
// STEP: starch.all_reduce %{{.*}} reduce = sum groups = [array<i64: 0, 1>] : tensor<8x8xf32>
// STEP: starch.write_param @embed
// STEP-LABEL: func.func @train_step.stage1(
// STEP: starch.all_reduce %{{.*}} reduce = sum groups = [array<i64: 0, 1>] : tensor<8x8xf32>
// STEP: starch.write_param @embed

starch.param @embed : tensor<8x8xf32>
starch.param @w0 : tensor<8x8xf32>
starch.param @w1 : tensor<8x8xf32>
func.func @loss(%x: tensor<4x8xf32> {starch.name = "x"}, %target: tensor<4x8xf32> {starch.name = "target"}) -> (tensor<f32> {starch.name = "loss"}) {
  %e = starch.read_param @embed : tensor<8x8xf32>
  %xe = starch.matmul %x, %e : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
  %w0 = starch.read_param @w0 {starch.layer = "layers.0"} : tensor<8x8xf32>
  %m0 = starch.matmul %xe, %w0 {starch.layer = "layers.0"} : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
  %h0 = starch.tanh %m0 {starch.layer = "layers.0"} : tensor<4x8xf32>
  %w1 = starch.read_param @w1 {starch.layer = "layers.1"} : tensor<8x8xf32>
  %m1 = starch.matmul %h0, %w1 {starch.layer = "layers.1"} : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
  %h1 = starch.tanh %m1 {starch.layer = "layers.1"} : tensor<4x8xf32>
  %et = starch.transpose %e perm = [1, 0] : tensor<8x8xf32> -> tensor<8x8xf32>
  %y = starch.matmul %h1, %et : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
  %d = starch.sub %y, %target : tensor<4x8xf32>
  %sq = starch.mul %d, %d : tensor<4x8xf32>
  %l = starch.reduce sum %sq dims = [0, 1] : tensor<4x8xf32> -> tensor<f32>
  return %l : tensor<f32>
}
