// RUN: starch-opt %s -split-input-file -verify-diagnostics

// Every verifier message of the fused backward ops: rms_norm_grad,
// layer_norm_grad, attention_grad.

func.func @rms_scalar(%x: tensor<f32>, %w: tensor<1xf32>, %dy: tensor<f32>) {
  // expected-error @below {{'starch.rms_norm_grad' op input is a scalar; rms_norm normalises the last dimension of a tensor of rank >= 1}}
  %0, %1 = starch.rms_norm_grad %x, %w, %dy epsilon = 1.0e-6 : (tensor<f32>, tensor<1xf32>, tensor<f32>) -> (tensor<f32>, tensor<1xf32>)
  return
}

// -----

func.func @rms_weight(%x: tensor<2x64xf32>, %w: tensor<32xf32>, %dy: tensor<2x64xf32>) {
  // expected-error @below {{'starch.rms_norm_grad' op weight has shape 32 but normalising 2x64 needs 64}}
  %0, %1 = starch.rms_norm_grad %x, %w, %dy epsilon = 1.0e-6 : (tensor<2x64xf32>, tensor<32xf32>, tensor<2x64xf32>) -> (tensor<2x64xf32>, tensor<32xf32>)
  return
}

// -----

func.func @rms_epsilon(%x: tensor<2x64xf32>, %w: tensor<64xf32>, %dy: tensor<2x64xf32>) {
  // expected-error @below {{'starch.rms_norm_grad' op epsilon = -1e-06 must be finite and >= 0}}
  %0, %1 = starch.rms_norm_grad %x, %w, %dy epsilon = -1.0e-6 : (tensor<2x64xf32>, tensor<64xf32>, tensor<2x64xf32>) -> (tensor<2x64xf32>, tensor<64xf32>)
  return
}

// -----

func.func @rms_weight_type(%x: tensor<2x64xf32>, %w: tensor<64xf64>, %dy: tensor<2x64xf32>) {
  // expected-error @below {{'starch.rms_norm_grad' op weight has element type 'f64' but the input has 'f32'}}
  %0, %1 = starch.rms_norm_grad %x, %w, %dy epsilon = 1.0e-6 : (tensor<2x64xf32>, tensor<64xf64>, tensor<2x64xf32>) -> (tensor<2x64xf32>, tensor<64xf64>)
  return
}

// -----

func.func @rms_d_out(%x: tensor<2x64xf32>, %w: tensor<64xf32>, %dy: tensor<2x32xf32>) {
  // expected-error @below {{'starch.rms_norm_grad' op d_out has type 'tensor<2x32xf32>' but the input has type 'tensor<2x64xf32>'}}
  %0, %1 = starch.rms_norm_grad %x, %w, %dy epsilon = 1.0e-6 : (tensor<2x64xf32>, tensor<64xf32>, tensor<2x32xf32>) -> (tensor<2x64xf32>, tensor<64xf32>)
  return
}

// -----

func.func @rms_d_input(%x: tensor<2x64xf32>, %w: tensor<64xf32>, %dy: tensor<2x64xf32>) {
  // expected-error @below {{'starch.rms_norm_grad' op d_input has type 'tensor<2x64xf64>' but the input has type 'tensor<2x64xf32>'}}
  %0, %1 = starch.rms_norm_grad %x, %w, %dy epsilon = 1.0e-6 : (tensor<2x64xf32>, tensor<64xf32>, tensor<2x64xf32>) -> (tensor<2x64xf64>, tensor<64xf32>)
  return
}

// -----

func.func @rms_d_weight(%x: tensor<2x64xf32>, %w: tensor<64xf32>, %dy: tensor<2x64xf32>) {
  // expected-error @below {{'starch.rms_norm_grad' op d_weight has type 'tensor<1x64xf32>' but the weight has type 'tensor<64xf32>'}}
  %0, %1 = starch.rms_norm_grad %x, %w, %dy epsilon = 1.0e-6 : (tensor<2x64xf32>, tensor<64xf32>, tensor<2x64xf32>) -> (tensor<2x64xf32>, tensor<1x64xf32>)
  return
}

// -----

func.func @ln_axis(%x: tensor<2x64xf32>, %w: tensor<64xf32>, %dy: tensor<2x64xf32>) {
  // expected-error @below {{'starch.layer_norm_grad' op axis 2 is outside the dimensions [0, 2) of 2x64}}
  %0, %1, %2 = starch.layer_norm_grad %x, %w, %dy axis = 2 epsilon = 1.0e-5 : (tensor<2x64xf32>, tensor<64xf32>, tensor<2x64xf32>) -> (tensor<2x64xf32>, tensor<64xf32>, tensor<64xf32>)
  return
}

// -----

func.func @ln_weight(%x: tensor<2x64xf32>, %w: tensor<64xf32>, %dy: tensor<2x64xf32>) {
  // expected-error @below {{'starch.layer_norm_grad' op weight has shape 64 but normalising dimensions 0.. of 2x64 needs 2x64}}
  %0, %1, %2 = starch.layer_norm_grad %x, %w, %dy axis = 0 epsilon = 1.0e-5 : (tensor<2x64xf32>, tensor<64xf32>, tensor<2x64xf32>) -> (tensor<2x64xf32>, tensor<64xf32>, tensor<64xf32>)
  return
}

// -----

func.func @ln_epsilon(%x: tensor<2x64xf32>, %w: tensor<64xf32>, %dy: tensor<2x64xf32>) {
  // expected-error @below {{'starch.layer_norm_grad' op epsilon = nan must be finite and >= 0}}
  %0, %1, %2 = starch.layer_norm_grad %x, %w, %dy axis = 1 epsilon = 0x7FF8000000000000 : (tensor<2x64xf32>, tensor<64xf32>, tensor<2x64xf32>) -> (tensor<2x64xf32>, tensor<64xf32>, tensor<64xf32>)
  return
}

// -----

func.func @ln_weight_type(%x: tensor<2x64xf32>, %w: tensor<64xbf16>, %dy: tensor<2x64xf32>) {
  // expected-error @below {{'starch.layer_norm_grad' op weight has element type 'bf16' but the input has 'f32'}}
  %0, %1, %2 = starch.layer_norm_grad %x, %w, %dy axis = 1 epsilon = 1.0e-5 : (tensor<2x64xf32>, tensor<64xbf16>, tensor<2x64xf32>) -> (tensor<2x64xf32>, tensor<64xbf16>, tensor<64xbf16>)
  return
}

// -----

func.func @ln_d_out(%x: tensor<2x64xf32>, %w: tensor<64xf32>, %dy: tensor<2x64xbf16>) {
  // expected-error @below {{'starch.layer_norm_grad' op d_out has type 'tensor<2x64xbf16>' but the input has type 'tensor<2x64xf32>'}}
  %0, %1, %2 = starch.layer_norm_grad %x, %w, %dy axis = 1 epsilon = 1.0e-5 : (tensor<2x64xf32>, tensor<64xf32>, tensor<2x64xbf16>) -> (tensor<2x64xf32>, tensor<64xf32>, tensor<64xf32>)
  return
}

// -----

func.func @ln_d_input(%x: tensor<2x64xf32>, %w: tensor<64xf32>, %dy: tensor<2x64xf32>) {
  // expected-error @below {{'starch.layer_norm_grad' op d_input has type 'tensor<64xf32>' but the input has type 'tensor<2x64xf32>'}}
  %0, %1, %2 = starch.layer_norm_grad %x, %w, %dy axis = 1 epsilon = 1.0e-5 : (tensor<2x64xf32>, tensor<64xf32>, tensor<2x64xf32>) -> (tensor<64xf32>, tensor<64xf32>, tensor<64xf32>)
  return
}

// -----

func.func @ln_d_weight(%x: tensor<2x64xf32>, %w: tensor<64xf32>, %dy: tensor<2x64xf32>) {
  // expected-error @below {{'starch.layer_norm_grad' op d_weight has type 'tensor<2x64xf32>' but the weight has type 'tensor<64xf32>'}}
  %0, %1, %2 = starch.layer_norm_grad %x, %w, %dy axis = 1 epsilon = 1.0e-5 : (tensor<2x64xf32>, tensor<64xf32>, tensor<2x64xf32>) -> (tensor<2x64xf32>, tensor<2x64xf32>, tensor<64xf32>)
  return
}

// -----

func.func @ln_d_bias(%x: tensor<2x64xf32>, %w: tensor<64xf32>, %dy: tensor<2x64xf32>) {
  // expected-error @below {{'starch.layer_norm_grad' op d_bias has type 'tensor<32xf32>' but the weight has type 'tensor<64xf32>'}}
  %0, %1, %2 = starch.layer_norm_grad %x, %w, %dy axis = 1 epsilon = 1.0e-5 : (tensor<2x64xf32>, tensor<64xf32>, tensor<2x64xf32>) -> (tensor<2x64xf32>, tensor<64xf32>, tensor<32xf32>)
  return
}

// -----

func.func @at_rank(%q: tensor<4x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>, %o: tensor<4x8x16xf32>, %do: tensor<4x8x16xf32>) {
  // expected-error @below {{'starch.attention_grad' op query 4x8x16, key 1x2x8x16 and value 1x2x8x16 must each be B x H x S x D}}
  %r0, %r1, %r2 = starch.attention_grad %q, %k, %v out %o d_out %do mask = causal scale = 0.25 : (tensor<4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<4x8x16xf32>, tensor<4x8x16xf32>) -> (tensor<4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>)
  return
}

// -----

func.func @at_window_bitfield(%q: tensor<1x2x4x8xf32>, %bits: tensor<1x4xi64>) {
  // expected-error @below {{'starch.attention_grad' op window needs mask = full or causal, not bitfield}}
  %r0, %r1, %r2 = starch.attention_grad %q, %q, %q bits %bits out %q d_out %q mask = bitfield scale = 0.25 window = 2 : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x4xi64>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>)
  return
}

// -----

func.func @at_kv(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x7x16xf32>, %o: tensor<1x4x8x16xf32>, %do: tensor<1x4x8x16xf32>) {
  // expected-error @below {{'starch.attention_grad' op key 1x2x8x16 and value 1x2x7x16 differ; they need the same B x Hkv x T x D}}
  %r0, %r1, %r2 = starch.attention_grad %q, %k, %v out %o d_out %do mask = causal scale = 0.25 : (tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x7x16xf32>, tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32>) -> (tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x7x16xf32>)
  return
}

// -----

func.func @at_head_size(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x8x8xf32>, %v: tensor<1x2x8x8xf32>, %o: tensor<1x4x8x16xf32>, %do: tensor<1x4x8x16xf32>) {
  // expected-error @below {{'starch.attention_grad' op key 1x2x8x8 does not match query 1x4x8x16 in batch or head size}}
  %r0, %r1, %r2 = starch.attention_grad %q, %k, %v out %o d_out %do mask = causal scale = 0.25 : (tensor<1x4x8x16xf32>, tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32>, tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32>) -> (tensor<1x4x8x16xf32>, tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32>)
  return
}

// -----

func.func @at_groups(%q: tensor<1x4x8x16xf32>, %k: tensor<1x3x8x16xf32>, %v: tensor<1x3x8x16xf32>, %o: tensor<1x4x8x16xf32>, %do: tensor<1x4x8x16xf32>) {
  // expected-error @below {{'starch.attention_grad' op 4 query heads cannot share 3 key/value heads (Hq must be a multiple of Hkv)}}
  %r0, %r1, %r2 = starch.attention_grad %q, %k, %v out %o d_out %do mask = causal scale = 0.25 : (tensor<1x4x8x16xf32>, tensor<1x3x8x16xf32>, tensor<1x3x8x16xf32>, tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32>) -> (tensor<1x4x8x16xf32>, tensor<1x3x8x16xf32>, tensor<1x3x8x16xf32>)
  return
}

// -----

func.func @at_no_bias(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>, %o: tensor<1x4x8x16xf32>, %do: tensor<1x4x8x16xf32>) {
  // expected-error @below {{'starch.attention_grad' op a bias operand is needed exactly when mask = additive}}
  %r0, %r1, %r2 = starch.attention_grad %q, %k, %v out %o d_out %do mask = additive scale = 0.25 : (tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32>) -> (tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>)
  return
}

// -----

func.func @at_bias_shape(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>, %o: tensor<1x4x8x16xf32>, %do: tensor<1x4x8x16xf32>, %b: tensor<1x4x8x7xf32>) {
  // expected-error @below {{'starch.attention_grad' op bias has shape 1x4x8x7; expected (1|1)x(4|1)x8x8}}
  %r0, %r1, %r2, %r3 = starch.attention_grad %q, %k, %v bias %b out %o d_out %do mask = additive scale = 0.25 : (tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x4x8x7xf32>, tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32>) -> (tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x4x8x7xf32>)
  return
}

// -----

func.func @at_element(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>, %o: tensor<1x4x8x16xf32>, %do: tensor<1x4x8x16xf32>, %b: tensor<1x1x8x8xf64>) {
  // expected-error @below {{'starch.attention_grad' op bias has element type 'f64' but the query has 'f32'}}
  %r0, %r1, %r2, %r3 = starch.attention_grad %q, %k, %v bias %b out %o d_out %do mask = additive scale = 0.25 : (tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x1x8x8xf64>, tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32>) -> (tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x1x8x8xf64>)
  return
}

// -----

func.func @at_scale(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>, %o: tensor<1x4x8x16xf32>, %do: tensor<1x4x8x16xf32>) {
  // expected-error @below {{'starch.attention_grad' op scale = 0 must be positive and finite}}
  %r0, %r1, %r2 = starch.attention_grad %q, %k, %v out %o d_out %do mask = causal scale = 0.0 : (tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32>) -> (tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>)
  return
}

// -----

func.func @at_out(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>, %o: tensor<1x4x8x8xf32>, %do: tensor<1x4x8x16xf32>) {
  // expected-error @below {{'starch.attention_grad' op out has type 'tensor<1x4x8x8xf32>' but the query has type 'tensor<1x4x8x16xf32>'}}
  %r0, %r1, %r2 = starch.attention_grad %q, %k, %v out %o d_out %do mask = causal scale = 0.25 : (tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x4x8x8xf32>, tensor<1x4x8x16xf32>) -> (tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>)
  return
}

// -----

func.func @at_d_out(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>, %o: tensor<1x4x8x16xf32>, %do: tensor<1x4x8x16xf64>) {
  // expected-error @below {{'starch.attention_grad' op d_out has type 'tensor<1x4x8x16xf64>' but the query has type 'tensor<1x4x8x16xf32>'}}
  %r0, %r1, %r2 = starch.attention_grad %q, %k, %v out %o d_out %do mask = causal scale = 0.25 : (tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x4x8x16xf32>, tensor<1x4x8x16xf64>) -> (tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>)
  return
}

// -----

func.func @at_d_query(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>, %o: tensor<1x4x8x16xf32>, %do: tensor<1x4x8x16xf32>) {
  // expected-error @below {{'starch.attention_grad' op d_query has type 'tensor<1x2x8x16xf32>' but the query has type 'tensor<1x4x8x16xf32>'}}
  %r0, %r1, %r2 = starch.attention_grad %q, %k, %v out %o d_out %do mask = causal scale = 0.25 : (tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32>) -> (tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>)
  return
}

// -----

func.func @at_d_key(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>, %o: tensor<1x4x8x16xf32>, %do: tensor<1x4x8x16xf32>) {
  // expected-error @below {{'starch.attention_grad' op d_key has type 'tensor<1x4x8x16xf32>' but the key has type 'tensor<1x2x8x16xf32>'}}
  %r0, %r1, %r2 = starch.attention_grad %q, %k, %v out %o d_out %do mask = causal scale = 0.25 : (tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32>) -> (tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>)
  return
}

// -----

func.func @at_d_value(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>, %o: tensor<1x4x8x16xf32>, %do: tensor<1x4x8x16xf32>) {
  // expected-error @below {{'starch.attention_grad' op d_value has type 'tensor<1x2x8x16xbf16>' but the value has type 'tensor<1x2x8x16xf32>'}}
  %r0, %r1, %r2 = starch.attention_grad %q, %k, %v out %o d_out %do mask = causal scale = 0.25 : (tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32>) -> (tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xbf16>)
  return
}

// -----

func.func @at_missing_d_bias(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>, %o: tensor<1x4x8x16xf32>, %do: tensor<1x4x8x16xf32>, %b: tensor<1x1x8x8xf32>) {
  // expected-error @below {{'starch.attention_grad' op has no d_bias result but a bias operand; d_bias is there exactly when the bias is}}
  %r0, %r1, %r2 = starch.attention_grad %q, %k, %v bias %b out %o d_out %do mask = additive scale = 0.25 : (tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x1x8x8xf32>, tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32>) -> (tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>)
  return
}

// -----

func.func @at_extra_d_bias(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>, %o: tensor<1x4x8x16xf32>, %do: tensor<1x4x8x16xf32>) {
  // expected-error @below {{'starch.attention_grad' op has a d_bias result but no bias operand; d_bias is there exactly when the bias is}}
  %r0, %r1, %r2, %r3 = starch.attention_grad %q, %k, %v out %o d_out %do mask = causal scale = 0.25 : (tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32>) -> (tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x1x8x8xf32>)
  return
}

// -----

func.func @at_d_bias(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>, %o: tensor<1x4x8x16xf32>, %do: tensor<1x4x8x16xf32>, %b: tensor<1x1x8x8xf32>) {
  // expected-error @below {{'starch.attention_grad' op d_bias has type 'tensor<1x4x8x8xf32>' but the bias has type 'tensor<1x1x8x8xf32>'}}
  %r0, %r1, %r2, %r3 = starch.attention_grad %q, %k, %v bias %b out %o d_out %do mask = additive scale = 0.25 : (tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x1x8x8xf32>, tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32>) -> (tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x4x8x8xf32>)
  return
}

// -----

func.func @at_bitfield_without_bits(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>, %o: tensor<1x4x8x16xf32>, %do: tensor<1x4x8x16xf32>) {
  // expected-error @below {{'starch.attention_grad' op a bits operand is needed exactly when mask = bitfield}}
  %r0, %r1, %r2 = starch.attention_grad %q, %k, %v out %o d_out %do mask = bitfield scale = 0.25 : (tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32>) -> (tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>)
  return
}

// -----

func.func @at_bits_with_full(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>, %bits: tensor<1x8xi64>, %o: tensor<1x4x8x16xf32>, %do: tensor<1x4x8x16xf32>) {
  // expected-error @below {{'starch.attention_grad' op a bits operand is needed exactly when mask = bitfield}}
  %r0, %r1, %r2 = starch.attention_grad %q, %k, %v bits %bits out %o d_out %do mask = full scale = 0.25 : (tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x8xi64>, tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32>) -> (tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>)
  return
}

// -----

func.func @at_bits_shape(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>, %bits: tensor<8xi64>, %o: tensor<1x4x8x16xf32>, %do: tensor<1x4x8x16xf32>) {
  // expected-error @below {{'starch.attention_grad' op bits has shape 8; expected 1x8 (one word per token)}}
  %r0, %r1, %r2 = starch.attention_grad %q, %k, %v bits %bits out %o d_out %do mask = bitfield scale = 0.25 : (tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<8xi64>, tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32>) -> (tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>)
  return
}

// -----

func.func @at_bits_element_type(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>, %bits: tensor<1x8xf32>, %o: tensor<1x4x8x16xf32>, %do: tensor<1x4x8x16xf32>) {
  // expected-error @below {{'starch.attention_grad' op operand #3 must be statically shaped tensor of 64-bit signless integer values, but got 'tensor<1x8xf32>'}}
  %r0, %r1, %r2 = starch.attention_grad %q, %k, %v bits %bits out %o d_out %do mask = bitfield scale = 0.25 : (tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x8xf32>, tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32>) -> (tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>)
  return
}

// -----

func.func @at_bitfield_cross(%q: tensor<1x4x4x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>, %bits: tensor<1x4xi64>, %o: tensor<1x4x4x16xf32>, %do: tensor<1x4x4x16xf32>) {
  // expected-error @below {{'starch.attention_grad' op mask = bitfield needs self-attention, but there are 4 queries and 8 keys}}
  %r0, %r1, %r2 = starch.attention_grad %q, %k, %v bits %bits out %o d_out %do mask = bitfield scale = 0.25 : (tensor<1x4x4x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x4xi64>, tensor<1x4x4x16xf32>, tensor<1x4x4x16xf32>) -> (tensor<1x4x4x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>)
  return
}

// -----

func.func @at_bitfield_d_bias(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>, %bits: tensor<1x8xi64>, %o: tensor<1x4x8x16xf32>, %do: tensor<1x4x8x16xf32>) {
  // expected-error @below {{'starch.attention_grad' op has a d_bias result but no bias operand; d_bias is there exactly when the bias is}}
  %r0, %r1, %r2, %r3 = starch.attention_grad %q, %k, %v bits %bits out %o d_out %do mask = bitfield scale = 0.25 : (tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x8xi64>, tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32>) -> (tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x1x8x8xf32>)
  return
}
