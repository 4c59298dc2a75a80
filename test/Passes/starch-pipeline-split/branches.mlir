// Modality parallelism: two encoder branches (vision trained, audio frozen)
// on stages of their own, both sending to the LLM's first stage.
// RUN: starch-opt %s "--starch-pipeline-split=starts=vision:layers.0,audio:layers.0,llm:layers.0,llm:layers.1 next=2,2,3,-1" | FileCheck %s
// RUN: starch-opt %s "--starch-pipeline-split=starts=vision:layers.0,audio:layers.0,llm:layers.0,llm:layers.1 next=2,2,3,-1 stage-tp=1,1,2,2 replicas=2" | FileCheck %s --check-prefix=LAYOUT
// The whole step on 4 ranks (1F1B with the encoders' warm-up), on 2
// replicas of them, and with the LLM's stages on 2 ranks each (the
// encoders' single rank feeds both), against one process.
// RUN: %python %S/../../Inputs/check_pass_numerics.py --bin %starch_bin --ranks 4 --functions train_step --before="--pass-pipeline=builtin.module(starch-autodiff{functions=loss},starch-optimizer{micro-batches=3})" %s -- "--pass-pipeline=builtin.module(starch-pipeline-split{starts=vision:layers.0,audio:layers.0,llm:layers.0,llm:layers.1 next=2,2,3,-1},starch-autodiff{functions=loss.stage0,loss.stage1,loss.stage2,loss.stage3},starch-pipeline-schedule{micro-batches=3},starch-optimizer{micro-batches=3})"
// RUN: %python %S/../../Inputs/check_pass_numerics.py --bin %starch_bin --ranks 8 --functions train_step --before="--pass-pipeline=builtin.module(starch-autodiff{functions=loss},starch-optimizer{micro-batches=2})" %s -- "--pass-pipeline=builtin.module(starch-pipeline-split{starts=vision:layers.0,audio:layers.0,llm:layers.0,llm:layers.1 next=2,2,3,-1 replicas=2},starch-autodiff{functions=loss.stage0,loss.stage1,loss.stage2,loss.stage3},starch-pipeline-schedule{micro-batches=2},starch-optimizer{micro-batches=2 data-parallel=2 replica-ranks=4})"
// RUN: %python %S/../../Inputs/check_pass_numerics.py --bin %starch_bin --ranks 6 --functions train_step --before="--pass-pipeline=builtin.module(starch-autodiff{functions=loss},starch-optimizer{micro-batches=2})" %s -- "--pass-pipeline=builtin.module(starch-pipeline-split{starts=vision:layers.0,audio:layers.0,llm:layers.0,llm:layers.1 next=2,2,3,-1 stage-tp=1,1,2,2},starch-autodiff{functions=loss.stage0,loss.stage1,loss.stage2,loss.stage3},starch-pipeline-schedule{micro-batches=2},starch-optimizer{micro-batches=2})"
// Audio without a stage of its own (no start names it): it runs on the
// LLM's first stage, where its features are used.
// RUN: starch-opt %s "--starch-pipeline-split=starts=vision:layers.0,llm:layers.0,llm:layers.1 next=1,2,-1" | FileCheck %s --check-prefix=ONLLM
// RUN: %python %S/../../Inputs/check_pass_numerics.py --bin %starch_bin --ranks 3 --functions train_step --before="--pass-pipeline=builtin.module(starch-autodiff{functions=loss},starch-optimizer{micro-batches=2})" %s -- "--pass-pipeline=builtin.module(starch-pipeline-split{starts=vision:layers.0,llm:layers.0,llm:layers.1 next=1,2,-1},starch-autodiff{functions=loss.stage0,loss.stage1,loss.stage2},starch-pipeline-schedule{micro-batches=2},starch-optimizer{micro-batches=2})"
// The schedule: encoders warm up over the LLM's 2 stages; the frozen audio
// branch runs forwards only.
// RUN: starch-opt %s "--pass-pipeline=builtin.module(starch-pipeline-split{starts=vision:layers.0,audio:layers.0,llm:layers.0,llm:layers.1 next=2,2,3,-1},starch-autodiff{functions=loss.stage0,loss.stage1,loss.stage2,loss.stage3},starch-pipeline-schedule{micro-batches=4 verbose=1})" -o /dev/null 2>&1 | FileCheck %s --check-prefix=ORDER

// CHECK: module attributes {starch.pipeline = {next = array<i64: 2, 2, 3, -1>, replicas = 1 : i64, tp = array<i64: 1, 1, 1, 1>}}
// CHECK: starch.param @v0 {stage = 0 : i64}
// CHECK: starch.param @vp {stage = 0 : i64}
// CHECK: starch.param @a0 {frozen, stage = 1 : i64}
// CHECK: starch.param @ap {frozen, stage = 1 : i64}
// CHECK: starch.param @embed {stage = 2 : i64}
// CHECK: starch.param @l0 {stage = 2 : i64}
// CHECK: starch.param @l1 {stage = 3 : i64}
// CHECK-LABEL: func.func @loss.stage0(
// CHECK-SAME: -> (tensor<4x8xf32> {starch.cotangent_input, starch.name = "vision_projector.output"})
// CHECK-LABEL: func.func @loss.stage1(
// CHECK-SAME: -> (tensor<4x8xf32> {starch.name = "audio_projector.output"})
// CHECK-LABEL: func.func @loss.stage2(
// CHECK-SAME: %{{.*}}: tensor<4x8xf32> {starch.differentiable, starch.name = "vision_projector.output"}, %{{.*}}: tensor<4x8xf32> {starch.name = "audio_projector.output"})
// CHECK-SAME: -> (tensor<4x8xf32> {starch.cotangent_input, starch.name = "layers.0.output"})
// CHECK: starch.read_param @embed
// CHECK-LABEL: func.func @loss.stage3(
// CHECK-SAME: -> (tensor<f32> {starch.name = "loss"})

// ONLLM: starch.param @a0 {frozen, stage = 1 : i64}
// ONLLM: starch.param @ap {frozen, stage = 1 : i64}
// ONLLM-LABEL: func.func @loss.stage1(
// ONLLM: starch.read_param @a0
// ONLLM: starch.read_param @embed

// LAYOUT: starch.pipeline = {next = array<i64: 2, 2, 3, -1>, replicas = 2 : i64, tp = array<i64: 1, 1, 2, 2>}

// ORDER: starch-pipeline-schedule: stage 0: F0 F1 F2 B0 F3 B1 B2 B3
// ORDER: starch-pipeline-schedule: stage 1: F0 F1 F2 F3
// ORDER: starch-pipeline-schedule: stage 2: F0 F1 B0 F2 B1 F3 B2 B3
// ORDER: starch-pipeline-schedule: stage 3: B0 B1 B2 B3

starch.param @v0 : tensor<8x8xf32>
starch.param @vp : tensor<8x8xf32>
starch.param @a0 {frozen} : tensor<8x8xf32>
starch.param @ap {frozen} : tensor<8x8xf32>
starch.param @embed : tensor<8x8xf32>
starch.param @l0 : tensor<8x8xf32>
starch.param @l1 : tensor<8x8xf32>
func.func @loss(%image: tensor<4x8xf32> {starch.name = "image"}, %sound: tensor<4x8xf32> {starch.name = "sound"}, %x: tensor<4x8xf32> {starch.name = "x"}, %target: tensor<4x8xf32> {starch.name = "target"}) -> (tensor<f32> {starch.name = "loss"}) {
  %v0 = starch.read_param @v0 {starch.module = "vision", starch.layer = "layers.0"} : tensor<8x8xf32>
  %vm = starch.matmul %image, %v0 {starch.module = "vision", starch.layer = "layers.0"} : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
  %vh = starch.tanh %vm {starch.module = "vision", starch.layer = "layers.0"} : tensor<4x8xf32>
  %vp = starch.read_param @vp {starch.module = "vision_projector", starch.layer = "vision_projector"} : tensor<8x8xf32>
  %vf = starch.matmul %vh, %vp {starch.module = "vision_projector", starch.layer = "vision_projector"} : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
  %a0 = starch.read_param @a0 {starch.module = "audio", starch.layer = "layers.0"} : tensor<8x8xf32>
  %am = starch.matmul %sound, %a0 {starch.module = "audio", starch.layer = "layers.0"} : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
  %ah = starch.tanh %am {starch.module = "audio", starch.layer = "layers.0"} : tensor<4x8xf32>
  %ap = starch.read_param @ap {starch.module = "audio_projector", starch.layer = "audio_projector"} : tensor<8x8xf32>
  %af = starch.matmul %ah, %ap {starch.module = "audio_projector", starch.layer = "audio_projector"} : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
  %e = starch.read_param @embed {starch.module = "llm"} : tensor<8x8xf32>
  %xe = starch.matmul %x, %e {starch.module = "llm"} : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
  %m1 = starch.add %xe, %vf {starch.module = "llm"} : tensor<4x8xf32>
  %m2 = starch.add %m1, %af {starch.module = "llm"} : tensor<4x8xf32>
  %l0 = starch.read_param @l0 {starch.module = "llm", starch.layer = "layers.0"} : tensor<8x8xf32>
  %h0m = starch.matmul %m2, %l0 {starch.module = "llm", starch.layer = "layers.0"} : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
  %h0 = starch.tanh %h0m {starch.module = "llm", starch.layer = "layers.0"} : tensor<4x8xf32>
  %l1 = starch.read_param @l1 {starch.module = "llm", starch.layer = "layers.1"} : tensor<8x8xf32>
  %h1m = starch.matmul %h0, %l1 {starch.module = "llm", starch.layer = "layers.1"} : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
  %h1 = starch.tanh %h1m {starch.module = "llm", starch.layer = "layers.1"} : tensor<4x8xf32>
  %d = starch.sub %h1, %target : tensor<4x8xf32>
  %sq = starch.mul %d, %d : tensor<4x8xf32>
  %l = starch.reduce sum %sq dims = [0, 1] : tensor<4x8xf32> -> tensor<f32>
  return %l : tensor<f32>
}
