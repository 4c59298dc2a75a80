//===- ElementwiseOps.h - Scalar semantics of elementwise ops ---*- C++ -*-===//
//
// One definition of every elementwise op, for CPU loops and CUDA kernels.
// Integer arithmetic wraps (two's complement) instead of overflowing, and
// division by zero gives 0, so that no input can trap the interpreter.
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_RUNTIME_KERNELS_ELEMENTWISEOPS_H
#define STARCH_RUNTIME_KERNELS_ELEMENTWISEOPS_H

#include "runtime/kernels/Compat.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

namespace starch::rt {

enum class UnaryKind : uint8_t {
  neg,
  abs,
  exp,
  log,
  sqrt,
  rsqrt,
  reciprocal,
  tanh,
  erf,
  sin,
  cos,
  sigmoid,
  relu,
  floor,
  ceil,
  sign,
  logicalNot,
  silu,
  geluErf,
  geluTanh,
  geluSigmoid
};

enum class BinaryKind : uint8_t {
  add,
  sub,
  mul,
  div,
  rem,
  pow,
  max,
  min,
  logicalAnd,
  logicalOr,
  logicalXor
};

enum class CompareKind : uint8_t { eq, ne, lt, le, gt, ge };

/// Kinds defined only on floating-point operands.
constexpr bool isFloatOnly(UnaryKind kind) {
  return kind != UnaryKind::neg && kind != UnaryKind::abs &&
         kind != UnaryKind::sign && kind != UnaryKind::logicalNot;
}

template <typename T> STARCH_HOST_DEVICE inline T wrapAdd(T a, T b) {
  using U = std::make_unsigned_t<T>;
  return static_cast<T>(static_cast<U>(a) + static_cast<U>(b));
}
template <typename T> STARCH_HOST_DEVICE inline T wrapSub(T a, T b) {
  using U = std::make_unsigned_t<T>;
  return static_cast<T>(static_cast<U>(a) - static_cast<U>(b));
}
template <typename T> STARCH_HOST_DEVICE inline T wrapMul(T a, T b) {
  using U = std::make_unsigned_t<T>;
  // Promote narrow unsigned types past int so the product cannot overflow.
  using Wide = std::conditional_t<(sizeof(U) < sizeof(unsigned)), unsigned, U>;
  return static_cast<T>(static_cast<Wide>(static_cast<U>(a)) *
                        static_cast<Wide>(static_cast<U>(b)));
}

template <UnaryKind K, typename T>
STARCH_HOST_DEVICE inline T unaryScalar(T x) {
  if constexpr (std::is_floating_point_v<T>) {
    if constexpr (K == UnaryKind::neg)
      return -x;
    if constexpr (K == UnaryKind::abs)
      return std::fabs(x);
    if constexpr (K == UnaryKind::exp)
      return std::exp(x);
    if constexpr (K == UnaryKind::log)
      return std::log(x);
    if constexpr (K == UnaryKind::sqrt)
      return std::sqrt(x);
    if constexpr (K == UnaryKind::rsqrt)
      return T(1) / std::sqrt(x);
    if constexpr (K == UnaryKind::reciprocal)
      return T(1) / x;
    if constexpr (K == UnaryKind::tanh)
      return std::tanh(x);
    if constexpr (K == UnaryKind::erf)
      return std::erf(x);
    if constexpr (K == UnaryKind::sin)
      return std::sin(x);
    if constexpr (K == UnaryKind::cos)
      return std::cos(x);
    if constexpr (K == UnaryKind::sigmoid)
      return T(1) / (T(1) + std::exp(-x));
    if constexpr (K == UnaryKind::relu)
      return x > T(0) ? x : (x != x ? x : T(0));
    if constexpr (K == UnaryKind::floor)
      return std::floor(x);
    if constexpr (K == UnaryKind::ceil)
      return std::ceil(x);
    if constexpr (K == UnaryKind::sign)
      return x > T(0) ? T(1) : (x < T(0) ? T(-1) : x); // keeps 0, -0, NaN
    if constexpr (K == UnaryKind::logicalNot)
      return x == T(0) ? T(1) : T(0);
    if constexpr (K == UnaryKind::silu)
      return x / (T(1) + std::exp(-x));
    if constexpr (K == UnaryKind::geluErf)
      return x * T(0.5) * (T(1) + std::erf(x * T(0.70710678118654752440)));
    if constexpr (K == UnaryKind::geluTanh)
      return T(0.5) * x *
             (T(1) + std::tanh(T(0.79788456080286535588) *
                               (x + T(0.044715) * x * x * x)));
    if constexpr (K == UnaryKind::geluSigmoid)
      return x / (T(1) + std::exp(T(-1.702) * x));
    return x;
  } else {
    if constexpr (K == UnaryKind::neg)
      return wrapSub(T(0), x);
    if constexpr (K == UnaryKind::abs)
      return x < T(0) ? wrapSub(T(0), x) : x;
    if constexpr (K == UnaryKind::sign)
      return x > T(0) ? T(1) : (x < T(0) ? static_cast<T>(-1) : T(0));
    if constexpr (K == UnaryKind::logicalNot)
      return x == T(0) ? T(1) : T(0);
    return x;
  }
}

template <BinaryKind K, typename T>
STARCH_HOST_DEVICE inline T binaryScalar(T a, T b) {
  if constexpr (K == BinaryKind::logicalAnd)
    return (a != T(0)) && (b != T(0));
  if constexpr (K == BinaryKind::logicalOr)
    return (a != T(0)) || (b != T(0));
  if constexpr (K == BinaryKind::logicalXor)
    return (a != T(0)) != (b != T(0));
  if constexpr (std::is_floating_point_v<T>) {
    if constexpr (K == BinaryKind::add)
      return a + b;
    if constexpr (K == BinaryKind::sub)
      return a - b;
    if constexpr (K == BinaryKind::mul)
      return a * b;
    if constexpr (K == BinaryKind::div)
      return a / b;
    if constexpr (K == BinaryKind::rem)
      return std::fmod(a, b);
    if constexpr (K == BinaryKind::pow)
      return std::pow(a, b);
    if constexpr (K == BinaryKind::max)
      return a != a ? a : (b != b ? b : (a > b ? a : b));
    if constexpr (K == BinaryKind::min)
      return a != a ? a : (b != b ? b : (a < b ? a : b));
    return a;
  } else {
    if constexpr (K == BinaryKind::add)
      return wrapAdd(a, b);
    if constexpr (K == BinaryKind::sub)
      return wrapSub(a, b);
    if constexpr (K == BinaryKind::mul)
      return wrapMul(a, b);
    if constexpr (K == BinaryKind::div) {
      if (b == T(0))
        return T(0);
      if constexpr (std::is_signed_v<T>)
        if (b == T(-1))
          return wrapSub(T(0), a); // INT_MIN / -1 would trap
      return static_cast<T>(a / b);
    }
    if constexpr (K == BinaryKind::rem) {
      if (b == T(0))
        return T(0);
      if constexpr (std::is_signed_v<T>)
        if (b == T(-1))
          return T(0);
      return static_cast<T>(a % b);
    }
    if constexpr (K == BinaryKind::pow) {
      if constexpr (std::is_signed_v<T>) {
        if (b < T(0)) {
          if (a == T(1))
            return T(1);
          if (a == T(-1))
            return (b % 2) ? T(-1) : T(1);
          return T(0);
        }
      }
      T result = T(1), base = a;
      for (T e = b; e != T(0); e = static_cast<T>(e >> 1)) {
        if (e & T(1))
          result = wrapMul(result, base);
        base = wrapMul(base, base);
      }
      return result;
    }
    if constexpr (K == BinaryKind::max)
      return a > b ? a : b;
    if constexpr (K == BinaryKind::min)
      return a < b ? a : b;
    return a;
  }
}

template <CompareKind K, typename T>
STARCH_HOST_DEVICE inline bool compareScalar(T a, T b) {
  if constexpr (K == CompareKind::eq)
    return a == b;
  if constexpr (K == CompareKind::ne)
    return a != b;
  if constexpr (K == CompareKind::lt)
    return a < b;
  if constexpr (K == CompareKind::le)
    return a <= b;
  if constexpr (K == CompareKind::gt)
    return a > b;
  return a >= b;
}

/// Element conversion: float to integer truncates toward zero (NaN gives 0,
/// out-of-range values saturate); integer to integer wraps.
template <typename D, typename S>
STARCH_HOST_DEVICE inline D convertScalar(S x) {
  if constexpr (std::is_floating_point_v<S> && std::is_integral_v<D>) {
    if (x != x)
      return D(0);
    if (x <= static_cast<S>(lowestOf<D>()))
      return lowestOf<D>();
    if (x >= static_cast<S>(maxOf<D>()))
      return maxOf<D>();
    return static_cast<D>(x);
  } else {
    return static_cast<D>(x);
  }
}

/// One element of `convert` (and `iota`): to the i1 storage when `ToBool`
/// (x != 0), else as convertScalar.
template <typename D, typename S, bool ToBool>
STARCH_HOST_DEVICE inline D convertElement(S x) {
  if constexpr (ToBool)
    return static_cast<D>(x != S(0));
  else
    return convertScalar<D, S>(x);
}

/// The value of element `i` of `iota` along a dimension of `size` elements
/// whose elements are `inner` apart.
STARCH_HOST_DEVICE inline int64_t iotaIndex(int64_t i, int64_t inner,
                                            int64_t size) {
  return (i / inner) % size;
}

} // namespace starch::rt

#endif // STARCH_RUNTIME_KERNELS_ELEMENTWISEOPS_H
