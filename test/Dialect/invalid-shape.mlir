// RUN: starch-opt %s -split-input-file -verify-diagnostics

// Shape and data-movement ops.

func.func @broadcast_dims_count(%x: tensor<4x8xf32>) -> tensor<2x4x8xf32> {
  // expected-error @below {{'starch.broadcast' op dims [2] has 1 entries but the operand 4x8 has rank 2}}
  %0 = starch.broadcast %x dims = [2] : tensor<4x8xf32> -> tensor<2x4x8xf32>
  return %0 : tensor<2x4x8xf32>
}

// -----

func.func @broadcast_element_type(%x: tensor<8xf32>) -> tensor<4x8xf16> {
  // expected-error @below {{'starch.broadcast' op result has element type 'f16' but the operand has 'f32'}}
  %0 = starch.broadcast %x dims = [1] : tensor<8xf32> -> tensor<4x8xf16>
  return %0 : tensor<4x8xf16>
}

// -----

func.func @broadcast_dims_out_of_range(%x: tensor<8xf32>) -> tensor<4x8xf32> {
  // expected-error @below {{'starch.broadcast' op dims entry 2 is outside the dimensions [0, 2) of 4x8}}
  %0 = starch.broadcast %x dims = [2] : tensor<8xf32> -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

func.func @broadcast_dims_not_increasing(%x: tensor<4x8xf32>) -> tensor<8x4xf32> {
  // expected-error @below {{'starch.broadcast' op dims [1, 0] must be strictly increasing}}
  %0 = starch.broadcast %x dims = [1, 0] : tensor<4x8xf32> -> tensor<8x4xf32>
  return %0 : tensor<8x4xf32>
}

// -----

func.func @broadcast_size(%x: tensor<3xf32>) -> tensor<4x8xf32> {
  // expected-error @below {{'starch.broadcast' op operand dimension 0 (size 3) cannot broadcast to result dimension 1 (size 8) of 4x8}}
  %0 = starch.broadcast %x dims = [1] : tensor<3xf32> -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

func.func @reshape_element_count(%x: tensor<4x8xf32>) -> tensor<4x4xf32> {
  // expected-error @below {{'starch.reshape' op cannot reshape 4x8 (32 elements) into 4x4 (16 elements)}}
  %0 = starch.reshape %x : tensor<4x8xf32> -> tensor<4x4xf32>
  return %0 : tensor<4x4xf32>
}

// -----

func.func @reshape_element_type(%x: tensor<4x8xf32>) -> tensor<32xi32> {
  // expected-error @below {{'starch.reshape' op result has element type 'i32' but the operand has 'f32'}}
  %0 = starch.reshape %x : tensor<4x8xf32> -> tensor<32xi32>
  return %0 : tensor<32xi32>
}

// -----

func.func @transpose_perm_size(%x: tensor<4x8xf32>) -> tensor<8x4xf32> {
  // expected-error @below {{'starch.transpose' op perm [1, 0, 2] has 3 entries but the operand 4x8 has rank 2}}
  %0 = starch.transpose %x perm = [1, 0, 2] : tensor<4x8xf32> -> tensor<8x4xf32>
  return %0 : tensor<8x4xf32>
}

// -----

func.func @transpose_perm_out_of_range(%x: tensor<4x8xf32>) -> tensor<8x4xf32> {
  // expected-error @below {{'starch.transpose' op perm [2, 0] is not a permutation of [0, 2)}}
  %0 = starch.transpose %x perm = [2, 0] : tensor<4x8xf32> -> tensor<8x4xf32>
  return %0 : tensor<8x4xf32>
}

// -----

func.func @transpose_perm_repeated(%x: tensor<4x8xf32>) -> tensor<4x4xf32> {
  // expected-error @below {{'starch.transpose' op perm [0, 0] is not a permutation of [0, 2)}}
  %0 = starch.transpose %x perm = [0, 0] : tensor<4x8xf32> -> tensor<4x4xf32>
  return %0 : tensor<4x4xf32>
}

// -----

func.func @transpose_element_type(%x: tensor<4x8xf32>) -> tensor<8x4xbf16> {
  // expected-error @below {{'starch.transpose' op result has element type 'bf16' but the operand has 'f32'}}
  %0 = starch.transpose %x perm = [1, 0] : tensor<4x8xf32> -> tensor<8x4xbf16>
  return %0 : tensor<8x4xbf16>
}

// -----

func.func @transpose_result_shape(%x: tensor<2x4x8xf32>) -> tensor<2x4x8xf32> {
  // expected-error @below {{'starch.transpose' op result has shape 2x4x8 but transposing 2x4x8 by [0, 2, 1] gives 2x8x4}}
  %0 = starch.transpose %x perm = [0, 2, 1] : tensor<2x4x8xf32> -> tensor<2x4x8xf32>
  return %0 : tensor<2x4x8xf32>
}

// -----

func.func @concat_nothing() -> tensor<0xf32> {
  // expected-error @below {{'starch.concat' op needs at least one operand}}
  %0 = "starch.concat"() <{axis = 0 : i64}> : () -> tensor<0xf32>
  return %0 : tensor<0xf32>
}

// -----

func.func @concat_axis(%a: tensor<2x3xf32>) -> tensor<2x6xf32> {
  // expected-error @below {{'starch.concat' op axis 2 is outside the dimensions [0, 2) of 2x3}}
  %0 = starch.concat %a, %a axis = 2 : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x6xf32>
  return %0 : tensor<2x6xf32>
}

// -----

func.func @concat_operand_element_type(%a: tensor<2x3xf32>, %b: tensor<2x3xf16>) -> tensor<2x6xf32> {
  // expected-error @below {{'starch.concat' op operand #1 has element type 'f16' but operand #0 has 'f32'}}
  %0 = starch.concat %a, %b axis = 1 : (tensor<2x3xf32>, tensor<2x3xf16>) -> tensor<2x6xf32>
  return %0 : tensor<2x6xf32>
}

// -----

func.func @concat_rank(%a: tensor<2x3xf32>, %b: tensor<2x3x1xf32>) -> tensor<2x6xf32> {
  // expected-error @below {{'starch.concat' op operand #1 has shape 2x3x1 (rank 3) but operand #0 has shape 2x3 (rank 2)}}
  %0 = starch.concat %a, %b axis = 1 : (tensor<2x3xf32>, tensor<2x3x1xf32>) -> tensor<2x6xf32>
  return %0 : tensor<2x6xf32>
}

// -----

func.func @concat_other_dimension(%a: tensor<2x3xf32>, %b: tensor<4x3xf32>) -> tensor<2x6xf32> {
  // expected-error @below {{'starch.concat' op operand #1 has shape 4x3 but operand #0 has 2x3; they may differ only in dimension 1}}
  %0 = starch.concat %a, %b axis = 1 : (tensor<2x3xf32>, tensor<4x3xf32>) -> tensor<2x6xf32>
  return %0 : tensor<2x6xf32>
}

// -----

func.func @concat_result_element_type(%a: tensor<2x3xf32>) -> tensor<2x6xf16> {
  // expected-error @below {{'starch.concat' op result has element type 'f16' but operand #0 has 'f32'}}
  %0 = starch.concat %a, %a axis = 1 : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x6xf16>
  return %0 : tensor<2x6xf16>
}

// -----

func.func @concat_result_shape(%a: tensor<2x3xf32>, %b: tensor<2x5xf32>) -> tensor<2x6xf32> {
  // expected-error @below {{'starch.concat' op result has shape 2x6 but the operands give 2x8}}
  %0 = starch.concat %a, %b axis = 1 : (tensor<2x3xf32>, tensor<2x5xf32>) -> tensor<2x6xf32>
  return %0 : tensor<2x6xf32>
}

// -----

func.func @slice_entry_counts(%x: tensor<4x8xf32>) -> tensor<4x4xf32> {
  // expected-error @below {{'starch.slice' op start, limit and strides need 2 entries each (the rank of 4x8), got 2, 2 and 1}}
  %0 = starch.slice %x start = [0, 0] limit = [4, 4] strides = [1] : tensor<4x8xf32> -> tensor<4x4xf32>
  return %0 : tensor<4x4xf32>
}

// -----

func.func @slice_zero_stride(%x: tensor<4x8xf32>) -> tensor<4x4xf32> {
  // expected-error @below {{'starch.slice' op stride of dimension 1 is 0}}
  %0 = starch.slice %x start = [0, 0] limit = [4, 4] strides = [1, 0] : tensor<4x8xf32> -> tensor<4x4xf32>
  return %0 : tensor<4x4xf32>
}

// -----

func.func @slice_window_past_the_end(%x: tensor<4x8xf32>) -> tensor<4x4xf32> {
  // expected-error @below {{'starch.slice' op window [6:10:1] leaves dimension 1 of 4x8}}
  %0 = starch.slice %x start = [0, 6] limit = [4, 10] strides = [1, 1] : tensor<4x8xf32> -> tensor<4x4xf32>
  return %0 : tensor<4x4xf32>
}

// -----

func.func @slice_reverse_past_the_start(%x: tensor<4x8xf32>) -> tensor<5x8xf32> {
  // expected-error @below {{'starch.slice' op window [3:-2:-1] leaves dimension 0 of 4x8}}
  %0 = starch.slice %x start = [3, 0] limit = [-2, 8] strides = [-1, 1] : tensor<4x8xf32> -> tensor<5x8xf32>
  return %0 : tensor<5x8xf32>
}

// -----

func.func @slice_element_type(%x: tensor<4x8xf32>) -> tensor<4x4xi8> {
  // expected-error @below {{'starch.slice' op result has element type 'i8' but the operand has 'f32'}}
  %0 = starch.slice %x start = [0, 0] limit = [4, 4] strides = [1, 1] : tensor<4x8xf32> -> tensor<4x4xi8>
  return %0 : tensor<4x4xi8>
}

// -----

func.func @slice_result_shape(%x: tensor<4x8xf32>) -> tensor<4x3xf32> {
  // expected-error @below {{'starch.slice' op result has shape 4x3 but the window gives 4x4}}
  %0 = starch.slice %x start = [0, 0] limit = [4, 8] strides = [1, 2] : tensor<4x8xf32> -> tensor<4x3xf32>
  return %0 : tensor<4x3xf32>
}

// -----

func.func @pad_entry_counts(%x: tensor<4x8xf32>) -> tensor<4x10xf32> {
  // expected-error @below {{'starch.pad' op low and high need 2 entries each (the rank of 4x8), got 1 and 2}}
  %0 = starch.pad %x low = [1] high = [0, 1] value = 0.0 : tensor<4x8xf32> -> tensor<4x10xf32>
  return %0 : tensor<4x10xf32>
}

// -----

func.func @pad_negative_size(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // expected-error @below {{'starch.pad' op padding dimension 0 of 4x8 by low -3 and high -2 leaves a negative size -1}}
  %0 = starch.pad %x low = [-3, 0] high = [-2, 0] value = 0.0 : tensor<4x8xf32> -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

func.func @pad_element_type(%x: tensor<4x8xf32>) -> tensor<4x10xi1> {
  // expected-error @below {{'starch.pad' op result has element type 'i1' but the operand has 'f32'}}
  %0 = starch.pad %x low = [0, 1] high = [0, 1] value = 0.0 : tensor<4x8xf32> -> tensor<4x10xi1>
  return %0 : tensor<4x10xi1>
}

// -----

func.func @pad_result_shape(%x: tensor<4x8xf32>) -> tensor<4x9xf32> {
  // expected-error @below {{'starch.pad' op result has shape 4x9 but the padding gives 4x10}}
  %0 = starch.pad %x low = [0, 1] high = [0, 1] value = 0.0 : tensor<4x8xf32> -> tensor<4x9xf32>
  return %0 : tensor<4x9xf32>
}

// -----

func.func @gather_axis(%t: tensor<128x64xf32>, %i: tensor<2xi64>) -> tensor<2x64xf32> {
  // expected-error @below {{'starch.gather' op axis 2 is outside the dimensions [0, 2) of 128x64}}
  %0 = starch.gather %t[%i] axis = 2 : (tensor<128x64xf32>, tensor<2xi64>) -> tensor<2x64xf32>
  return %0 : tensor<2x64xf32>
}

// -----

func.func @gather_padding_idx(%t: tensor<128x64xf32>, %i: tensor<2xi64>) -> tensor<2x64xf32> {
  // expected-error @below {{'starch.gather' op padding_idx 128 is outside [0, 128) (dimension 0 of the data)}}
  %0 = starch.gather %t[%i] axis = 0 {padding_idx = 128 : i64} : (tensor<128x64xf32>, tensor<2xi64>) -> tensor<2x64xf32>
  return %0 : tensor<2x64xf32>
}

// -----

func.func @gather_element_type(%t: tensor<128x64xf32>, %i: tensor<2xi64>) -> tensor<2x64xf16> {
  // expected-error @below {{'starch.gather' op result has element type 'f16' but the data has 'f32'}}
  %0 = starch.gather %t[%i] axis = 0 : (tensor<128x64xf32>, tensor<2xi64>) -> tensor<2x64xf16>
  return %0 : tensor<2x64xf16>
}

// -----

func.func @gather_result_shape(%t: tensor<128x64xf32>, %i: tensor<2x16xi64>) -> tensor<32x64xf32> {
  // expected-error @below {{'starch.gather' op result has shape 32x64 but data.shape[:axis] + indices.shape + data.shape[axis+1:] is 2x16x64}}
  %0 = starch.gather %t[%i] axis = 0 : (tensor<128x64xf32>, tensor<2x16xi64>) -> tensor<32x64xf32>
  return %0 : tensor<32x64xf32>
}

// -----

func.func @gather_float_indices(%t: tensor<128x64xf32>, %i: tensor<2xf32>) -> tensor<2x64xf32> {
  // expected-error @below {{'starch.gather' op operand #1 must be statically shaped tensor of 32-bit signless integer or 64-bit signless integer values, but got 'tensor<2xf32>'}}
  %0 = starch.gather %t[%i] axis = 0 : (tensor<128x64xf32>, tensor<2xf32>) -> tensor<2x64xf32>
  return %0 : tensor<2x64xf32>
}

// -----

func.func @gather_bool_indices(%t: tensor<128x64xf32>, %i: tensor<2xi1>) -> tensor<2x64xf32> {
  // expected-error @below {{'starch.gather' op operand #1 must be statically shaped tensor of 32-bit signless integer or 64-bit signless integer values, but got 'tensor<2xi1>'}}
  %0 = starch.gather %t[%i] axis = 0 : (tensor<128x64xf32>, tensor<2xi1>) -> tensor<2x64xf32>
  return %0 : tensor<2x64xf32>
}

// -----

func.func @scatter_add_updates_shape(%dy: tensor<2x8x64xf32>, %ids: tensor<2x16xi64>) -> tensor<128x64xf32> {
  // expected-error @below {{'starch.scatter_add' op updates have shape 2x8x64; result.shape[:axis] + indices.shape + result.shape[axis+1:] is 2x16x64}}
  %d = starch.scatter_add %dy[%ids] axis = 0 : (tensor<2x8x64xf32>, tensor<2x16xi64>) -> tensor<128x64xf32>
  return %d : tensor<128x64xf32>
}
