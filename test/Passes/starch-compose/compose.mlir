// RUN: starch-opt %s --starch-compose | FileCheck %s
// RUN: %python %S/../../Inputs/check_compose.py --bin %starch_bin %s | FileCheck %s --check-prefix=NUM

// One encoder (two inputs per micro-batch, three vectors each, the first
// dropped) with an mlp projector, and an LLM whose token embedding is a
// gather at its ids. The features replace the embeddings at placeholder
// token 9, the LLM's causal attention becomes the bitfield mask of the
// token layout, and every op names its module.

// CHECK: module attributes {starch.modalities = [{encoder = "vision", input = "vision.pixel_values", inputs_per_sequence = 1 : i64, modality = "image", placeholder = 9 : i64, tokens_per_input = 2 : i64}]
// CHECK-DAG: starch.param @vision_projector.multi_modal_projector.linear_1.weight {source = "multi_modal_projector.linear_1.weight", starch.module = "vision_projector"} : tensor<8x4xf32>
// CHECK-DAG: starch.param @vision_projector.multi_modal_projector.linear_2.bias {source = "multi_modal_projector.linear_2.bias", starch.module = "vision_projector"} : tensor<8xf32>
// CHECK-NOT: func.func @vision(
// CHECK-NOT: func.func @llm(
// CHECK-LABEL: func.func @forward(
// CHECK-SAME: %[[IDS:[^:]*]]: tensor<2x6xi64> {starch.name = "input_ids"}, %[[PIX:[^:]*]]: tensor<2x3x4xf32> {starch.name = "vision.pixel_values"}) -> (tensor<2x6x10xf32> {starch.name = "logits"})
// CHECK-SAME: starch.unscored_tokens = array<i64: 9>
// CHECK: starch.tanh
// CHECK: starch.slice {{.*}} start = [0, 1, 0] limit = [2, 3, 4] {{.*}}starch.module = "vision_projector"
// CHECK: starch.gelu {{.*}} approximate = none {{.*}}starch.module = "vision_projector"
// CHECK: %[[PROJ:.*]] = starch.add {{.*}}starch.module = "vision_projector"
// CHECK: %[[TEXT:.*]] = starch.constant dense<3> : tensor<2x6xi64> {starch.module = "llm"}
// CHECK: %[[IMAGE:.*]] = starch.constant dense<2> : tensor<2x6xi64> {starch.module = "llm"}
// CHECK: %[[BITS:.*]] = starch.select {{.*}}, %[[IMAGE]], %[[TEXT]] {starch.module = "llm"}
// CHECK: %[[EMB:.*]] = starch.gather {{.*}}[%[[IDS]]]
// CHECK: %[[IS:.*]] = starch.compare eq, %[[IDS]]
// CHECK: starch.cumsum {{.*}} axis = 0 exclusive
// CHECK: %[[ROWS:.*]] = starch.gather %[[PROJ]]
// CHECK: %[[WHERE:.*]] = starch.broadcast %[[IS]] dims = [0, 1]
// CHECK: starch.select %[[WHERE]], %[[ROWS]], %[[EMB]]
// CHECK: starch.attention {{.*}} bits %[[BITS]] mask = bitfield
// CHECK: return

// NUM: @forward equals the composition computed by hand

module attributes {
  starch.weights = {llm = "llm.safetensors", vision = "vision.safetensors", vision_projector = "vision_projector.safetensors"},
  starch.compose = {llm = "llm", attention_mask = "bitfield", encoders = [
    {name = "vision", modality = "image", output = 0 : i64, drop_first = 1 : i64, features = 2 : i64,
     placeholder = 9 : i64, projector = "mlp", projector_frozen = false}]}} {
  starch.param @vision.w {frozen, source = "w", starch.module = "vision"} : tensor<4x4xf32>
  starch.param @llm.embed {source = "embed", starch.module = "llm"} : tensor<10x8xf32>
  starch.param @llm.head {source = "head", starch.module = "llm"} : tensor<8x10xf32>
  func.func @vision(%x: tensor<2x3x4xf32> {starch.name = "pixel_values"}) -> (tensor<2x3x4xf32> {starch.name = "last_hidden_state"}) {
    %w = starch.read_param @vision.w : tensor<4x4xf32>
    %wb = starch.broadcast %w dims = [1, 2] : tensor<4x4xf32> -> tensor<2x4x4xf32>
    %y = starch.matmul %x, %wb : (tensor<2x3x4xf32>, tensor<2x4x4xf32>) -> tensor<2x3x4xf32>
    %t = starch.tanh %y : tensor<2x3x4xf32>
    return %t : tensor<2x3x4xf32>
  }
  func.func @llm(%ids: tensor<2x6xi64> {starch.name = "input_ids"}) -> (tensor<2x6x10xf32> {starch.name = "logits"}) {
    %e = starch.read_param @llm.embed : tensor<10x8xf32>
    %h = starch.gather %e[%ids] axis = 0 : (tensor<10x8xf32>, tensor<2x6xi64>) -> tensor<2x6x8xf32>
    %heads = starch.reshape %h : tensor<2x6x8xf32> -> tensor<2x6x2x4xf32>
    %q = starch.transpose %heads perm = [0, 2, 1, 3] : tensor<2x6x2x4xf32> -> tensor<2x2x6x4xf32>
    %a = starch.attention %q, %q, %q mask = causal scale = 0.5 : (tensor<2x2x6x4xf32>, tensor<2x2x6x4xf32>, tensor<2x2x6x4xf32>) -> tensor<2x2x6x4xf32>
    %back = starch.transpose %a perm = [0, 2, 1, 3] : tensor<2x2x6x4xf32> -> tensor<2x6x2x4xf32>
    %o = starch.reshape %back : tensor<2x6x2x4xf32> -> tensor<2x6x8xf32>
    %w = starch.read_param @llm.head : tensor<8x10xf32>
    %wb = starch.broadcast %w dims = [1, 2] : tensor<8x10xf32> -> tensor<2x8x10xf32>
    %logits = starch.matmul %o, %wb : (tensor<2x6x8xf32>, tensor<2x8x10xf32>) -> tensor<2x6x10xf32>
    return %logits : tensor<2x6x10xf32>
  }
}
