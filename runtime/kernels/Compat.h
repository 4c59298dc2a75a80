//===- Compat.h - One kernel source for g++ and nvcc ------------*- C++ -*-===//
//
// Scalar and row functions of the kernels are marked STARCH_HOST_DEVICE so the
// same source compiles into CPU loops (g++) and CUDA kernels (nvcc).
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_RUNTIME_KERNELS_COMPAT_H
#define STARCH_RUNTIME_KERNELS_COMPAT_H

#if defined(__CUDACC__)
#define STARCH_HOST_DEVICE __host__ __device__
#else
#define STARCH_HOST_DEVICE
#endif

#include <cfloat>
#include <cstdint>
#include <type_traits>

namespace starch::rt {

// std::numeric_limits is host-only under nvcc (without
// --expt-relaxed-constexpr); these limits work on both sides.
template <typename T> STARCH_HOST_DEVICE constexpr T maxOf() {
  if constexpr (std::is_same_v<T, float>)
    return FLT_MAX;
  else if constexpr (std::is_same_v<T, double>)
    return DBL_MAX;
  else if constexpr (std::is_signed_v<T>)
    return static_cast<T>((uint64_t(1) << (8 * sizeof(T) - 1)) - 1);
  else
    return static_cast<T>(~T(0));
}

template <typename T> STARCH_HOST_DEVICE constexpr T lowestOf() {
  if constexpr (std::is_floating_point_v<T> || std::is_signed_v<T>)
    return static_cast<T>(-maxOf<T>() - (std::is_integral_v<T> ? 1 : 0));
  else
    return T(0);
}

template <typename T> STARCH_HOST_DEVICE constexpr T infinityOf() {
  return static_cast<T>(__builtin_huge_val());
}

template <typename T> STARCH_HOST_DEVICE constexpr T quietNaNOf() {
  return static_cast<T>(__builtin_nan(""));
}

} // namespace starch::rt

#endif // STARCH_RUNTIME_KERNELS_COMPAT_H
