// RUN: starch-opt %s -split-input-file -verify-diagnostics

// Contractions, reductions and softmaxes.

func.func @matmul_vector(%a: tensor<8xf32>, %b: tensor<8xf32>) -> tensor<f32> {
  // expected-error @below {{'starch.matmul' op operands have shapes 8 and 8; both need the same rank >= 2}}
  %0 = starch.matmul %a, %b : (tensor<8xf32>, tensor<8xf32>) -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

func.func @matmul_bf16_of_f64(%a: tensor<4x8xf64>, %b: tensor<8x16xf64>) -> tensor<4x16xf64> {
  // expected-error @below {{'starch.matmul' op bf16 rounds f32 tensors; the operands are 'f64'}}
  %0 = starch.matmul %a, %b bf16 : (tensor<4x8xf64>, tensor<8x16xf64>) -> tensor<4x16xf64>
  return %0 : tensor<4x16xf64>
}

// -----

func.func @matmul_ranks_differ(%a: tensor<2x4x8xf32>, %b: tensor<8x16xf32>) -> tensor<2x4x16xf32> {
  // expected-error @below {{'starch.matmul' op operands have shapes 2x4x8 and 8x16; both need the same rank >= 2}}
  %0 = starch.matmul %a, %b : (tensor<2x4x8xf32>, tensor<8x16xf32>) -> tensor<2x4x16xf32>
  return %0 : tensor<2x4x16xf32>
}

// -----

func.func @matmul_batch_differs(%a: tensor<2x4x8xf32>, %b: tensor<1x8x16xf32>) -> tensor<2x4x16xf32> {
  // expected-error @below {{'starch.matmul' op batch dimensions of 2x4x8 and 1x8x16 differ (broadcast explicitly)}}
  %0 = starch.matmul %a, %b : (tensor<2x4x8xf32>, tensor<1x8x16xf32>) -> tensor<2x4x16xf32>
  return %0 : tensor<2x4x16xf32>
}

// -----

func.func @matmul_contraction(%a: tensor<4x8xf32>, %b: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // expected-error @below {{'starch.matmul' op operand #1 has shape 4x8 but the contraction needs 8xN}}
  %0 = starch.matmul %a, %b : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

func.func @matmul_batched_contraction(%a: tensor<2x3x4x8xf32>, %b: tensor<2x3x16x8xf32>) -> tensor<2x3x4x8xf32> {
  // expected-error @below {{'starch.matmul' op operand #1 has shape 2x3x16x8 but the contraction needs 2x3x8xN}}
  %0 = starch.matmul %a, %b : (tensor<2x3x4x8xf32>, tensor<2x3x16x8xf32>) -> tensor<2x3x4x8xf32>
  return %0 : tensor<2x3x4x8xf32>
}

// -----

func.func @matmul_operand_element_types(%a: tensor<4x8xf32>, %b: tensor<8x16xbf16>) -> tensor<4x16xf32> {
  // expected-error @below {{'starch.matmul' op operand #1 has element type 'bf16' but operand #0 has 'f32'}}
  %0 = starch.matmul %a, %b : (tensor<4x8xf32>, tensor<8x16xbf16>) -> tensor<4x16xf32>
  return %0 : tensor<4x16xf32>
}

// -----

func.func @matmul_result_element_type(%a: tensor<4x8xbf16>, %b: tensor<8x16xbf16>) -> tensor<4x16xf32> {
  // expected-error @below {{'starch.matmul' op result has element type 'f32' but operand #0 has 'bf16'}}
  %0 = starch.matmul %a, %b : (tensor<4x8xbf16>, tensor<8x16xbf16>) -> tensor<4x16xf32>
  return %0 : tensor<4x16xf32>
}

// -----

func.func @matmul_result_shape(%a: tensor<4x8xf32>, %b: tensor<8x16xf32>) -> tensor<16x4xf32> {
  // expected-error @below {{'starch.matmul' op result has shape 16x4 but the operands give 4x16}}
  %0 = starch.matmul %a, %b : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<16x4xf32>
  return %0 : tensor<16x4xf32>
}

// -----

func.func @matmul_integers(%a: tensor<4x8xi32>, %b: tensor<8x16xi32>) -> tensor<4x16xi32> {
  // expected-error @below {{'starch.matmul' op operand #0 must be statically shaped tensor of floating-point values, but got 'tensor<4x8xi32>'}}
  %0 = starch.matmul %a, %b : (tensor<4x8xi32>, tensor<8x16xi32>) -> tensor<4x16xi32>
  return %0 : tensor<4x16xi32>
}

// -----

func.func @reduce_dim_out_of_range(%x: tensor<2x3xf32>) -> tensor<2xf32> {
  // expected-error @below {{'starch.reduce' op reduced dimension 2 is outside the dimensions [0, 2) of 2x3}}
  %0 = starch.reduce sum %x dims = [2] : tensor<2x3xf32> -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @reduce_dims_unsorted(%x: tensor<2x3x4xf32>) -> tensor<3xf32> {
  // expected-error @below {{'starch.reduce' op dims [2, 0] must be sorted and unique}}
  %0 = starch.reduce max %x dims = [2, 0] : tensor<2x3x4xf32> -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

func.func @reduce_dims_repeated(%x: tensor<2x3xf32>) -> tensor<2xf32> {
  // expected-error @below {{'starch.reduce' op dims [1, 1] must be sorted and unique}}
  %0 = starch.reduce mean %x dims = [1, 1] : tensor<2x3xf32> -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @reduce_element_type(%x: tensor<2x3xbf16>) -> tensor<2xf32> {
  // expected-error @below {{'starch.reduce' op result has element type 'f32' but the operand has 'bf16'}}
  %0 = starch.reduce sum %x dims = [1] : tensor<2x3xbf16> -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

// Reduced dimensions are removed, not kept as size 1.

func.func @reduce_result_shape(%x: tensor<2x3xf32>) -> tensor<2x1xf32> {
  // expected-error @below {{'starch.reduce' op result has shape 2x1 but removing dims [1] from 2x3 gives 2}}
  %0 = starch.reduce sum %x dims = [1] : tensor<2x3xf32> -> tensor<2x1xf32>
  return %0 : tensor<2x1xf32>
}

// -----

func.func @reduce_kind_unknown(%x: tensor<2x3xf32>) -> tensor<2xf32> {
  // expected-error @below {{expected string or keyword containing one of the following enum values for attribute 'kind' [sum, mean, max, min, prod]}}
  %0 = starch.reduce avg %x dims = [1] : tensor<2x3xf32> -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @cumsum_axis(%x: tensor<2x16xf32>) -> tensor<2x16xf32> {
  // expected-error @below {{'starch.cumsum' op axis 2 is outside the dimensions [0, 2) of 2x16}}
  %0 = starch.cumsum %x axis = 2 : tensor<2x16xf32>
  return %0 : tensor<2x16xf32>
}

// -----

func.func @cumsum_negative_axis(%x: tensor<2x16xi64>) -> tensor<2x16xi64> {
  // expected-error @below {{'starch.cumsum' op axis -1 is outside the dimensions [0, 2) of 2x16}}
  %0 = starch.cumsum %x axis = -1 exclusive : tensor<2x16xi64>
  return %0 : tensor<2x16xi64>
}

// -----

func.func @cumsum_scalar(%x: tensor<f32>) -> tensor<f32> {
  // expected-error @below {{'starch.cumsum' op axis 0 is outside the dimensions [0, 0) of scalar}}
  %0 = starch.cumsum %x axis = 0 : tensor<f32>
  return %0 : tensor<f32>
}

// -----

func.func @cumsum_bool(%x: tensor<8xi1>) -> tensor<8xi1> {
  // expected-error @below {{'starch.cumsum' op input 'tensor<8xi1>' is boolean; prefix sums need integers or floats}}
  %0 = starch.cumsum %x axis = 0 : tensor<8xi1>
  return %0 : tensor<8xi1>
}

// -----

func.func @cumsum_result_type(%x: tensor<8xi64>) -> tensor<8xi32> {
  // expected-error @below {{'starch.cumsum' op requires the same type for all operands and results}}
  %0 = "starch.cumsum"(%x) <{axis = 0 : i64}> : (tensor<8xi64>) -> tensor<8xi32>
  return %0 : tensor<8xi32>
}

// -----

func.func @argmax_axis(%x: tensor<2x16xf32>) -> tensor<2xi64> {
  // expected-error @below {{'starch.argmax' op axis 2 is outside the dimensions [0, 2) of 2x16}}
  %0 = starch.argmax %x axis = 2 : tensor<2x16xf32> -> tensor<2xi64>
  return %0 : tensor<2xi64>
}

// -----

func.func @argmax_result_shape(%x: tensor<2x16xf32>) -> tensor<16xi64> {
  // expected-error @below {{'starch.argmax' op result has shape 16 but removing the axis from 2x16 gives 2}}
  %0 = starch.argmax %x axis = 1 : tensor<2x16xf32> -> tensor<16xi64>
  return %0 : tensor<16xi64>
}

// -----

func.func @argmax_float_result(%x: tensor<2x16xf32>) -> tensor<2xf32> {
  // expected-error @below {{'starch.argmax' op result #0 must be statically shaped tensor of 32-bit signless integer or 64-bit signless integer values, but got 'tensor<2xf32>'}}
  %0 = starch.argmax %x axis = 1 : tensor<2x16xf32> -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @softmax_axis(%x: tensor<2x16xf32>) -> tensor<2x16xf32> {
  // expected-error @below {{'starch.softmax' op axis -1 is outside the dimensions [0, 2) of 2x16}}
  %0 = starch.softmax %x axis = -1 : tensor<2x16xf32>
  return %0 : tensor<2x16xf32>
}

// -----

func.func @log_softmax_axis(%x: tensor<2x16xf32>) -> tensor<2x16xf32> {
  // expected-error @below {{'starch.log_softmax' op axis 2 is outside the dimensions [0, 2) of 2x16}}
  %0 = starch.log_softmax %x axis = 2 : tensor<2x16xf32>
  return %0 : tensor<2x16xf32>
}

// -----

func.func @softmax_result_type(%x: tensor<2x16xf32>) -> tensor<2x16xf16> {
  // expected-error @below {{'starch.softmax' op requires the same type for all operands and results}}
  %0 = "starch.softmax"(%x) <{axis = 1 : i64}> : (tensor<2x16xf32>) -> tensor<2x16xf16>
  return %0 : tensor<2x16xf16>
}

// -----

func.func @softmax_integers(%x: tensor<2x16xi32>) -> tensor<2x16xi32> {
  // expected-error @below {{'starch.softmax' op operand #0 must be statically shaped tensor of floating-point values, but got 'tensor<2x16xi32>'}}
  %0 = starch.softmax %x axis = 1 : tensor<2x16xi32>
  return %0 : tensor<2x16xi32>
}

// -----

func.func @conv_rank(%x: tensor<1x80xf32>, %w: tensor<64x80xf32>) -> tensor<1x64xf32> {
  // expected-error @below {{'starch.conv' op input 1x80 and filter 64x80 need the same rank >= 3 (N x C x spatial...)}}
  %0 = starch.conv %x, %w strides = [] pad_low = [] pad_high = [] dilations = [] groups = 1
      : (tensor<1x80xf32>, tensor<64x80xf32>) -> tensor<1x64xf32>
  return %0 : tensor<1x64xf32>
}

// -----

func.func @conv_filter_rank(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3xf32>) -> tensor<1x4x6xf32> {
  // expected-error @below {{'starch.conv' op input 1x3x8x8 and filter 4x3x3 need the same rank >= 3 (N x C x spatial...)}}
  %0 = starch.conv %x, %w strides = [1] pad_low = [0] pad_high = [0] dilations = [1] groups = 1
      : (tensor<1x3x8x8xf32>, tensor<4x3x3xf32>) -> tensor<1x4x6xf32>
  return %0 : tensor<1x4x6xf32>
}

// -----

func.func @conv_attribute_sizes(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32> {
  // expected-error @below {{'starch.conv' op strides, pad_low, pad_high and dilations need 2 entries each (one per spatial dimension of 1x3x8x8)}}
  %0 = starch.conv %x, %w strides = [1] pad_low = [0, 0] pad_high = [0, 0] dilations = [1, 1] groups = 1
      : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return %0 : tensor<1x4x6x6xf32>
}

// -----

func.func @conv_zero_groups(%x: tensor<1x4x8xf32>, %w: tensor<4x4x3xf32>) -> tensor<1x4x6xf32> {
  // expected-error @below {{'starch.conv' op groups = 0 must divide the input channels (4) and output channels (4)}}
  %0 = starch.conv %x, %w strides = [1] pad_low = [0] pad_high = [0] dilations = [1] groups = 0
      : (tensor<1x4x8xf32>, tensor<4x4x3xf32>) -> tensor<1x4x6xf32>
  return %0 : tensor<1x4x6xf32>
}

// -----

func.func @conv_groups_do_not_divide(%x: tensor<1x4x8xf32>, %w: tensor<6x2x3xf32>) -> tensor<1x6x6xf32> {
  // expected-error @below {{'starch.conv' op groups = 3 must divide the input channels (4) and output channels (6)}}
  %0 = starch.conv %x, %w strides = [1] pad_low = [0] pad_high = [0] dilations = [1] groups = 3
      : (tensor<1x4x8xf32>, tensor<6x2x3xf32>) -> tensor<1x6x6xf32>
  return %0 : tensor<1x6x6xf32>
}

// -----

func.func @conv_channels(%x: tensor<1x3x8x8xf32>, %w: tensor<4x1x3x3xf32>) -> tensor<1x4x6x6xf32> {
  // expected-error @below {{'starch.conv' op filter 4x1x3x3 expects 1 input channels but the input 1x3x8x8 has 3}}
  %0 = starch.conv %x, %w strides = [1, 1] pad_low = [0, 0] pad_high = [0, 0] dilations = [1, 1] groups = 1
      : (tensor<1x3x8x8xf32>, tensor<4x1x3x3xf32>) -> tensor<1x4x6x6xf32>
  return %0 : tensor<1x4x6x6xf32>
}

// -----

func.func @conv_filter_element_type(%x: tensor<1x3x8xf32>, %w: tensor<4x3x3xf16>) -> tensor<1x4x6xf32> {
  // expected-error @below {{'starch.conv' op filter has element type 'f16' but the input has 'f32'}}
  %0 = starch.conv %x, %w strides = [1] pad_low = [0] pad_high = [0] dilations = [1] groups = 1
      : (tensor<1x3x8xf32>, tensor<4x3x3xf16>) -> tensor<1x4x6xf32>
  return %0 : tensor<1x4x6xf32>
}

// -----

func.func @conv_result_element_type(%x: tensor<1x3x8xf32>, %w: tensor<4x3x3xf32>) -> tensor<1x4x6xbf16> {
  // expected-error @below {{'starch.conv' op result has element type 'bf16' but the input has 'f32'}}
  %0 = starch.conv %x, %w strides = [1] pad_low = [0] pad_high = [0] dilations = [1] groups = 1
      : (tensor<1x3x8xf32>, tensor<4x3x3xf32>) -> tensor<1x4x6xbf16>
  return %0 : tensor<1x4x6xbf16>
}

// -----

func.func @conv_zero_stride(%x: tensor<1x3x8xf32>, %w: tensor<4x3x3xf32>) -> tensor<1x4x6xf32> {
  // expected-error @below {{'starch.conv' op strides and dilations must be positive; spatial dimension 0 has stride 0 and dilation 1}}
  %0 = starch.conv %x, %w strides = [0] pad_low = [0] pad_high = [0] dilations = [1] groups = 1
      : (tensor<1x3x8xf32>, tensor<4x3x3xf32>) -> tensor<1x4x6xf32>
  return %0 : tensor<1x4x6xf32>
}

// -----

func.func @conv_window_too_large(%x: tensor<1x3x4x4xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x2x1xf32> {
  // expected-error @below {{'starch.conv' op kernel window 5 exceeds the padded size 4 of spatial dimension 1 of 1x3x4x4}}
  %0 = starch.conv %x, %w strides = [1, 1] pad_low = [0, 0] pad_high = [0, 0] dilations = [1, 2] groups = 1
      : (tensor<1x3x4x4xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x2x1xf32>
  return %0 : tensor<1x4x2x1xf32>
}

// -----

func.func @conv_result_shape(%x: tensor<1x80x100xf32>, %w: tensor<64x80x3xf32>) -> tensor<1x64x100xf32> {
  // expected-error @below {{'starch.conv' op result has shape 1x64x100 but the operands give 1x64x50}}
  %0 = starch.conv %x, %w strides = [2] pad_low = [1] pad_high = [1] dilations = [1] groups = 1
      : (tensor<1x80x100xf32>, tensor<64x80x3xf32>) -> tensor<1x64x100xf32>
  return %0 : tensor<1x64x100xf32>
}
