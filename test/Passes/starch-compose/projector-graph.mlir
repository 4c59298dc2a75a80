// RUN: starch-opt %s --starch-compose | FileCheck %s
// RUN: %python -c "import sys; sys.stdout.write(open(sys.argv[1]).read().replace('4x8xf32', '4x6xf32').replace('2x2x8xf32', '2x2x6xf32'))" %s | not starch-opt --starch-compose 2>&1 | FileCheck %s --check-prefix=SHAPE

// A projector given as a graph (model.json projector.type = "onnx"): the
// function @vision_projector, imported from the projector's ONNX file, is
// inlined after drop_first, its ops tagged with the projector's module, and
// its output rows replace the placeholder embeddings as a built-in
// projector's would. The function itself is gone afterwards.

// CHECK-NOT: func.func @vision_projector(
// CHECK-LABEL: func.func @forward(
// CHECK: starch.slice {{.*}} start = [0, 1, 0] limit = [2, 3, 4] {{.*}}starch.module = "vision_projector"
// CHECK: starch.read_param @vision_projector.p {{.*}}starch.module = "vision_projector"
// CHECK: starch.matmul {{.*}}starch.module = "vision_projector"
// CHECK: %[[ROWS:.*]] = starch.reshape {{.*}} {starch.layer = "vision_projector", starch.module = "vision_projector"} : tensor<2x2x8xf32> -> tensor<4x8xf32>
// CHECK: starch.gather %[[ROWS]]
// CHECK-NOT: func.func @vision_projector(

// SHAPE: error: starch-compose: projector graph of encoder 'vision' maps 'tensor<2x2x4xf32>' to 'tensor<2x2x6xf32>'; it must take the 4 feature vectors of width 4 (N x F x 4 or 4 x 4, 'f32') and give the LLM's hidden size 8 for each (set projector.input_shapes for symbolic sizes)

module attributes {
  starch.weights = {llm = "llm.safetensors", vision = "vision.safetensors", vision_projector = "projector.onnx"},
  starch.compose = {llm = "llm", attention_mask = "bitfield", encoders = [
    {name = "vision", modality = "image", output = 0 : i64, drop_first = 1 : i64, features = 2 : i64,
     placeholder = 9 : i64, projector = "onnx", projector_frozen = false}]}} {
  starch.param @vision.w {frozen, source = "w", starch.module = "vision"} : tensor<4x4xf32>
  starch.param @vision_projector.p {source = "p", starch.module = "vision_projector"} : tensor<4x8xf32>
  starch.param @llm.embed {source = "embed", starch.module = "llm"} : tensor<10x8xf32>
  starch.param @llm.head {source = "head", starch.module = "llm"} : tensor<8x10xf32>
  func.func @vision(%x: tensor<2x3x4xf32> {starch.name = "pixel_values"}) -> (tensor<2x3x4xf32> {starch.name = "last_hidden_state"}) {
    %w = starch.read_param @vision.w : tensor<4x4xf32>
    %wb = starch.broadcast %w dims = [1, 2] : tensor<4x4xf32> -> tensor<2x4x4xf32>
    %y = starch.matmul %x, %wb : (tensor<2x3x4xf32>, tensor<2x4x4xf32>) -> tensor<2x3x4xf32>
    return %y : tensor<2x3x4xf32>
  }
  func.func @vision_projector(%f: tensor<2x2x4xf32> {starch.name = "features"}) -> (tensor<2x2x8xf32> {starch.name = "projected"}) {
    %p = starch.read_param @vision_projector.p {starch.module = "vision_projector"} : tensor<4x8xf32>
    %pb = starch.broadcast %p dims = [1, 2] {starch.module = "vision_projector"} : tensor<4x8xf32> -> tensor<2x4x8xf32>
    %y = starch.matmul %f, %pb : (tensor<2x2x4xf32>, tensor<2x4x8xf32>) -> tensor<2x2x8xf32>
    return %y : tensor<2x2x8xf32>
  }
  func.func @llm(%ids: tensor<2x6xi64> {starch.name = "input_ids"}) -> (tensor<2x6x10xf32> {starch.name = "logits"}) {
    %e = starch.read_param @llm.embed : tensor<10x8xf32>
    %h = starch.gather %e[%ids] axis = 0 : (tensor<10x8xf32>, tensor<2x6xi64>) -> tensor<2x6x8xf32>
    %w = starch.read_param @llm.head : tensor<8x10xf32>
    %wb = starch.broadcast %w dims = [1, 2] : tensor<8x10xf32> -> tensor<2x8x10xf32>
    %logits = starch.matmul %h, %wb : (tensor<2x6x8xf32>, tensor<2x8x10xf32>) -> tensor<2x6x10xf32>
    return %logits : tensor<2x6x10xf32>
  }
}
