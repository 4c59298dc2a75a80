// starch-pipeline-schedule{schedule=zero-bubble} on the modality-parallel
// model of ../starch-pipeline-split/branches.mlir (vision trained, audio
// frozen, on stages of their own; the LLM in 2 stages).
//
// The orders, played by hand on unit times (forward 1, each gradient part
// 2, the vision stage's input part 0 as it has no cotangents to send):
// the LLM's last stage runs B0..B3 from t = 2, 4, 7, 10; its first stage's
// input parts follow them; the vision stage's weight gradients fit the
// waits between its markers (W0 at [7,9], W1 at [9,11], W2 at [12,14]).
// RUN: starch-opt %S/../starch-pipeline-split/branches.mlir "--pass-pipeline=builtin.module(starch-pipeline-split{starts=vision:layers.0,audio:layers.0,llm:layers.0,llm:layers.1 next=2,2,3,-1},starch-autodiff{functions=loss.stage0,loss.stage1,loss.stage2,loss.stage3},starch-pipeline-schedule{micro-batches=4 schedule=zero-bubble verbose=1})" -o %t.mlir 2>&1 | FileCheck %s --check-prefix=ORDER
// ORDER: starch-pipeline-schedule: stage 0: F0 F1 F2 F3 W0 W1 W2 W3
// ORDER: starch-pipeline-schedule: stage 1: F0 F1 F2 F3
// ORDER: starch-pipeline-schedule: stage 2: F0 F1 B0 F2 B1 F3 B2 B3 W0 W1 W2 W3
// ORDER: starch-pipeline-schedule: stage 3: B0 B1 B2 B3 W0 W1 W2 W3
//
// The parts: the vision stage has only a weight part; the LLM's first stage
// both (its input part returns the vision features' cotangent; the frozen
// audio's get none); the last stage's input part returns the loss and the
// hidden state's cotangent.
// RUN: FileCheck %s --check-prefix=PARTS < %t.mlir
// PARTS-NOT: func.func @loss.stage0_grad_input
// PARTS:     func.func @loss.stage0_grad_weight({{.*}}) -> (tensor<8x8xf32> {starch.name = "grad.v0"}, tensor<8x8xf32> {starch.name = "grad.vp"})
// PARTS-NOT: func.func @loss.stage1_grad_
// PARTS:     func.func @loss.stage2_grad_weight({{.*}}) -> (tensor<8x8xf32> {starch.name = "grad.embed"}, tensor<8x8xf32> {starch.name = "grad.l0"})
// PARTS:     func.func @loss.stage2_grad_input({{.*}}) -> (tensor<4x8xf32> {starch.name = "grad.vision_projector.output"})
// PARTS:     func.func @loss.stage3_grad_weight({{.*}}) -> (tensor<8x8xf32> {starch.name = "grad.l1"})
// PARTS:     func.func @loss.stage3_grad_input({{.*}}) -> (tensor<f32> {starch.name = "loss"}, tensor<4x8xf32> {starch.name = "grad.layers.0.output"})
// The accumulation calls the weight parts in micro-batch order after every
// input part.
// RUN: FileCheck %s --check-prefix=ACCUMULATE < %t.mlir
// ACCUMULATE-LABEL: func.func @step_gradients.stage2
// ACCUMULATE:       call @loss.stage2_grad_input({{.*}}"B0"
// ACCUMULATE:       call @loss.stage2_grad_input({{.*}}"B3"
// ACCUMULATE:       call @loss.stage2_grad_weight({{.*}}"W0"
// ACCUMULATE:       call @loss.stage2_grad_weight({{.*}}"W3"
//
// The whole step on 4 ranks and on 2 replicas of them against one process
// (starch-run --ranks N): the same loss, norm and updated weights.
// RUN: %python %S/../../Inputs/check_pass_numerics.py --bin %starch_bin --ranks 4 --functions train_step --before="--pass-pipeline=builtin.module(starch-autodiff{functions=loss},starch-optimizer{micro-batches=3})" %S/../starch-pipeline-split/branches.mlir -- "--pass-pipeline=builtin.module(starch-pipeline-split{starts=vision:layers.0,audio:layers.0,llm:layers.0,llm:layers.1 next=2,2,3,-1},starch-autodiff{functions=loss.stage0,loss.stage1,loss.stage2,loss.stage3},starch-pipeline-schedule{micro-batches=3 schedule=zero-bubble},starch-optimizer{micro-batches=3})"
// RUN: %python %S/../../Inputs/check_pass_numerics.py --bin %starch_bin --ranks 8 --functions train_step --before="--pass-pipeline=builtin.module(starch-autodiff{functions=loss},starch-optimizer{micro-batches=2})" %S/../starch-pipeline-split/branches.mlir -- "--pass-pipeline=builtin.module(starch-pipeline-split{starts=vision:layers.0,audio:layers.0,llm:layers.0,llm:layers.1 next=2,2,3,-1 replicas=2},starch-autodiff{functions=loss.stage0,loss.stage1,loss.stage2,loss.stage3},starch-pipeline-schedule{micro-batches=2 schedule=zero-bubble},starch-optimizer{micro-batches=2 data-parallel=2 replica-ranks=4})"
//
// An unknown schedule is an error.
// RUN: not starch-opt %S/../starch-pipeline-split/branches.mlir "--pass-pipeline=builtin.module(starch-pipeline-split{stages=2},starch-autodiff{functions=loss.stage0,loss.stage1},starch-pipeline-schedule{schedule=gpipe})" -o /dev/null 2>&1 | FileCheck %s --check-prefix=BAD
// BAD: error: starch-pipeline-schedule: schedule must be 1f1b or zero-bubble, got 'gpipe'
