// Elementwise ops on hand-derived values, one function per behaviour.
// RUN: starch-run %s --function=ints --print | FileCheck %s --check-prefix=INTS
// RUN: starch-run %s --function=wide_ints --print | FileCheck %s --check-prefix=WIDE
// RUN: starch-run %s --function=floats --print | FileCheck %s --check-prefix=FLOATS
// RUN: starch-run %s --function=nan --print | FileCheck %s --check-prefix=NAN
// RUN: starch-run %s --function=convert --print | FileCheck %s --check-prefix=CONVERT
// RUN: starch-run %s --function=halves --print | FileCheck %s --check-prefix=HALVES

// Integer division truncates toward zero; rem has the sign of lhs (C %).
// INTS: result0: 4 i32 mean 0 [3, -3, -3, 3]
// INTS: result1: 4 i32 mean 0 [1, -1, 1, -1]
// Integer pow by squaring; a negative exponent gives 0 unless |base| is 1.
// INTS: result2: 4 i32 mean 18.5 [81, -8, 0, 1]
func.func @ints() -> (tensor<4xi32>, tensor<4xi32>, tensor<4xi32>) {
  %a = starch.constant dense<[7, -7, 7, -7]> : tensor<4xi32>
  %b = starch.constant dense<[2, 2, -2, -2]> : tensor<4xi32>
  %d = starch.div %a, %b : tensor<4xi32>
  %r = starch.rem %a, %b : tensor<4xi32>
  %base = starch.constant dense<[3, -2, 2, 1]> : tensor<4xi32>
  %exponent = starch.constant dense<[4, 3, -1, 0]> : tensor<4xi32>
  %p = starch.pow %base, %exponent : tensor<4xi32>
  return %d, %r, %p : tensor<4xi32>, tensor<4xi32>, tensor<4xi32>
}

// i64 arithmetic is exact past 2^53: (2^62 + 1) + 2^61 and * 3.
// WIDE: result0: 1 i64 mean {{.*}} [6917529027641081857]
// WIDE: result1: 1 i64 mean {{.*}} [-4611686018427387901]
func.func @wide_ints() -> (tensor<1xi64>, tensor<1xi64>) {
  %a = starch.constant dense<4611686018427387905> : tensor<1xi64>
  %b = starch.constant dense<2305843009213693952> : tensor<1xi64>
  %three = starch.constant dense<3> : tensor<1xi64>
  %s = starch.add %a, %b : tensor<1xi64>
  // 3 * (2^62 + 1) = 2^63 + 2^62 + 3 wraps to -2^62 + 3
  %p = starch.mul %a, %three : tensor<1xi64>
  return %s, %p : tensor<1xi64>, tensor<1xi64>
}

// FLOATS: result0: 3 f32 mean 1 [1, 0, 2]
// FLOATS: result1: 3 f32 mean 0.5 [0.268941, 0.5, 0.731059]
// FLOATS: result2: 3 f32 mean 1.36205 [0.367879, 1, 2.71828]
// FLOATS: result3: 3 f32 mean 0.5 [1.5, -1.5, 1.5]
// FLOATS: result4: 3 f32 mean 0.0833333 [-1, 0, 1.25]
func.func @floats() -> (tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) {
  // floor(|x|)
  %x = starch.constant dense<[-1.5, 0.5, 2.0]> : tensor<3xf32>
  %abs = starch.abs %x : tensor<3xf32>
  %f = starch.floor %abs : tensor<3xf32>
  %t = starch.constant dense<[-1.0, 0.0, 1.0]> : tensor<3xf32>
  %s = starch.sigmoid %t : tensor<3xf32>
  %e = starch.exp %t : tensor<3xf32>
  // fmod: 5.5 rem 2 = 1.5, -5.5 rem 2 = -1.5, 5.5 rem -2 = 1.5
  %p = starch.constant dense<[5.5, -5.5, 5.5]> : tensor<3xf32>
  %q = starch.constant dense<[2.0, 2.0, -2.0]> : tensor<3xf32>
  %m = starch.rem %p, %q : tensor<3xf32>
  // ceil(-1.5) = -1, rsqrt(4) * 0 = 0, reciprocal(0.8) = 1.25
  %c = starch.constant dense<[-1.5, 4.0, 0.8]> : tensor<3xf32>
  %ceil = starch.ceil %c : tensor<3xf32>
  %rs = starch.rsqrt %c : tensor<3xf32>
  %rc = starch.reciprocal %c : tensor<3xf32>
  %sel = starch.constant dense<[true, false, false]> : tensor<3xi1>
  %zero = starch.constant dense<0.0> : tensor<3xf32>
  %mid = starch.constant dense<[false, true, false]> : tensor<3xi1>
  %a = starch.select %sel, %ceil, %rc : tensor<3xi1>, tensor<3xf32>
  %z = starch.mul %rs, %zero : tensor<3xf32>
  %out = starch.select %mid, %z, %a : tensor<3xi1>, tensor<3xf32>
  return %f, %s, %e, %m, %out : tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>
}

// max/min propagate NaN; comparisons with NaN are false except ne.
// NAN: result0: 2 f32 mean nan [nan, 3]
// NAN: result1: 2 f32 mean nan [nan, 1]
// NAN: result2: 2 i1 mean 0 [0, 0]
// NAN: result3: 2 i1 mean 1 [1, 1]
// NAN: result4: 2 f32 mean 1 [1, 1]
func.func @nan() -> (tensor<2xf32>, tensor<2xf32>, tensor<2xi1>, tensor<2xi1>, tensor<2xf32>) {
  %a = starch.constant dense<[0x7FC00000, 1.0]> : tensor<2xf32>
  %b = starch.constant dense<[1.0, 3.0]> : tensor<2xf32>
  %max = starch.max %a, %b : tensor<2xf32>
  %min = starch.min %a, %b : tensor<2xf32>
  %eq = starch.compare eq, %a, %a : tensor<2xf32> -> tensor<2xi1>
  %gt = starch.compare ge, %a, %b : tensor<2xf32> -> tensor<2xi1>
  %none = starch.and %eq, %gt : tensor<2xi1>
  %ne = starch.compare ne, %a, %b : tensor<2xf32> -> tensor<2xi1>
  // a < b ? a : b -- NaN < 1 is false, so 1; 1 < 3, so 1.
  %lt = starch.compare lt, %a, %b : tensor<2xf32> -> tensor<2xi1>
  %sel = starch.select %lt, %a, %b : tensor<2xi1>, tensor<2xf32>
  return %max, %min, %none, %ne, %sel : tensor<2xf32>, tensor<2xf32>, tensor<2xi1>, tensor<2xi1>, tensor<2xf32>
}

// Float to int truncates toward zero; to i1 is x != 0; iota counts along dim.
// CONVERT: result0: 4 i32 mean 0 [1, -1, 0, 0]
// CONVERT: result1: 4 i1 mean 0.75 [1, 1, 0, 1]
// CONVERT: result2: 2x3 i64 mean 1 [0, 1, 2, 0, 1, 2]
// CONVERT: result3: 2x3 f32 mean 0.5 [0, 0, 0, 1, 1, 1]
func.func @convert() -> (tensor<4xi32>, tensor<4xi1>, tensor<2x3xi64>, tensor<2x3xf32>) {
  %x = starch.constant dense<[1.7, -1.7, 0.0, 0.25]> : tensor<4xf32>
  %i = starch.convert %x : tensor<4xf32> -> tensor<4xi32>
  %b = starch.convert %x : tensor<4xf32> -> tensor<4xi1>
  %c = starch.iota dim = 1 : tensor<2x3xi64>
  %r = starch.iota dim = 0 : tensor<2x3xf32>
  return %i, %b, %c, %r : tensor<4xi32>, tensor<4xi1>, tensor<2x3xi64>, tensor<2x3xf32>
}

// f16/bf16 compute in f32 and round once: 2/3 -> 0.66650390625 (f16),
// 1/3 -> 0.333984375 (bf16).
// HALVES: result0: 1 f16 mean 0.666504 [0.666504]
// HALVES: result1: 1 bf16 mean 0.333984 [0.333984]
func.func @halves() -> (tensor<1xf16>, tensor<1xbf16>) {
  %a = starch.constant dense<2.0> : tensor<1xf16>
  %b = starch.constant dense<3.0> : tensor<1xf16>
  %q = starch.div %a, %b : tensor<1xf16>
  %c = starch.constant dense<1.0> : tensor<1xbf16>
  %d = starch.constant dense<3.0> : tensor<1xbf16>
  %r = starch.div %c, %d : tensor<1xbf16>
  return %q, %r : tensor<1xf16>, tensor<1xbf16>
}
