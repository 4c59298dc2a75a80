// RUN: starch-opt %s --starch-autocast=precision=bf16 | FileCheck %s
// RUN: starch-opt %s --starch-autocast | FileCheck %s --check-prefix=F32
// RUN: not starch-opt %s --starch-autocast=precision=f16 2>&1 | FileCheck %s --check-prefix=BAD
// RUN: starch-opt %s --starch-autocast=precision=bf16 --starch-autodiff=functions=product | FileCheck %s --check-prefix=GRAD
// RUN: starch-opt %s --starch-autocast=precision=bf16 --starch-autodiff=functions=product -o %t.mlir
// RUN: %python -c "import sys; sys.path.insert(0, '%S/../../Inputs'); import tensorio; tensorio.write_npy('%t.w.npy', [2, 2], 'f32', [1, 1, 1, 0])"
// RUN: starch-run %t.mlir --function product --input %t.w.npy --print | FileCheck %s --check-prefix=NUM
// RUN: starch-run %t.mlir --function product_grad --input %t.w.npy --print | FileCheck %s --check-prefix=NUMGRAD
// RUN: starch-run %t.mlir --function rounding --print | FileCheck %s --check-prefix=NUMROUND

// A product rounds its operands and its result through bf16 (`bf16`),
// on its f32 tensors: no convert, no bf16 copy.
// CHECK-LABEL: func.func @product
// CHECK-SAME: (%[[W:.*]]: tensor<2x2xf32>
// CHECK: %[[X:.*]] = starch.constant
// CHECK-NOT: starch.convert
// CHECK: %[[Y:.*]] = starch.matmul %[[X]], %[[W]] bf16 {starch.layer = "layers.0"} : (tensor<1x2xf32>, tensor<2x2xf32>) -> tensor<1x2xf32>
// CHECK-NOT: starch.convert
// CHECK: starch.reduce sum %[[Y]]

// An activation of bf16 numbers, and a product of two, is rounded to
// bf16 (a convert there and back); a splat constant does not widen it,
// an f32 value does (the residual add is not rounded); data movement
// keeps bf16 numbers without rounding.
// CHECK-LABEL: func.func @flow
// CHECK: %[[A:.*]] = starch.matmul %{{.*}}, %{{.*}} bf16
// CHECK: %[[S:.*]] = starch.silu %[[A]]
// CHECK: %[[SB:.*]] = starch.convert %[[S]] : tensor<4x2xf32> -> tensor<4x2xbf16>
// CHECK: %[[SR:.*]] = starch.convert %[[SB]] : tensor<4x2xbf16> -> tensor<4x2xf32>
// CHECK: %[[P:.*]] = starch.mul %[[SR]], %[[A]]
// CHECK: %[[PB:.*]] = starch.convert %[[P]] : tensor<4x2xf32> -> tensor<4x2xbf16>
// CHECK: %[[PR:.*]] = starch.convert %[[PB]] : tensor<4x2xbf16> -> tensor<4x2xf32>
// CHECK: %[[H:.*]] = starch.mul %[[PR]], %{{.*}} : tensor<4x2xf32>
// CHECK: %[[HB:.*]] = starch.convert %[[H]]
// CHECK: %[[HR:.*]] = starch.convert %[[HB]]
// CHECK: %[[R:.*]] = starch.reshape %[[HR]]
// CHECK-NOT: starch.convert %[[R]]
// CHECK: %[[SUM:.*]] = starch.add %[[R]], %{{.*}} : tensor<8xf32>
// CHECK-NOT: starch.convert %[[SUM]]
// CHECK: return %[[SUM]]

// Attention runs its f32 kernel on rounded operands: the query and key
// (from rope, f32) are rounded, the value (a product) already holds bf16
// numbers; the result is rounded.
// CHECK-LABEL: func.func @attention
// CHECK: %[[VF:.*]] = starch.matmul %{{.*}}, %{{.*}} bf16
// CHECK: %[[V:.*]] = starch.reshape %[[VF]]
// CHECK: %[[QB:.*]] = starch.convert %[[Q:.*]] : tensor<1x1x2x2xf32> -> tensor<1x1x2x2xbf16>
// CHECK: %[[QR:.*]] = starch.convert %[[QB]] : tensor<1x1x2x2xbf16> -> tensor<1x1x2x2xf32>
// CHECK: %[[KB:.*]] = starch.convert %[[K:.*]] : tensor<1x1x2x2xf32> -> tensor<1x1x2x2xbf16>
// CHECK: %[[KR:.*]] = starch.convert %[[KB]] : tensor<1x1x2x2xbf16> -> tensor<1x1x2x2xf32>
// CHECK: %[[O:.*]] = starch.attention %[[QR]], %[[KR]], %[[V]]
// CHECK: %[[OB:.*]] = starch.convert %[[O]] : tensor<1x1x2x2xf32> -> tensor<1x1x2x2xbf16>
// CHECK: %[[OR:.*]] = starch.convert %[[OB]] : tensor<1x1x2x2xbf16> -> tensor<1x1x2x2xf32>
// CHECK: return %[[OR]]

// A layer's bias (a vector broadcast onto a product) is rounded, and the
// sum, as PyTorch's linear takes the bias in; a broadcast table (a
// position embedding) is added in f32; an outer product stays f32.
// CHECK-LABEL: func.func @bias
// CHECK: %[[Y:.*]] = starch.matmul %{{.*}}, %{{.*}} bf16
// CHECK: %[[R:.*]] = starch.reshape %[[Y]]
// CHECK: %[[B:.*]] = starch.broadcast %{{.*}} dims = [2]
// CHECK: %[[BB:.*]] = starch.convert %[[B]] : tensor<1x4x2xf32> -> tensor<1x4x2xbf16>
// CHECK: %[[BR:.*]] = starch.convert %[[BB]] : tensor<1x4x2xbf16> -> tensor<1x4x2xf32>
// CHECK: %[[S:.*]] = starch.add %[[R]], %[[BR]]
// CHECK: %[[SB:.*]] = starch.convert %[[S]]
// CHECK: %[[SR:.*]] = starch.convert %[[SB]]
// CHECK: %[[T:.*]] = starch.broadcast %{{.*}} dims = [1, 2]
// CHECK-NOT: starch.convert %[[T]]
// CHECK: %[[P:.*]] = starch.add %[[SR]], %[[T]]
// CHECK-NOT: starch.convert %[[P]]
// CHECK: starch.matmul %{{.*}}, %{{.*}} : (tensor<3x1xf32>, tensor<1x5xf32>) -> tensor<3x5xf32>

// F32-NOT: bf16
// BAD: starch-autocast: precision 'f16' is not one of f32, bf16

// The gradient products are `bf16` too: they round the cotangent and the
// gradient, as PyTorch's bf16 product of a bf16 cotangent does.
// GRAD-LABEL: func.func @product_grad
// GRAD: %[[DW:.*]] = starch.matmul %{{.*}} transposed, %{{.*}} bf16 {starch.layer = "layers.0"} : (tensor<1x2xf32>, tensor<1x2xf32>) -> tensor<2x2xf32>
// GRAD: return {{.*}}, %[[DW]] : tensor<f32>, tensor<2x2xf32>

// Hand-derived: x = [1 + 2^-9, 3] rounds to [1, 3] in bf16 (8 significant
// bits), so x W = [1 + 3, 1] and the sum is 5 (f32 would give 5.00195).
// NUM: result0: scalar f32 mean 5 [5]{{$}}
// d sum(x W) / dW = x^T [1, 1] with the rounded x: rows [1, 1] and [3, 3].
// NUMGRAD: result0: scalar f32 mean 5 [5]{{$}}
// NUMGRAD: grad.arg0: 2x2 f32 mean 2 [1, 1, 3, 3]{{$}}
// 1 + 2^-8 (the f32 sum of 1 and 2^-8) lies halfway between the bf16
// numbers 1 and 1 + 2^-7 and rounds to the even one, 1; then silu(1) =
// 0.7310586 rounds to 0.73046875.
// NUMROUND: result0: 1x2 f32 mean 0.865234 [1, 0.730469]

func.func @product(%w: tensor<2x2xf32> {starch.differentiable}) -> tensor<f32> {
  %x = starch.constant dense<[[1.001953125, 3.0]]> : tensor<1x2xf32>
  %y = starch.matmul %x, %w {starch.layer = "layers.0"} : (tensor<1x2xf32>, tensor<2x2xf32>) -> tensor<1x2xf32>
  %s = starch.reduce sum %y dims = [0, 1] : tensor<1x2xf32> -> tensor<f32>
  return %s : tensor<f32>
}

func.func @flow(%x: tensor<4x3xf32>, %w: tensor<3x2xf32>, %residual: tensor<8xf32>) -> tensor<8xf32> {
  %a = starch.matmul %x, %w : (tensor<4x3xf32>, tensor<3x2xf32>) -> tensor<4x2xf32>
  %s = starch.silu %a : tensor<4x2xf32>
  %p = starch.mul %s, %a : tensor<4x2xf32>
  %half = starch.constant dense<0.5> : tensor<4x2xf32>
  %h = starch.mul %p, %half : tensor<4x2xf32>
  %r = starch.reshape %h : tensor<4x2xf32> -> tensor<8xf32>
  %sum = starch.add %r, %residual : tensor<8xf32>
  return %sum : tensor<8xf32>
}

func.func @attention(%q: tensor<1x1x2x2xf32>, %k: tensor<1x1x2x2xf32>, %x: tensor<2x2xf32>, %wv: tensor<2x2xf32>) -> tensor<1x1x2x2xf32> {
  %v2 = starch.matmul %x, %wv : (tensor<2x2xf32>, tensor<2x2xf32>) -> tensor<2x2xf32>
  %v = starch.reshape %v2 : tensor<2x2xf32> -> tensor<1x1x2x2xf32>
  %o = starch.attention %q, %k, %v mask = causal scale = 1.0 : (tensor<1x1x2x2xf32>, tensor<1x1x2x2xf32>, tensor<1x1x2x2xf32>) -> tensor<1x1x2x2xf32>
  return %o : tensor<1x1x2x2xf32>
}

func.func @rounding() -> tensor<1x2xf32> {
  %x = starch.constant dense<[[1.0, 0.00390625]]> : tensor<1x2xf32>
  %w = starch.constant dense<[[1.0, 1.0], [1.0, 0.0]]> : tensor<2x2xf32>
  %y = starch.matmul %x, %w : (tensor<1x2xf32>, tensor<2x2xf32>) -> tensor<1x2xf32>
  %s = starch.silu %y : tensor<1x2xf32>
  %one = starch.constant dense<[[1.0, 0.0]]> : tensor<1x2xf32>
  %two = starch.constant dense<[[0.0, 1.0]]> : tensor<1x2xf32>
  %a = starch.mul %y, %one : tensor<1x2xf32>
  %b = starch.mul %s, %two : tensor<1x2xf32>
  %o = starch.add %a, %b : tensor<1x2xf32>
  return %o : tensor<1x2xf32>
}

func.func @bias(%x: tensor<4x3xf32>, %w: tensor<3x2xf32>, %b: tensor<2xf32>, %table: tensor<4x2xf32>, %f: tensor<3x1xf32>, %p: tensor<1x5xf32>) -> (tensor<1x4x2xf32>, tensor<3x5xf32>) {
  %y = starch.matmul %x, %w : (tensor<4x3xf32>, tensor<3x2xf32>) -> tensor<4x2xf32>
  %r = starch.reshape %y : tensor<4x2xf32> -> tensor<1x4x2xf32>
  %bb = starch.broadcast %b dims = [2] : tensor<2xf32> -> tensor<1x4x2xf32>
  %s = starch.add %r, %bb : tensor<1x4x2xf32>
  %tb = starch.broadcast %table dims = [1, 2] : tensor<4x2xf32> -> tensor<1x4x2xf32>
  %pos = starch.add %s, %tb : tensor<1x4x2xf32>
  %angles = starch.matmul %f, %p : (tensor<3x1xf32>, tensor<1x5xf32>) -> tensor<3x5xf32>
  return %pos, %angles : tensor<1x4x2xf32>, tensor<3x5xf32>
}
