// Gradients of starch.attention with mask = bitfield (through
// starch.attention_grad) against central finite differences in f64 (h 1e-6,
// rtol 1e-5, atol 1e-7), for the query, key and value. The mask words are
// constants: text (bit 0 and both modality bits, 7), image (bit 1, 2; one
// with bit 62 set too, which the rule ignores), audio (bit 2, 4) and padding
// (0), whose output row is 0 whatever the inputs, so its gradients are 0.
// RUN: %python %S/../../Inputs/check_gradients.py --bin %starch_bin --h 1e-6 --rtol 1e-5 --atol 1e-7 %s | FileCheck %s
// CHECK: all gradients match

// Two sequences, 2 query heads per key/value head.
func.func @attention_bitfield_gqa(%q: tensor<2x2x5x2xf64>, %k: tensor<2x1x5x2xf64>, %v: tensor<2x1x5x2xf64>) -> tensor<2x2x5x2xf64> {
  %bits = starch.constant dense<[[7, 2, 2, 7, 0], [4611686018427387906, 7, 0, 4, 7]]> : tensor<2x5xi64>
  %a = starch.attention %q, %k, %v bits %bits mask = bitfield scale = 0.7 : (tensor<2x2x5x2xf64>, tensor<2x1x5x2xf64>, tensor<2x1x5x2xf64>, tensor<2x5xi64>) -> tensor<2x2x5x2xf64>
  %i = starch.iota dim = 2 : tensor<2x2x5x2xf64>
  %y = starch.mul %a, %a : tensor<2x2x5x2xf64>
  %z = starch.mul %y, %i : tensor<2x2x5x2xf64>
  %w = starch.add %z, %a : tensor<2x2x5x2xf64>
  return %w : tensor<2x2x5x2xf64>
}

// One sequence where an image token comes after text that cannot see it,
// and audio tokens around padding in the middle.
func.func @attention_bitfield_interleaved(%q: tensor<1x1x7x3xf64>, %k: tensor<1x1x7x3xf64>, %v: tensor<1x1x7x3xf64>) -> tensor<1x1x7x3xf64> {
  %bits = starch.constant dense<[[7, 4, 0, 4, 7, 2, 7]]> : tensor<1x7xi64>
  %a = starch.attention %q, %k, %v bits %bits mask = bitfield scale = 0.5 : (tensor<1x1x7x3xf64>, tensor<1x1x7x3xf64>, tensor<1x1x7x3xf64>, tensor<1x7xi64>) -> tensor<1x1x7x3xf64>
  %y = starch.mul %a, %a : tensor<1x1x7x3xf64>
  return %y : tensor<1x1x7x3xf64>
}
