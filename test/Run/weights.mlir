// Parameters come from the module's starch.weights (relative to the .mlir
// file) or from --weights, as safetensors or ONNX initializers; `source`
// names the stored tensor when it differs from the symbol.
// RUN: rm -rf %t && mkdir -p %t && cp %s %t/model.mlir
// RUN: %python %S/Inputs/npy.py safetensors %t/model.safetensors 'proj.weight@<f4@2,2@1,2,3,4' 'onnx::bias@<f4@2@0.5,-0.5'
// RUN: %python %S/Inputs/npy.py onnx %t/model.onnx 'proj.weight@<f4@2,2@1,0,0,1' 'onnx::bias@<f4@2@1,1'
// RUN: %python %S/Inputs/npy.py write %t/x.npy '<f4' 1,2 1,1
// RUN: starch-run %t/model.mlir %t/x.npy --print | FileCheck %s --check-prefix=SAFE
// RUN: starch-run %t/model.mlir %t/x.npy --weights %t/model.onnx --print | FileCheck %s --check-prefix=ONNX

// [1, 1] x [[1, 2], [3, 4]] + [0.5, -0.5] = [4.5, 5.5]
// SAFE: y: 1x2 f32 mean 5 [4.5, 5.5]
// [1, 1] x identity + [1, 1] = [2, 2]
// ONNX: y: 1x2 f32 mean 2 [2, 2]

module attributes {starch.weights = "model.safetensors"} {
  starch.param @proj.weight : tensor<2x2xf32>
  starch.param @proj.bias {source = "onnx::bias"} : tensor<2xf32>
  func.func @forward(%x: tensor<1x2xf32>) -> (tensor<1x2xf32> {starch.name = "y"}) {
    %w = starch.read_param @proj.weight : tensor<2x2xf32>
    %b = starch.read_param @proj.bias : tensor<2xf32>
    %h = starch.matmul %x, %w : (tensor<1x2xf32>, tensor<2x2xf32>) -> tensor<1x2xf32>
    %bb = starch.broadcast %b dims = [1] : tensor<2xf32> -> tensor<1x2xf32>
    %y = starch.add %h, %bb : tensor<1x2xf32>
    return %y : tensor<1x2xf32>
  }
}
