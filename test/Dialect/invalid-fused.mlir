// RUN: starch-opt %s -split-input-file -verify-diagnostics

// The fused ops: rms_norm, layer_norm, rope, attention.

func.func @rms_norm_scalar(%x: tensor<f32>, %w: tensor<1xf32>) -> tensor<f32> {
  // expected-error @below {{'starch.rms_norm' op input is a scalar; rms_norm normalises the last dimension of a tensor of rank >= 1}}
  %0 = starch.rms_norm %x, %w epsilon = 1.0e-6 : (tensor<f32>, tensor<1xf32>) -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

func.func @rms_norm_weight_size(%x: tensor<2x16x64xf32>, %w: tensor<32xf32>) -> tensor<2x16x64xf32> {
  // expected-error @below {{'starch.rms_norm' op weight has shape 32 but normalising 2x16x64 needs 64}}
  %0 = starch.rms_norm %x, %w epsilon = 1.0e-6 : (tensor<2x16x64xf32>, tensor<32xf32>) -> tensor<2x16x64xf32>
  return %0 : tensor<2x16x64xf32>
}

// -----

func.func @rms_norm_weight_rank(%x: tensor<2x16x64xf32>, %w: tensor<1x64xf32>) -> tensor<2x16x64xf32> {
  // expected-error @below {{'starch.rms_norm' op weight has shape 1x64 but normalising 2x16x64 needs 64}}
  %0 = starch.rms_norm %x, %w epsilon = 1.0e-6 : (tensor<2x16x64xf32>, tensor<1x64xf32>) -> tensor<2x16x64xf32>
  return %0 : tensor<2x16x64xf32>
}

// -----

func.func @rms_norm_negative_epsilon(%x: tensor<2x64xf32>, %w: tensor<64xf32>) -> tensor<2x64xf32> {
  // expected-error @below {{'starch.rms_norm' op epsilon = -1e-06 must be finite and >= 0}}
  %0 = starch.rms_norm %x, %w epsilon = -1.0e-6 : (tensor<2x64xf32>, tensor<64xf32>) -> tensor<2x64xf32>
  return %0 : tensor<2x64xf32>
}

// -----

func.func @rms_norm_nan_epsilon(%x: tensor<2x64xf32>, %w: tensor<64xf32>) -> tensor<2x64xf32> {
  // expected-error @below {{'starch.rms_norm' op epsilon = nan must be finite and >= 0}}
  %0 = starch.rms_norm %x, %w epsilon = 0x7FF8000000000000 : (tensor<2x64xf32>, tensor<64xf32>) -> tensor<2x64xf32>
  return %0 : tensor<2x64xf32>
}

// -----

func.func @rms_norm_weight_element_type(%x: tensor<2x64xbf16>, %w: tensor<64xf32>) -> tensor<2x64xbf16> {
  // expected-error @below {{'starch.rms_norm' op weight has element type 'f32' but the input has 'bf16'}}
  %0 = starch.rms_norm %x, %w epsilon = 1.0e-6 : (tensor<2x64xbf16>, tensor<64xf32>) -> tensor<2x64xbf16>
  return %0 : tensor<2x64xbf16>
}

// -----

func.func @rms_norm_result_element_type(%x: tensor<2x64xbf16>, %w: tensor<64xbf16>) -> tensor<2x64xf32> {
  // expected-error @below {{'starch.rms_norm' op result has element type 'f32' but the input has 'bf16'}}
  %0 = starch.rms_norm %x, %w epsilon = 1.0e-6 : (tensor<2x64xbf16>, tensor<64xbf16>) -> tensor<2x64xf32>
  return %0 : tensor<2x64xf32>
}

// -----

func.func @rms_norm_result_shape(%x: tensor<2x64xf32>, %w: tensor<64xf32>) -> tensor<128xf32> {
  // expected-error @below {{'starch.rms_norm' op result has shape 128 but the input has 2x64}}
  %0 = starch.rms_norm %x, %w epsilon = 1.0e-6 : (tensor<2x64xf32>, tensor<64xf32>) -> tensor<128xf32>
  return %0 : tensor<128xf32>
}

// -----

func.func @layer_norm_axis(%x: tensor<2x16x64xf32>, %w: tensor<64xf32>) -> tensor<2x16x64xf32> {
  // expected-error @below {{'starch.layer_norm' op axis 3 is outside the dimensions [0, 3) of 2x16x64}}
  %0 = starch.layer_norm %x, %w, %w axis = 3 epsilon = 1.0e-5
      : (tensor<2x16x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<2x16x64xf32>
  return %0 : tensor<2x16x64xf32>
}

// -----

func.func @layer_norm_weight_shape(%x: tensor<2x16x64xf32>, %w: tensor<64xf32>, %b: tensor<16x64xf32>) -> tensor<2x16x64xf32> {
  // expected-error @below {{'starch.layer_norm' op weight has shape 64 but normalising dimensions 1.. of 2x16x64 needs 16x64}}
  %0 = starch.layer_norm %x, %w, %b axis = 1 epsilon = 1.0e-5
      : (tensor<2x16x64xf32>, tensor<64xf32>, tensor<16x64xf32>) -> tensor<2x16x64xf32>
  return %0 : tensor<2x16x64xf32>
}

// -----

func.func @layer_norm_bias_shape(%x: tensor<2x16x64xf32>, %w: tensor<64xf32>, %b: tensor<32xf32>) -> tensor<2x16x64xf32> {
  // expected-error @below {{'starch.layer_norm' op bias has shape 32 but normalising dimensions 2.. of 2x16x64 needs 64}}
  %0 = starch.layer_norm %x, %w, %b axis = 2 epsilon = 1.0e-5
      : (tensor<2x16x64xf32>, tensor<64xf32>, tensor<32xf32>) -> tensor<2x16x64xf32>
  return %0 : tensor<2x16x64xf32>
}

// -----

func.func @layer_norm_infinite_epsilon(%x: tensor<2x64xf32>, %w: tensor<64xf32>) -> tensor<2x64xf32> {
  // expected-error @below {{'starch.layer_norm' op epsilon = inf must be finite and >= 0}}
  %0 = starch.layer_norm %x, %w, %w axis = 1 epsilon = 0x7FF0000000000000
      : (tensor<2x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<2x64xf32>
  return %0 : tensor<2x64xf32>
}

// -----

func.func @layer_norm_weight_element_type(%x: tensor<2x64xf32>, %w: tensor<64xf16>, %b: tensor<64xf32>) -> tensor<2x64xf32> {
  // expected-error @below {{'starch.layer_norm' op weight has element type 'f16' but the input has 'f32'}}
  %0 = starch.layer_norm %x, %w, %b axis = 1 epsilon = 1.0e-5
      : (tensor<2x64xf32>, tensor<64xf16>, tensor<64xf32>) -> tensor<2x64xf32>
  return %0 : tensor<2x64xf32>
}

// -----

func.func @layer_norm_bias_element_type(%x: tensor<2x64xf32>, %w: tensor<64xf32>, %b: tensor<64xbf16>) -> tensor<2x64xf32> {
  // expected-error @below {{'starch.layer_norm' op bias has element type 'bf16' but the input has 'f32'}}
  %0 = starch.layer_norm %x, %w, %b axis = 1 epsilon = 1.0e-5
      : (tensor<2x64xf32>, tensor<64xf32>, tensor<64xbf16>) -> tensor<2x64xf32>
  return %0 : tensor<2x64xf32>
}

// -----

func.func @layer_norm_result_element_type(%x: tensor<2x64xf32>, %w: tensor<64xf32>) -> tensor<2x64xf16> {
  // expected-error @below {{'starch.layer_norm' op result has element type 'f16' but the input has 'f32'}}
  %0 = starch.layer_norm %x, %w, %w axis = 1 epsilon = 1.0e-5
      : (tensor<2x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<2x64xf16>
  return %0 : tensor<2x64xf16>
}

// -----

func.func @layer_norm_result_shape(%x: tensor<2x64xf32>, %w: tensor<64xf32>) -> tensor<64x2xf32> {
  // expected-error @below {{'starch.layer_norm' op result has shape 64x2 but the input has 2x64}}
  %0 = starch.layer_norm %x, %w, %w axis = 1 epsilon = 1.0e-5
      : (tensor<2x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<64x2xf32>
  return %0 : tensor<64x2xf32>
}

// -----

func.func @rope_rank(%x: tensor<2x16x8xf32>, %t: tensor<2x16x8xf32>) -> tensor<2x16x8xf32> {
  // expected-error @below {{'starch.rope' op input has shape 2x16x8; expected B x H x S x D with even D}}
  %0 = starch.rope %x, %t, %t : (tensor<2x16x8xf32>, tensor<2x16x8xf32>, tensor<2x16x8xf32>) -> tensor<2x16x8xf32>
  return %0 : tensor<2x16x8xf32>
}

// -----

func.func @rope_odd_head_size(%x: tensor<2x4x16x7xf32>, %t: tensor<2x16x7xf32>) -> tensor<2x4x16x7xf32> {
  // expected-error @below {{'starch.rope' op input has shape 2x4x16x7; expected B x H x S x D with even D}}
  %0 = starch.rope %x, %t, %t : (tensor<2x4x16x7xf32>, tensor<2x16x7xf32>, tensor<2x16x7xf32>) -> tensor<2x4x16x7xf32>
  return %0 : tensor<2x4x16x7xf32>
}

// -----

// Tables per head (B x H x S x D) are not allowed: they are shared by the heads.

func.func @rope_cos_shape(%x: tensor<2x4x16x8xf32>, %c: tensor<2x4x16x8xf32>, %s: tensor<2x16x8xf32>) -> tensor<2x4x16x8xf32> {
  // expected-error @below {{'starch.rope' op cos has shape 2x4x16x8 but the input 2x4x16x8 needs tables of shape 2x16x8 (B x S x D)}}
  %0 = starch.rope %x, %c, %s : (tensor<2x4x16x8xf32>, tensor<2x4x16x8xf32>, tensor<2x16x8xf32>) -> tensor<2x4x16x8xf32>
  return %0 : tensor<2x4x16x8xf32>
}

// -----

func.func @rope_sin_shape(%x: tensor<2x4x16x8xf32>, %c: tensor<2x16x8xf32>, %s: tensor<1x16x8xf32>) -> tensor<2x4x16x8xf32> {
  // expected-error @below {{'starch.rope' op sin has shape 1x16x8 but the input 2x4x16x8 needs tables of shape 2x16x8 (B x S x D)}}
  %0 = starch.rope %x, %c, %s : (tensor<2x4x16x8xf32>, tensor<2x16x8xf32>, tensor<1x16x8xf32>) -> tensor<2x4x16x8xf32>
  return %0 : tensor<2x4x16x8xf32>
}

// -----

func.func @rope_cos_element_type(%x: tensor<2x4x16x8xbf16>, %c: tensor<2x16x8xf32>, %s: tensor<2x16x8xbf16>) -> tensor<2x4x16x8xbf16> {
  // expected-error @below {{'starch.rope' op cos has element type 'f32' but the input has 'bf16'}}
  %0 = starch.rope %x, %c, %s : (tensor<2x4x16x8xbf16>, tensor<2x16x8xf32>, tensor<2x16x8xbf16>) -> tensor<2x4x16x8xbf16>
  return %0 : tensor<2x4x16x8xbf16>
}

// -----

func.func @rope_sin_element_type(%x: tensor<2x4x16x8xbf16>, %c: tensor<2x16x8xbf16>, %s: tensor<2x16x8xf32>) -> tensor<2x4x16x8xbf16> {
  // expected-error @below {{'starch.rope' op sin has element type 'f32' but the input has 'bf16'}}
  %0 = starch.rope %x, %c, %s : (tensor<2x4x16x8xbf16>, tensor<2x16x8xbf16>, tensor<2x16x8xf32>) -> tensor<2x4x16x8xbf16>
  return %0 : tensor<2x4x16x8xbf16>
}

// -----

func.func @rope_result_element_type(%x: tensor<2x4x16x8xbf16>, %t: tensor<2x16x8xbf16>) -> tensor<2x4x16x8xf32> {
  // expected-error @below {{'starch.rope' op result has element type 'f32' but the input has 'bf16'}}
  %0 = starch.rope %x, %t, %t : (tensor<2x4x16x8xbf16>, tensor<2x16x8xbf16>, tensor<2x16x8xbf16>) -> tensor<2x4x16x8xf32>
  return %0 : tensor<2x4x16x8xf32>
}

// -----

func.func @rope_result_shape(%x: tensor<2x4x16x8xf32>, %t: tensor<2x16x8xf32>) -> tensor<2x16x4x8xf32> {
  // expected-error @below {{'starch.rope' op result has shape 2x16x4x8 but the input has 2x4x16x8}}
  %0 = starch.rope %x, %t, %t : (tensor<2x4x16x8xf32>, tensor<2x16x8xf32>, tensor<2x16x8xf32>) -> tensor<2x16x4x8xf32>
  return %0 : tensor<2x16x4x8xf32>
}

// -----

func.func @attention_rank(%q: tensor<2x16x32xf32>, %kv: tensor<2x4x16x8xf32>) -> tensor<2x16x32xf32> {
  // expected-error @below {{'starch.attention' op query 2x16x32, key 2x4x16x8 and value 2x4x16x8 must each be B x H x S x D}}
  %0 = starch.attention %q, %kv, %kv mask = full scale = 1.0
      : (tensor<2x16x32xf32>, tensor<2x4x16x8xf32>, tensor<2x4x16x8xf32>) -> tensor<2x16x32xf32>
  return %0 : tensor<2x16x32xf32>
}

// -----

func.func @attention_window_with_bias(%q: tensor<1x2x4x8xf32>, %b: tensor<1x1x4x4xf32>) -> tensor<1x2x4x8xf32> {
  // expected-error @below {{'starch.attention' op window needs mask = full or causal, not additive}}
  %0 = starch.attention %q, %q, %q bias %b mask = additive scale = 1.0 window = 2
      : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x1x4x4xf32>) -> tensor<1x2x4x8xf32>
  return %0 : tensor<1x2x4x8xf32>
}

// -----

func.func @attention_window_zero(%q: tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32> {
  // expected-error @below {{'starch.attention' op window = 0 must be positive (a count of keys)}}
  %0 = starch.attention %q, %q, %q mask = causal scale = 1.0 window = 0
      : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  return %0 : tensor<1x2x4x8xf32>
}

// -----

func.func @attention_softcap_negative(%q: tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32> {
  // expected-error @below {{'starch.attention' op softcap = -50 must be positive and finite}}
  %0 = starch.attention %q, %q, %q mask = causal scale = 1.0 softcap = -50.0
      : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  return %0 : tensor<1x2x4x8xf32>
}

// -----

func.func @attention_key_value_differ(%q: tensor<2x4x16x8xf32>, %k: tensor<2x4x16x8xf32>, %v: tensor<2x4x12x8xf32>) -> tensor<2x4x16x8xf32> {
  // expected-error @below {{'starch.attention' op key 2x4x16x8 and value 2x4x12x8 differ; they need the same B x Hkv x T x D}}
  %0 = starch.attention %q, %k, %v mask = full scale = 1.0
      : (tensor<2x4x16x8xf32>, tensor<2x4x16x8xf32>, tensor<2x4x12x8xf32>) -> tensor<2x4x16x8xf32>
  return %0 : tensor<2x4x16x8xf32>
}

// -----

func.func @attention_batch(%q: tensor<2x4x16x8xf32>, %kv: tensor<1x4x16x8xf32>) -> tensor<2x4x16x8xf32> {
  // expected-error @below {{'starch.attention' op key 1x4x16x8 does not match query 2x4x16x8 in batch or head size}}
  %0 = starch.attention %q, %kv, %kv mask = full scale = 1.0
      : (tensor<2x4x16x8xf32>, tensor<1x4x16x8xf32>, tensor<1x4x16x8xf32>) -> tensor<2x4x16x8xf32>
  return %0 : tensor<2x4x16x8xf32>
}

// -----

func.func @attention_head_size(%q: tensor<2x4x16x8xf32>, %kv: tensor<2x4x16x16xf32>) -> tensor<2x4x16x8xf32> {
  // expected-error @below {{'starch.attention' op key 2x4x16x16 does not match query 2x4x16x8 in batch or head size}}
  %0 = starch.attention %q, %kv, %kv mask = full scale = 1.0
      : (tensor<2x4x16x8xf32>, tensor<2x4x16x16xf32>, tensor<2x4x16x16xf32>) -> tensor<2x4x16x8xf32>
  return %0 : tensor<2x4x16x8xf32>
}

// -----

func.func @attention_head_groups(%q: tensor<2x6x16x8xf32>, %kv: tensor<2x4x16x8xf32>) -> tensor<2x6x16x8xf32> {
  // expected-error @below {{'starch.attention' op 6 query heads cannot share 4 key/value heads (Hq must be a multiple of Hkv)}}
  %0 = starch.attention %q, %kv, %kv mask = causal scale = 1.0
      : (tensor<2x6x16x8xf32>, tensor<2x4x16x8xf32>, tensor<2x4x16x8xf32>) -> tensor<2x6x16x8xf32>
  return %0 : tensor<2x6x16x8xf32>
}

// -----

func.func @attention_no_kv_heads(%q: tensor<2x4x16x8xf32>, %kv: tensor<2x0x16x8xf32>) -> tensor<2x4x16x8xf32> {
  // expected-error @below {{'starch.attention' op 4 query heads cannot share 0 key/value heads (Hq must be a multiple of Hkv)}}
  %0 = starch.attention %q, %kv, %kv mask = full scale = 1.0
      : (tensor<2x4x16x8xf32>, tensor<2x0x16x8xf32>, tensor<2x0x16x8xf32>) -> tensor<2x4x16x8xf32>
  return %0 : tensor<2x4x16x8xf32>
}

// -----

func.func @attention_additive_without_bias(%q: tensor<2x4x16x8xf32>) -> tensor<2x4x16x8xf32> {
  // expected-error @below {{'starch.attention' op a bias operand is needed exactly when mask = additive}}
  %0 = starch.attention %q, %q, %q mask = additive scale = 1.0
      : (tensor<2x4x16x8xf32>, tensor<2x4x16x8xf32>, tensor<2x4x16x8xf32>) -> tensor<2x4x16x8xf32>
  return %0 : tensor<2x4x16x8xf32>
}

// -----

func.func @attention_bias_without_additive(%q: tensor<2x4x16x8xf32>, %b: tensor<1x1x16x16xf32>) -> tensor<2x4x16x8xf32> {
  // expected-error @below {{'starch.attention' op a bias operand is needed exactly when mask = additive}}
  %0 = starch.attention %q, %q, %q bias %b mask = causal scale = 1.0
      : (tensor<2x4x16x8xf32>, tensor<2x4x16x8xf32>, tensor<2x4x16x8xf32>, tensor<1x1x16x16xf32>) -> tensor<2x4x16x8xf32>
  return %0 : tensor<2x4x16x8xf32>
}

// -----

func.func @attention_bias_shape(%q: tensor<2x4x16x8xf32>, %kv: tensor<2x4x12x8xf32>, %b: tensor<2x4x16x16xf32>) -> tensor<2x4x16x8xf32> {
  // expected-error @below {{'starch.attention' op bias has shape 2x4x16x16; expected (2|1)x(4|1)x16x12}}
  %0 = starch.attention %q, %kv, %kv bias %b mask = additive scale = 1.0
      : (tensor<2x4x16x8xf32>, tensor<2x4x12x8xf32>, tensor<2x4x12x8xf32>, tensor<2x4x16x16xf32>) -> tensor<2x4x16x8xf32>
  return %0 : tensor<2x4x16x8xf32>
}

// -----

func.func @attention_bias_heads(%q: tensor<2x4x16x8xf32>, %b: tensor<1x2x16x16xf32>) -> tensor<2x4x16x8xf32> {
  // expected-error @below {{'starch.attention' op bias has shape 1x2x16x16; expected (2|1)x(4|1)x16x16}}
  %0 = starch.attention %q, %q, %q bias %b mask = additive scale = 1.0
      : (tensor<2x4x16x8xf32>, tensor<2x4x16x8xf32>, tensor<2x4x16x8xf32>, tensor<1x2x16x16xf32>) -> tensor<2x4x16x8xf32>
  return %0 : tensor<2x4x16x8xf32>
}

// -----

func.func @attention_bias_element_type(%q: tensor<2x4x16x8xf32>, %b: tensor<2x1x16x16xf16>) -> tensor<2x4x16x8xf32> {
  // expected-error @below {{'starch.attention' op bias has element type 'f16' but the query has 'f32'}}
  %0 = starch.attention %q, %q, %q bias %b mask = additive scale = 1.0
      : (tensor<2x4x16x8xf32>, tensor<2x4x16x8xf32>, tensor<2x4x16x8xf32>, tensor<2x1x16x16xf16>) -> tensor<2x4x16x8xf32>
  return %0 : tensor<2x4x16x8xf32>
}

// -----

func.func @attention_bitfield_without_bits(%q: tensor<2x4x16x8xf32>) -> tensor<2x4x16x8xf32> {
  // expected-error @below {{'starch.attention' op a bits operand is needed exactly when mask = bitfield}}
  %0 = starch.attention %q, %q, %q mask = bitfield scale = 1.0
      : (tensor<2x4x16x8xf32>, tensor<2x4x16x8xf32>, tensor<2x4x16x8xf32>) -> tensor<2x4x16x8xf32>
  return %0 : tensor<2x4x16x8xf32>
}

// -----

func.func @attention_bits_with_causal(%q: tensor<2x4x16x8xf32>, %bits: tensor<2x16xi64>) -> tensor<2x4x16x8xf32> {
  // expected-error @below {{'starch.attention' op a bits operand is needed exactly when mask = bitfield}}
  %0 = starch.attention %q, %q, %q bits %bits mask = causal scale = 1.0
      : (tensor<2x4x16x8xf32>, tensor<2x4x16x8xf32>, tensor<2x4x16x8xf32>, tensor<2x16xi64>) -> tensor<2x4x16x8xf32>
  return %0 : tensor<2x4x16x8xf32>
}

// -----

func.func @attention_bits_with_additive(%q: tensor<2x4x16x8xf32>, %b: tensor<1x1x16x16xf32>, %bits: tensor<2x16xi64>) -> tensor<2x4x16x8xf32> {
  // expected-error @below {{'starch.attention' op a bits operand is needed exactly when mask = bitfield}}
  %0 = starch.attention %q, %q, %q bias %b bits %bits mask = additive scale = 1.0
      : (tensor<2x4x16x8xf32>, tensor<2x4x16x8xf32>, tensor<2x4x16x8xf32>, tensor<1x1x16x16xf32>, tensor<2x16xi64>) -> tensor<2x4x16x8xf32>
  return %0 : tensor<2x4x16x8xf32>
}

// -----

func.func @attention_bitfield_with_bias(%q: tensor<2x4x16x8xf32>, %b: tensor<1x1x16x16xf32>, %bits: tensor<2x16xi64>) -> tensor<2x4x16x8xf32> {
  // expected-error @below {{'starch.attention' op a bias operand is needed exactly when mask = additive}}
  %0 = starch.attention %q, %q, %q bias %b bits %bits mask = bitfield scale = 1.0
      : (tensor<2x4x16x8xf32>, tensor<2x4x16x8xf32>, tensor<2x4x16x8xf32>, tensor<1x1x16x16xf32>, tensor<2x16xi64>) -> tensor<2x4x16x8xf32>
  return %0 : tensor<2x4x16x8xf32>
}

// -----

func.func @attention_bits_length(%q: tensor<2x4x16x8xf32>, %bits: tensor<2x8xi64>) -> tensor<2x4x16x8xf32> {
  // expected-error @below {{'starch.attention' op bits has shape 2x8; expected 2x16 (one word per token)}}
  %0 = starch.attention %q, %q, %q bits %bits mask = bitfield scale = 1.0
      : (tensor<2x4x16x8xf32>, tensor<2x4x16x8xf32>, tensor<2x4x16x8xf32>, tensor<2x8xi64>) -> tensor<2x4x16x8xf32>
  return %0 : tensor<2x4x16x8xf32>
}

// -----

func.func @attention_bits_rank(%q: tensor<2x4x16x8xf32>, %bits: tensor<2x1x16xi64>) -> tensor<2x4x16x8xf32> {
  // expected-error @below {{'starch.attention' op bits has shape 2x1x16; expected 2x16 (one word per token)}}
  %0 = starch.attention %q, %q, %q bits %bits mask = bitfield scale = 1.0
      : (tensor<2x4x16x8xf32>, tensor<2x4x16x8xf32>, tensor<2x4x16x8xf32>, tensor<2x1x16xi64>) -> tensor<2x4x16x8xf32>
  return %0 : tensor<2x4x16x8xf32>
}

// -----

func.func @attention_bits_batch(%q: tensor<2x4x16x8xf32>, %bits: tensor<1x16xi64>) -> tensor<2x4x16x8xf32> {
  // expected-error @below {{'starch.attention' op bits has shape 1x16; expected 2x16 (one word per token)}}
  %0 = starch.attention %q, %q, %q bits %bits mask = bitfield scale = 1.0
      : (tensor<2x4x16x8xf32>, tensor<2x4x16x8xf32>, tensor<2x4x16x8xf32>, tensor<1x16xi64>) -> tensor<2x4x16x8xf32>
  return %0 : tensor<2x4x16x8xf32>
}

// -----

func.func @attention_bits_element_type(%q: tensor<2x4x16x8xf32>, %bits: tensor<2x16xi32>) -> tensor<2x4x16x8xf32> {
  // expected-error @below {{'starch.attention' op operand #3 must be statically shaped tensor of 64-bit signless integer values, but got 'tensor<2x16xi32>'}}
  %0 = starch.attention %q, %q, %q bits %bits mask = bitfield scale = 1.0
      : (tensor<2x4x16x8xf32>, tensor<2x4x16x8xf32>, tensor<2x4x16x8xf32>, tensor<2x16xi32>) -> tensor<2x4x16x8xf32>
  return %0 : tensor<2x4x16x8xf32>
}

// -----

func.func @attention_bitfield_cross(%q: tensor<2x4x16x8xf32>, %kv: tensor<2x4x12x8xf32>, %bits: tensor<2x16xi64>) -> tensor<2x4x16x8xf32> {
  // expected-error @below {{'starch.attention' op mask = bitfield needs self-attention, but there are 16 queries and 12 keys}}
  %0 = starch.attention %q, %kv, %kv bits %bits mask = bitfield scale = 1.0
      : (tensor<2x4x16x8xf32>, tensor<2x4x12x8xf32>, tensor<2x4x12x8xf32>, tensor<2x16xi64>) -> tensor<2x4x16x8xf32>
  return %0 : tensor<2x4x16x8xf32>
}

// -----

func.func @attention_key_element_type(%q: tensor<2x4x16x8xf32>, %kv: tensor<2x4x16x8xbf16>) -> tensor<2x4x16x8xf32> {
  // expected-error @below {{'starch.attention' op key has element type 'bf16' but the query has 'f32'}}
  %0 = starch.attention %q, %kv, %kv mask = full scale = 1.0
      : (tensor<2x4x16x8xf32>, tensor<2x4x16x8xbf16>, tensor<2x4x16x8xbf16>) -> tensor<2x4x16x8xf32>
  return %0 : tensor<2x4x16x8xf32>
}

// -----

func.func @attention_value_element_type(%q: tensor<2x4x16x8xf32>, %v: tensor<2x4x16x8xbf16>) -> tensor<2x4x16x8xf32> {
  // expected-error @below {{'starch.attention' op value has element type 'bf16' but the query has 'f32'}}
  %0 = starch.attention %q, %q, %v mask = full scale = 1.0
      : (tensor<2x4x16x8xf32>, tensor<2x4x16x8xf32>, tensor<2x4x16x8xbf16>) -> tensor<2x4x16x8xf32>
  return %0 : tensor<2x4x16x8xf32>
}

// -----

func.func @attention_result_element_type(%q: tensor<2x4x16x8xbf16>) -> tensor<2x4x16x8xf32> {
  // expected-error @below {{'starch.attention' op result has element type 'f32' but the query has 'bf16'}}
  %0 = starch.attention %q, %q, %q mask = full scale = 1.0
      : (tensor<2x4x16x8xbf16>, tensor<2x4x16x8xbf16>, tensor<2x4x16x8xbf16>) -> tensor<2x4x16x8xf32>
  return %0 : tensor<2x4x16x8xf32>
}

// -----

func.func @attention_zero_scale(%q: tensor<2x4x16x8xf32>) -> tensor<2x4x16x8xf32> {
  // expected-error @below {{'starch.attention' op scale = 0 must be positive and finite}}
  %0 = starch.attention %q, %q, %q mask = full scale = 0.0
      : (tensor<2x4x16x8xf32>, tensor<2x4x16x8xf32>, tensor<2x4x16x8xf32>) -> tensor<2x4x16x8xf32>
  return %0 : tensor<2x4x16x8xf32>
}

// -----

func.func @attention_negative_scale(%q: tensor<2x4x16x8xf32>) -> tensor<2x4x16x8xf32> {
  // expected-error @below {{'starch.attention' op scale = -0.125 must be positive and finite}}
  %0 = starch.attention %q, %q, %q mask = causal scale = -0.125
      : (tensor<2x4x16x8xf32>, tensor<2x4x16x8xf32>, tensor<2x4x16x8xf32>) -> tensor<2x4x16x8xf32>
  return %0 : tensor<2x4x16x8xf32>
}

// -----

func.func @attention_infinite_scale(%q: tensor<2x4x16x8xf32>) -> tensor<2x4x16x8xf32> {
  // expected-error @below {{'starch.attention' op scale = inf must be positive and finite}}
  %0 = starch.attention %q, %q, %q mask = full scale = 0x7FF0000000000000
      : (tensor<2x4x16x8xf32>, tensor<2x4x16x8xf32>, tensor<2x4x16x8xf32>) -> tensor<2x4x16x8xf32>
  return %0 : tensor<2x4x16x8xf32>
}

// -----

func.func @attention_result_shape(%q: tensor<2x8x16x8xf32>, %kv: tensor<2x2x16x8xf32>) -> tensor<2x2x16x8xf32> {
  // expected-error @below {{'starch.attention' op result has shape 2x2x16x8 but the query has 2x8x16x8}}
  %0 = starch.attention %q, %kv, %kv mask = full scale = 1.0
      : (tensor<2x8x16x8xf32>, tensor<2x2x16x8xf32>, tensor<2x2x16x8xf32>) -> tensor<2x2x16x8xf32>
  return %0 : tensor<2x2x16x8xf32>
}

// -----

func.func @attention_mask_unknown(%q: tensor<2x4x16x8xf32>) -> tensor<2x4x16x8xf32> {
  // expected-error @below {{expected string or keyword containing one of the following enum values for attribute 'mask' [full, causal, additive, bitfield]}}
  %0 = starch.attention %q, %q, %q mask = sliding scale = 1.0
      : (tensor<2x4x16x8xf32>, tensor<2x4x16x8xf32>, tensor<2x4x16x8xf32>) -> tensor<2x4x16x8xf32>
  return %0 : tensor<2x4x16x8xf32>
}

// -----

func.func @attention_integer_query(%q: tensor<2x4x16x8xi32>) -> tensor<2x4x16x8xi32> {
  // expected-error @below {{'starch.attention' op operand #0 must be statically shaped tensor of floating-point values, but got 'tensor<2x4x16x8xi32>'}}
  %0 = starch.attention %q, %q, %q mask = full scale = 1.0
      : (tensor<2x4x16x8xi32>, tensor<2x4x16x8xi32>, tensor<2x4x16x8xi32>) -> tensor<2x4x16x8xi32>
  return %0 : tensor<2x4x16x8xi32>
}

// -----

func.func @attention_positions_full_mask(%q: tensor<1x2x2x8xf32>, %k: tensor<1x2x8x8xf32>, %at: tensor<2xi64>) -> tensor<1x2x2x8xf32> {
  // expected-error @below {{'starch.attention' op positions need mask = causal or bitfield}}
  %0 = starch.attention %q, %k, %k positions %at mask = full scale = 1.0
      : (tensor<1x2x2x8xf32>, tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32>, tensor<2xi64>) -> tensor<1x2x2x8xf32>
  return %0 : tensor<1x2x2x8xf32>
}

// -----

func.func @attention_positions_per_query(%q: tensor<1x2x2x8xf32>, %k: tensor<1x2x8x8xf32>, %at: tensor<8xi64>) -> tensor<1x2x2x8xf32> {
  // expected-error @below {{'starch.attention' op positions has shape 8; expected 2 (one per query)}}
  %0 = starch.attention %q, %k, %k positions %at mask = causal scale = 1.0
      : (tensor<1x2x2x8xf32>, tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32>, tensor<8xi64>) -> tensor<1x2x2x8xf32>
  return %0 : tensor<1x2x2x8xf32>
}

// -----

func.func @attention_positions_query_words(%q: tensor<1x2x2x8xf32>, %k: tensor<1x2x8x8xf32>, %bits: tensor<1x2xi64>, %at: tensor<2xi64>) -> tensor<1x2x2x8xf32> {
  // expected-error @below {{'starch.attention' op bits has shape 1x2; expected 1x8 (one word per token)}}
  %0 = starch.attention %q, %k, %k bits %bits positions %at mask = bitfield scale = 1.0
      : (tensor<1x2x2x8xf32>, tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32>, tensor<1x2xi64>, tensor<2xi64>) -> tensor<1x2x2x8xf32>
  return %0 : tensor<1x2x2x8xf32>
}
