//===- Elementwise.h - CUDA drivers of the elementwise kernels --*- C++ -*-===//
#ifndef STARCH_RUNTIME_CUDA_DRIVERS_ELEMENTWISE_H
#define STARCH_RUNTIME_CUDA_DRIVERS_ELEMENTWISE_H

#include "runtime/cuda/drivers/Common.h"
#include "runtime/kernels/Elementwise.h"

#include <cstring>

namespace starch::rt::cuda::drivers {

template <typename T, typename Exec>
Status launchUnary(Exec &exec, UnaryKind kind, const T *in, T *out, int64_t n,
                   bool isBool) {
  Status status;
  withUnaryKind(kind, [&](auto k) {
    constexpr UnaryKind K = decltype(k)::value;
    if constexpr (std::is_floating_point_v<T> || !isFloatOnly(K))
      status = exec.launch(n, UnaryBody<K, T>{in, out, isBool});
  });
  return status;
}

template <typename T, typename Exec>
Status launchBinary(Exec &exec, BinaryKind kind, const T *lhs, const T *rhs,
                    T *out, int64_t n, bool isBool) {
  Status status;
  withBinaryKind(kind, [&](auto k) {
    constexpr BinaryKind K = decltype(k)::value;
    status = exec.launch(n, BinaryBody<K, T>{lhs, rhs, out, isBool});
  });
  return status;
}

template <typename T, typename Exec>
Status launchCompare(Exec &exec, CompareKind kind, const T *lhs, const T *rhs,
                     uint8_t *out, int64_t n) {
  Status status;
  withCompareKind(kind, [&](auto k) {
    constexpr CompareKind K = decltype(k)::value;
    status = exec.launch(n, CompareBody<K, T>{lhs, rhs, out});
  });
  return status;
}

template <typename S, typename Exec>
Status launchConvert(Exec &exec, const S *in, Tensor &out, int64_t n) {
  Status status;
  dispatchNative(out.dtype(), [&](auto dstTag) {
    using DstStorage = typename decltype(dstTag)::type;
    using D = typename Arith<DstStorage>::type;
    constexpr bool toBool = std::is_same_v<DstStorage, Bool1>;
    status = exec.launch(n, ConvertBody<D, S, toBool>{in, out.data<D>()});
  });
  return status;
}

template <typename Exec>
Status unary(Exec &exec, UnaryKind kind, const Tensor &input, Tensor &out) {
  if (Status s = checkUnary(kind, input, out); !s)
    return s;
  if (isHalf(input.dtype()))
    return unsupportedDtype("unary", input.dtype());
  int64_t n = input.numElements();
  bool isBool = input.dtype() == DType::i1;
  Status status;
  dispatchNative(input.dtype(), [&](auto tag) {
    using T = typename Arith<typename decltype(tag)::type>::type;
    status =
        launchUnary<T>(exec, kind, input.data<T>(), out.data<T>(), n, isBool);
  });
  return status;
}

template <typename Exec>
Status binary(Exec &exec, BinaryKind kind, const Tensor &lhs, const Tensor &rhs,
              Tensor &out) {
  if (Status s = checkBinary(lhs, rhs, out); !s)
    return s;
  if (isHalf(lhs.dtype()))
    return unsupportedDtype("binary", lhs.dtype());
  int64_t n = lhs.numElements();
  bool isBool = lhs.dtype() == DType::i1;
  Status status;
  dispatchNative(lhs.dtype(), [&](auto tag) {
    using T = typename Arith<typename decltype(tag)::type>::type;
    status = launchBinary<T>(exec, kind, lhs.data<T>(), rhs.data<T>(),
                             out.data<T>(), n, isBool);
  });
  return status;
}

template <typename Exec>
Status compare(Exec &exec, CompareKind kind, const Tensor &lhs,
               const Tensor &rhs, Tensor &out) {
  if (Status s = checkCompare(lhs, rhs, out); !s)
    return s;
  if (isHalf(lhs.dtype()))
    return unsupportedDtype("compare", lhs.dtype());
  int64_t n = lhs.numElements();
  Status status;
  dispatchNative(lhs.dtype(), [&](auto tag) {
    using T = typename Arith<typename decltype(tag)::type>::type;
    status = launchCompare<T>(exec, kind, lhs.data<T>(), rhs.data<T>(),
                              out.data<uint8_t>(), n);
  });
  return status;
}

template <typename Exec>
Status select(Exec &exec, const Tensor &condition, const Tensor &onTrue,
              const Tensor &onFalse, Tensor &out) {
  if (Status s = checkSelect(condition, onTrue, onFalse, out); !s)
    return s;
  Status status;
  dispatchBits(out.dtype(), [&](auto tag) {
    using U = typename decltype(tag)::type;
    status =
        exec.launch(out.numElements(),
                    SelectBody<U>{condition.data<uint8_t>(), onTrue.data<U>(),
                                  onFalse.data<U>(), out.data<U>()});
  });
  return status;
}

template <typename Exec>
Status convert(Exec &exec, const Tensor &input, Tensor &out) {
  if (Status s = checkConvert(input, out); !s)
    return s;
  // bf16 mixed precision's converts (starch-autocast).
  if (input.dtype() == DType::f32 && out.dtype() == DType::bf16)
    return exec.launch(
        input.numElements(),
        NarrowBf16Body{input.data<float>(), out.data<uint16_t>()});
  if (input.dtype() == DType::bf16 && out.dtype() == DType::f32)
    return exec.launch(
        input.numElements(),
        WidenBf16Body{input.data<uint16_t>(), out.data<float>()});
  if (isHalf(input.dtype()))
    return unsupportedDtype("convert", input.dtype());
  if (isHalf(out.dtype()))
    return unsupportedDtype("convert", out.dtype());
  int64_t n = input.numElements();
  Status status;
  dispatchNative(input.dtype(), [&](auto srcTag) {
    using S = typename Arith<typename decltype(srcTag)::type>::type;
    status = launchConvert<S>(exec, input.data<S>(), out, n);
  });
  return status;
}

template <typename Exec> Status iota(Exec &exec, int64_t dim, Tensor &out) {
  if (Status s = checkIota(dim, out); !s)
    return s;
  if (isHalf(out.dtype()))
    return unsupportedDtype("iota", out.dtype());
  int64_t size = out.shape()[dim], inner = 1;
  for (int64_t d = dim + 1; d < out.rank(); ++d)
    inner *= out.shape()[d];
  Status status;
  dispatchNative(out.dtype(), [&](auto tag) {
    using Storage = typename decltype(tag)::type;
    using T = typename Arith<Storage>::type;
    constexpr bool toBool = std::is_same_v<Storage, Bool1>;
    status = exec.launch(out.numElements(),
                         IotaBody<T, toBool>{out.data<T>(), inner, size});
  });
  return status;
}

/// The value is converted once on the host by the CPU `fill` (so every
/// dtype, f16 and bf16 included, rounds exactly as on the CPU), then its
/// bit pattern is stored everywhere.
template <typename Exec> Status fill(Exec &exec, double value, Tensor &out) {
  Tensor one = Tensor::uninitialized(out.dtype(), {});
  if (Status s = rt::fill(value, one); !s)
    return s;
  Status status;
  dispatchBits(out.dtype(), [&](auto tag) {
    using U = typename decltype(tag)::type;
    U bits;
    std::memcpy(&bits, one.bytes(), sizeof(U));
    status = exec.launch(out.numElements(), FillBody<U>{out.data<U>(), bits});
  });
  return status;
}

} // namespace starch::rt::cuda::drivers

#endif // STARCH_RUNTIME_CUDA_DRIVERS_ELEMENTWISE_H
