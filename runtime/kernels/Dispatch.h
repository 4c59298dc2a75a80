//===- Dispatch.h - From a runtime DType to a C++ element type --*- C++ -*-===//
//
// Host-only helpers of the CPU drivers: call a generic lambda with the C++
// type that stores a DType, and run f16/bf16 kernels in f32.
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_RUNTIME_KERNELS_DISPATCH_H
#define STARCH_RUNTIME_KERNELS_DISPATCH_H

#include "runtime/Tensor.h"
#include "runtime/kernels/ElementwiseOps.h"

#include <cstring>
#include <type_traits>

namespace starch::rt {

template <typename T> struct TypeTag { using type = T; };

/// The i1 storage type: one byte, 0 or 1; distinct from u8 for dispatch.
struct Bool1 {
  uint8_t value;
};

/// Calls `f(TypeTag<T>{})` with T the storage type of a native dtype (every
/// dtype except f16/bf16, whose storage is uint16_t and which callers widen
/// to f32). Returns false for f16/bf16.
template <typename F> bool dispatchNative(DType dtype, F &&f) {
  switch (dtype) {
  case DType::f32:
    f(TypeTag<float>{});
    return true;
  case DType::f64:
    f(TypeTag<double>{});
    return true;
  case DType::i64:
    f(TypeTag<int64_t>{});
    return true;
  case DType::i32:
    f(TypeTag<int32_t>{});
    return true;
  case DType::i16:
    f(TypeTag<int16_t>{});
    return true;
  case DType::i8:
    f(TypeTag<int8_t>{});
    return true;
  case DType::u8:
    f(TypeTag<uint8_t>{});
    return true;
  case DType::i1:
    f(TypeTag<Bool1>{});
    return true;
  case DType::f16:
  case DType::bf16:
    return false;
  }
  return false;
}

/// The arithmetic type of a storage type: i1 computes as uint8_t (0 or 1).
template <typename T> struct Arith { using type = T; };
template <> struct Arith<Bool1> { using type = uint8_t; };

/// Calls `f(TypeTag<T>{})` for f32/f64 only.
template <typename F> bool dispatchFloat(DType dtype, F &&f) {
  if (dtype == DType::f32) {
    f(TypeTag<float>{});
    return true;
  }
  if (dtype == DType::f64) {
    f(TypeTag<double>{});
    return true;
  }
  return false;
}

/// An unsigned integer type of `size` bytes, for moves that ignore values.
template <size_t Size> struct Bits;
template <> struct Bits<1> { using type = uint8_t; };
template <> struct Bits<2> { using type = uint16_t; };
template <> struct Bits<4> { using type = uint32_t; };
template <> struct Bits<8> { using type = uint64_t; };

/// Calls `f(TypeTag<U>{})` with U an unsigned type of the element size.
template <typename F> void dispatchBits(DType dtype, F &&f) {
  switch (dtypeSize(dtype)) {
  case 1:
    f(TypeTag<uint8_t>{});
    return;
  case 2:
    f(TypeTag<uint16_t>{});
    return;
  case 4:
    f(TypeTag<uint32_t>{});
    return;
  default:
    f(TypeTag<uint64_t>{});
    return;
  }
}

/// Calls `f(std::integral_constant<Kind, kind>{})`: a runtime op kind as a
/// template argument of the scalar functions in ElementwiseOps.h.
template <typename F> void withUnaryKind(UnaryKind kind, F &&f) {
  using K = UnaryKind;
#define STARCH_CASE(k)                                                         \
  case K::k:                                                                   \
    f(std::integral_constant<K, K::k>{});                                      \
    return
  switch (kind) {
    STARCH_CASE(neg);
    STARCH_CASE(abs);
    STARCH_CASE(exp);
    STARCH_CASE(log);
    STARCH_CASE(sqrt);
    STARCH_CASE(rsqrt);
    STARCH_CASE(reciprocal);
    STARCH_CASE(tanh);
    STARCH_CASE(erf);
    STARCH_CASE(sin);
    STARCH_CASE(cos);
    STARCH_CASE(sigmoid);
    STARCH_CASE(relu);
    STARCH_CASE(floor);
    STARCH_CASE(ceil);
    STARCH_CASE(sign);
    STARCH_CASE(logicalNot);
    STARCH_CASE(silu);
    STARCH_CASE(geluErf);
    STARCH_CASE(geluTanh);
    STARCH_CASE(geluSigmoid);
  }
#undef STARCH_CASE
}

template <typename F> void withBinaryKind(BinaryKind kind, F &&f) {
  using K = BinaryKind;
#define STARCH_CASE(k)                                                         \
  case K::k:                                                                   \
    f(std::integral_constant<K, K::k>{});                                      \
    return
  switch (kind) {
    STARCH_CASE(add);
    STARCH_CASE(sub);
    STARCH_CASE(mul);
    STARCH_CASE(div);
    STARCH_CASE(rem);
    STARCH_CASE(pow);
    STARCH_CASE(max);
    STARCH_CASE(min);
    STARCH_CASE(logicalAnd);
    STARCH_CASE(logicalOr);
    STARCH_CASE(logicalXor);
  }
#undef STARCH_CASE
}

template <typename F> void withCompareKind(CompareKind kind, F &&f) {
  using K = CompareKind;
#define STARCH_CASE(k)                                                         \
  case K::k:                                                                   \
    f(std::integral_constant<K, K::k>{});                                      \
    return
  switch (kind) {
    STARCH_CASE(eq);
    STARCH_CASE(ne);
    STARCH_CASE(lt);
    STARCH_CASE(le);
    STARCH_CASE(gt);
    STARCH_CASE(ge);
  }
#undef STARCH_CASE
}

inline bool isHalf(DType dtype) {
  return dtype == DType::f16 || dtype == DType::bf16;
}

/// `t` widened to f32 when it is f16/bf16, else `t` itself.
Tensor widenHalf(const Tensor &t);
/// Widens the f16/bf16 tensor `half` into the f32 tensor `wide` (same
/// shape).
void widenInto(const Tensor &half, Tensor &wide);
/// Rounds the f32 tensor `wide` into `out` (f16/bf16, same shape).
void narrowHalf(const Tensor &wide, Tensor &out);

} // namespace starch::rt

#endif // STARCH_RUNTIME_KERNELS_DISPATCH_H
