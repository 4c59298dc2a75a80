// RUN: starch-opt %s --starch-autodiff -split-input-file -verify-diagnostics

// The backward ops have no rules of their own (no second derivatives).
func.func @second_order(%logits: tensor<2x4xf32> {starch.differentiable}, %labels: tensor<2xi64>, %dloss: tensor<f32>) -> tensor<2x4xf32> {
  // expected-error @below {{'starch.cross_entropy_grad' op has no gradient rule (GradientOpInterface)}}
  %d = starch.cross_entropy_grad %logits, %labels, %dloss ignore_index = -100 : (tensor<2x4xf32>, tensor<2xi64>, tensor<f32>) -> tensor<2x4xf32>
  return %d : tensor<2x4xf32>
}

// -----

// expected-error @below {{only float results can be differentiated}}
func.func @integer_result(%x: tensor<4xi64>) -> tensor<4xi64> {
  return %x : tensor<4xi64>
}
