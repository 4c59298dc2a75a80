// RUN: starch-opt %s "--starch-context-parallel=cp=2" | FileCheck %s
// RUN: not starch-opt %s "--starch-context-parallel=cp=2 strategy=spiral" 2>&1 | FileCheck %s --check-prefix=STRATEGY
// The whole step with the tokens shared by 2 or 4 ranks (and with tensor
// parallelism inside each) against one process: same loss, norms and
// updated weights. Every rank gets the same micro-batches; the context
// ranks are the optimizer's replicas.
// RUN: %python %S/../../Inputs/check_pass_numerics.py --bin %starch_bin --ranks 2 --functions train_step --before="--pass-pipeline=builtin.module(starch-autodiff{functions=loss},starch-optimizer{micro-batches=2})" %s -- "--pass-pipeline=builtin.module(starch-context-parallel{cp=2},starch-autodiff{functions=loss},starch-optimizer{micro-batches=2 data-parallel=2})"
// RUN: %python %S/../../Inputs/check_pass_numerics.py --bin %starch_bin --ranks 4 --functions train_step --before="--pass-pipeline=builtin.module(starch-autodiff{functions=loss},starch-optimizer{micro-batches=2})" %s -- "--pass-pipeline=builtin.module(starch-context-parallel{cp=4 strategy=zigzag block=2},starch-autodiff{functions=loss},starch-optimizer{micro-batches=2 data-parallel=4})"
// RUN: %python %S/../../Inputs/check_pass_numerics.py --bin %starch_bin --ranks 4 --functions train_step --before="--pass-pipeline=builtin.module(starch-autodiff{functions=loss},starch-optimizer{micro-batches=2})" %s -- "--pass-pipeline=builtin.module(starch-tensor-parallel{tp=2 replicas=2},starch-context-parallel{cp=2 tp=2},starch-autodiff{functions=loss},starch-optimizer{micro-batches=2 data-parallel=2 replica-ranks=2})"

// One layer of a Llama-style LLM under the bitfield mask (random mask
// words: text, a modality, padding), 16 tokens, and the causal-LM loss.
// CHECK: module attributes {starch.context_parallel = 2 : i64}
// CHECK-LABEL: func.func @loss(
// The tokens are dealt from the mask words; this rank takes its 8.
// CHECK: %[[ORDER:.*]], %[[INVERSE:.*]] = starch.token_distribution %arg1 parts = 2 block = 4 strategy = makespan : tensor<2x16xi64> -> tensor<16xi64>
// CHECK: %[[MINE:.*]] = starch.local_block %[[ORDER]] dim = 0 groups = [array<i64: 0, 1>] : tensor<16xi64> -> tensor<8xi64>
// The input and the rotary tables enter at this rank's positions.
// CHECK: starch.gather %arg0[%[[MINE]]] axis = 1 : (tensor<2x16x8xf32>, tensor<8xi64>) -> tensor<2x8x8xf32>
// CHECK: starch.rms_norm {{.*}} -> tensor<2x8x8xf32>
// CHECK: starch.matmul {{.*}} -> tensor<16x8xf32>
// CHECK: starch.gather %{{.*}}[%[[MINE]]] axis = 1 : (tensor<1x16x4xf32>, tensor<8xi64>) -> tensor<1x8x4xf32>
// CHECK: starch.rope {{.*}} -> tensor<2x2x8x4xf32>
// Every rank's keys and values, back in token order; the queries placed.
// CHECK: %[[K:.*]] = starch.all_gather %{{.*}} dim = 2 groups = [array<i64: 0, 1>] {starch.layer = "layers.0"} : tensor<2x2x8x4xf32> -> tensor<2x2x16x4xf32>
// CHECK: starch.gather %[[K]][%[[INVERSE]]] axis = 2
// CHECK: starch.all_gather
// CHECK: starch.attention {{.*}} bits %arg1 positions %[[MINE]] mask = bitfield {{.*}} : (tensor<2x2x8x4xf32>, tensor<2x2x16x4xf32>, tensor<2x2x16x4xf32>, tensor<2x16xi64>, tensor<8xi64>) -> tensor<2x2x8x4xf32>
// The labels are shifted whole, then cut; the rank's loss is weighted by
// its share of the scored labels.
// CHECK: %[[SHIFTED:.*]] = starch.concat {{.*}} axis = 1 : (tensor<2x15xi64>, tensor<2x1xi64>) -> tensor<2x16xi64>
// CHECK: %[[OWN:.*]] = starch.gather %[[SHIFTED]][%[[MINE]]] axis = 1
// CHECK: starch.cross_entropy %{{.*}}, %[[OWN]] ignore_index = -100 : (tensor<2x8x8xf32>, tensor<2x8xi64>) -> tensor<f32>
// CHECK: starch.reduce sum
// CHECK: return

// STRATEGY: strategy 'spiral' is not makespan, uniform or zigzag
starch.param @norm : tensor<8xf32>
starch.param @wq : tensor<8x8xf32>
starch.param @wk : tensor<8x8xf32>
starch.param @wv : tensor<8x8xf32>
starch.param @wo : tensor<8x8xf32>
starch.param @cos {frozen} : tensor<1x16x4xf32>
starch.param @sin {frozen} : tensor<1x16x4xf32>
starch.param @head : tensor<8x8xf32>
func.func @loss(%h: tensor<2x16x8xf32> {starch.name = "embeds"}, %bits: tensor<2x16xi64> {starch.name = "mask"}, %labels: tensor<2x16xi64> {starch.name = "labels"}) -> (tensor<f32> {starch.name = "loss"}) {
  %cos = starch.read_param @cos : tensor<1x16x4xf32>
  %sin = starch.read_param @sin : tensor<1x16x4xf32>
  %nw = starch.read_param @norm {starch.layer = "layers.0"} : tensor<8xf32>
  %n = starch.rms_norm %h, %nw epsilon = 1.0e-6 {starch.layer = "layers.0"} : (tensor<2x16x8xf32>, tensor<8xf32>) -> tensor<2x16x8xf32>
  %flat = starch.reshape %n {starch.layer = "layers.0"} : tensor<2x16x8xf32> -> tensor<32x8xf32>
  %wq = starch.read_param @wq {starch.layer = "layers.0"} : tensor<8x8xf32>
  %q0 = starch.matmul %flat, %wq {starch.layer = "layers.0"} : (tensor<32x8xf32>, tensor<8x8xf32>) -> tensor<32x8xf32>
  %q1 = starch.reshape %q0 {starch.layer = "layers.0"} : tensor<32x8xf32> -> tensor<2x16x2x4xf32>
  %q2 = starch.transpose %q1 perm = [0, 2, 1, 3] {starch.layer = "layers.0"} : tensor<2x16x2x4xf32> -> tensor<2x2x16x4xf32>
  %wk = starch.read_param @wk {starch.layer = "layers.0"} : tensor<8x8xf32>
  %k0 = starch.matmul %flat, %wk {starch.layer = "layers.0"} : (tensor<32x8xf32>, tensor<8x8xf32>) -> tensor<32x8xf32>
  %k1 = starch.reshape %k0 {starch.layer = "layers.0"} : tensor<32x8xf32> -> tensor<2x16x2x4xf32>
  %k2 = starch.transpose %k1 perm = [0, 2, 1, 3] {starch.layer = "layers.0"} : tensor<2x16x2x4xf32> -> tensor<2x2x16x4xf32>
  %wv = starch.read_param @wv {starch.layer = "layers.0"} : tensor<8x8xf32>
  %v0 = starch.matmul %flat, %wv {starch.layer = "layers.0"} : (tensor<32x8xf32>, tensor<8x8xf32>) -> tensor<32x8xf32>
  %v1 = starch.reshape %v0 {starch.layer = "layers.0"} : tensor<32x8xf32> -> tensor<2x16x2x4xf32>
  %v2 = starch.transpose %v1 perm = [0, 2, 1, 3] {starch.layer = "layers.0"} : tensor<2x16x2x4xf32> -> tensor<2x2x16x4xf32>
  %cb = starch.broadcast %cos dims = [0, 1, 2] {starch.layer = "layers.0"} : tensor<1x16x4xf32> -> tensor<2x16x4xf32>
  %sb = starch.broadcast %sin dims = [0, 1, 2] {starch.layer = "layers.0"} : tensor<1x16x4xf32> -> tensor<2x16x4xf32>
  %qr = starch.rope %q2, %cb, %sb {starch.layer = "layers.0"} : (tensor<2x2x16x4xf32>, tensor<2x16x4xf32>, tensor<2x16x4xf32>) -> tensor<2x2x16x4xf32>
  %kr = starch.rope %k2, %cb, %sb {starch.layer = "layers.0"} : (tensor<2x2x16x4xf32>, tensor<2x16x4xf32>, tensor<2x16x4xf32>) -> tensor<2x2x16x4xf32>
  %a = starch.attention %qr, %kr, %v2 bits %bits mask = bitfield scale = 0.5 {starch.layer = "layers.0"} : (tensor<2x2x16x4xf32>, tensor<2x2x16x4xf32>, tensor<2x2x16x4xf32>, tensor<2x16xi64>) -> tensor<2x2x16x4xf32>
  %a1 = starch.transpose %a perm = [0, 2, 1, 3] {starch.layer = "layers.0"} : tensor<2x2x16x4xf32> -> tensor<2x16x2x4xf32>
  %a2 = starch.reshape %a1 {starch.layer = "layers.0"} : tensor<2x16x2x4xf32> -> tensor<32x8xf32>
  %wo = starch.read_param @wo {starch.layer = "layers.0"} : tensor<8x8xf32>
  %o0 = starch.matmul %a2, %wo {starch.layer = "layers.0"} : (tensor<32x8xf32>, tensor<8x8xf32>) -> tensor<32x8xf32>
  %o1 = starch.reshape %o0 {starch.layer = "layers.0"} : tensor<32x8xf32> -> tensor<2x16x8xf32>
  %r = starch.add %h, %o1 {starch.layer = "layers.0"} : tensor<2x16x8xf32>
  %hw = starch.read_param @head : tensor<8x8xf32>
  %rf = starch.reshape %r : tensor<2x16x8xf32> -> tensor<32x8xf32>
  %l0 = starch.matmul %rf, %hw : (tensor<32x8xf32>, tensor<8x8xf32>) -> tensor<32x8xf32>
  %logits = starch.reshape %l0 : tensor<32x8xf32> -> tensor<2x16x8xf32>
  %ls = starch.slice %logits start = [0, 0, 0] limit = [2, 15, 8] strides = [1, 1, 1] : tensor<2x16x8xf32> -> tensor<2x15x8xf32>
  %ts = starch.slice %labels start = [0, 1] limit = [2, 16] strides = [1, 1] : tensor<2x16xi64> -> tensor<2x15xi64>
  %loss = starch.cross_entropy %ls, %ts ignore_index = -100 : (tensor<2x15x8xf32>, tensor<2x15xi64>) -> tensor<f32>
  return %loss : tensor<f32>
}
