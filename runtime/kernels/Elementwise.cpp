//===- Elementwise.cpp - Elementwise kernels on host tensors --------------===//
#include "runtime/kernels/Elementwise.h"

#include "runtime/kernels/Bf16.h"
#include "runtime/kernels/Checks.h"
#include "runtime/kernels/Dispatch.h"
#include "runtime/kernels/Parallel.h"

#include <utility>

namespace starch::rt {

namespace {
constexpr int64_t kGrain = 1 << 14;

template <UnaryKind K, typename T>
void unaryLoop(const T *in, T *out, int64_t n) {
  parallelFor(n, kGrain, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i)
      out[i] = unaryScalar<K, T>(in[i]);
  });
}

template <BinaryKind K, typename T>
void binaryLoop(const T *lhs, const T *rhs, T *out, int64_t n, bool isBool) {
  parallelFor(n, kGrain, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i)
      out[i] = binaryScalar<K, T>(lhs[i], rhs[i]);
    if constexpr (std::is_integral_v<T>)
      if (isBool) // i1 arithmetic is modulo 2
        for (int64_t i = begin; i < end; ++i)
          out[i] = static_cast<T>(out[i] & 1);
  });
}

template <CompareKind K, typename T>
void compareLoop(const T *lhs, const T *rhs, uint8_t *out, int64_t n) {
  parallelFor(n, kGrain, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i)
      out[i] = compareScalar<K, T>(lhs[i], rhs[i]);
  });
}
} // namespace

Status checkUnary(UnaryKind kind, const Tensor &input, const Tensor &out) {
  if (Status s = checkSameShape(input, out, "unary"); !s)
    return s;
  if (Status s = checkDtype(out, input.dtype(), "unary output"); !s)
    return s;
  if (isFloatOnly(kind) && !isFloat(input.dtype()))
    return Status::error(std::string("unary op needs a float tensor, got ") +
                         dtypeName(input.dtype()));
  return Status::success();
}

Status checkBinary(const Tensor &lhs, const Tensor &rhs, const Tensor &out) {
  if (Status s = checkSameShape(lhs, rhs, "binary"); !s)
    return s;
  if (Status s = checkSameShape(lhs, out, "binary"); !s)
    return s;
  if (Status s = checkDtype(rhs, lhs.dtype(), "binary rhs"); !s)
    return s;
  return checkDtype(out, lhs.dtype(), "binary output");
}

Status checkCompare(const Tensor &lhs, const Tensor &rhs, const Tensor &out) {
  if (Status s = checkSameShape(lhs, rhs, "compare"); !s)
    return s;
  if (Status s = checkSameShape(lhs, out, "compare"); !s)
    return s;
  if (Status s = checkDtype(rhs, lhs.dtype(), "compare rhs"); !s)
    return s;
  return checkDtype(out, DType::i1, "compare output");
}

Status checkSelect(const Tensor &condition, const Tensor &onTrue,
                   const Tensor &onFalse, const Tensor &out) {
  if (Status s = checkSameShape(condition, onTrue, "select"); !s)
    return s;
  if (Status s = checkSameShape(onTrue, onFalse, "select"); !s)
    return s;
  if (Status s = checkSameShape(onTrue, out, "select"); !s)
    return s;
  if (dtypeSize(condition.dtype()) != 1)
    return Status::error(std::string("select: condition must be i1, got ") +
                         dtypeName(condition.dtype()));
  if (dtypeSize(onTrue.dtype()) != dtypeSize(out.dtype()) ||
      dtypeSize(onFalse.dtype()) != dtypeSize(out.dtype()))
    return Status::error("select: operand and result types differ");
  return Status::success();
}

Status checkConvert(const Tensor &input, const Tensor &out) {
  return checkSameShape(input, out, "convert");
}

Status checkIota(int64_t dim, const Tensor &out) {
  if (dim < 0 || dim >= out.rank())
    return Status::error("iota dimension out of range");
  return Status::success();
}

// One loop per type, so that the bf16 one vectorises.
void widenInto(const Tensor &half, Tensor &wide) {
  const uint16_t *in = half.data<uint16_t>();
  float *out = wide.data<float>();
  if (half.dtype() == DType::bf16)
    parallelFor(half.numElements(), kGrain, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i)
        out[i] = bf16Value(in[i]);
    });
  else
    parallelFor(half.numElements(), kGrain, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i)
        out[i] = halfToFloat(in[i]);
    });
}

Tensor widenHalf(const Tensor &t) {
  if (!isHalf(t.dtype()))
    return t;
  Tensor wide = Tensor::uninitialized(DType::f32, t.shape());
  widenInto(t, wide);
  return wide;
}

void narrowHalf(const Tensor &wide, Tensor &out) {
  const float *in = wide.data<float>();
  uint16_t *bits = out.data<uint16_t>();
  if (out.dtype() == DType::bf16)
    parallelFor(out.numElements(), kGrain, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i)
        bits[i] = bf16Bits(in[i]);
    });
  else
    parallelFor(out.numElements(), kGrain, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i)
        bits[i] = floatToHalf(in[i]);
    });
}

Status unary(UnaryKind kind, const Tensor &input, Tensor &out) {
  if (Status s = checkUnary(kind, input, out); !s)
    return s;
  if (isHalf(input.dtype())) {
    Tensor wide = widenHalf(input), result(DType::f32, input.shape());
    if (Status s = unary(kind, wide, result); !s)
      return s;
    narrowHalf(result, out);
    return Status::success();
  }
  int64_t n = input.numElements();
  dispatchNative(input.dtype(), [&](auto tag) {
    using T = typename Arith<typename decltype(tag)::type>::type;
    withUnaryKind(kind, [&](auto k) {
      unaryLoop<decltype(k)::value, T>(input.data<T>(), out.data<T>(), n);
    });
  });
  if (input.dtype() == DType::i1) // i1 arithmetic is modulo 2
    for (int64_t i = 0; i < n; ++i)
      out.data<uint8_t>()[i] &= 1;
  return Status::success();
}

Status binary(BinaryKind kind, const Tensor &lhs, const Tensor &rhs,
              Tensor &out) {
  if (Status s = checkBinary(lhs, rhs, out); !s)
    return s;
  if (isHalf(lhs.dtype())) {
    Tensor result(DType::f32, lhs.shape());
    if (Status s = binary(kind, widenHalf(lhs), widenHalf(rhs), result); !s)
      return s;
    narrowHalf(result, out);
    return Status::success();
  }
  int64_t n = lhs.numElements();
  bool isBool = lhs.dtype() == DType::i1;
  dispatchNative(lhs.dtype(), [&](auto tag) {
    using T = typename Arith<typename decltype(tag)::type>::type;
    withBinaryKind(kind, [&](auto k) {
      binaryLoop<decltype(k)::value, T>(lhs.data<T>(), rhs.data<T>(),
                                        out.data<T>(), n, isBool);
    });
  });
  return Status::success();
}

Status compare(CompareKind kind, const Tensor &lhs, const Tensor &rhs,
               Tensor &out) {
  if (Status s = checkCompare(lhs, rhs, out); !s)
    return s;
  if (isHalf(lhs.dtype()))
    return compare(kind, widenHalf(lhs), widenHalf(rhs), out);
  int64_t n = lhs.numElements();
  dispatchNative(lhs.dtype(), [&](auto tag) {
    using T = typename Arith<typename decltype(tag)::type>::type;
    withCompareKind(kind, [&](auto k) {
      compareLoop<decltype(k)::value, T>(lhs.data<T>(), rhs.data<T>(),
                                         out.data<uint8_t>(), n);
    });
  });
  return Status::success();
}

Status select(const Tensor &condition, const Tensor &onTrue,
              const Tensor &onFalse, Tensor &out) {
  if (Status s = checkSelect(condition, onTrue, onFalse, out); !s)
    return s;
  const uint8_t *cond = condition.data<uint8_t>();
  dispatchBits(out.dtype(), [&](auto tag) {
    using U = typename decltype(tag)::type;
    const U *a = onTrue.data<U>(), *b = onFalse.data<U>();
    U *o = out.data<U>();
    parallelFor(out.numElements(), kGrain, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i)
        o[i] = cond[i] ? a[i] : b[i];
    });
  });
  return Status::success();
}

Status convert(const Tensor &input, Tensor &out) {
  if (Status s = checkConvert(input, out); !s)
    return s;
  // Between f32 and a half type (bf16 mixed precision's converts): one
  // pass, without the f32 copy of the general path.
  if (input.dtype() == DType::f32 && isHalf(out.dtype())) {
    narrowHalf(input, out);
    return Status::success();
  }
  if (isHalf(input.dtype()) && out.dtype() == DType::f32) {
    widenInto(input, out);
    return Status::success();
  }
  if (isHalf(input.dtype()))
    return convert(widenHalf(input), out);
  if (isHalf(out.dtype())) {
    Tensor wide(DType::f32, out.shape());
    if (Status s = convert(input, wide); !s)
      return s;
    narrowHalf(wide, out);
    return Status::success();
  }
  int64_t n = input.numElements();
  dispatchNative(input.dtype(), [&](auto srcTag) {
    using SrcStorage = typename decltype(srcTag)::type;
    using S = typename Arith<SrcStorage>::type;
    const S *in = input.data<S>();
    dispatchNative(out.dtype(), [&](auto dstTag) {
      using DstStorage = typename decltype(dstTag)::type;
      using D = typename Arith<DstStorage>::type;
      D *o = out.data<D>();
      constexpr bool toBool = std::is_same_v<DstStorage, Bool1>;
      parallelFor(n, kGrain, [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i)
          o[i] = convertElement<D, S, toBool>(in[i]);
      });
    });
  });
  return Status::success();
}

Status iota(int64_t dim, Tensor &out) {
  if (Status s = checkIota(dim, out); !s)
    return s;
  Tensor wide = isHalf(out.dtype()) ? Tensor(DType::f32, out.shape()) : out;
  int64_t size = out.shape()[dim], inner = 1;
  for (int64_t d = dim + 1; d < out.rank(); ++d)
    inner *= out.shape()[d];
  int64_t n = out.numElements();
  dispatchNative(wide.dtype(), [&](auto tag) {
    using Storage = typename decltype(tag)::type;
    using T = typename Arith<Storage>::type;
    T *o = wide.data<T>();
    constexpr bool toBool = std::is_same_v<Storage, Bool1>;
    parallelFor(n, kGrain, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i)
        o[i] = convertElement<T, int64_t, toBool>(iotaIndex(i, inner, size));
    });
  });
  if (isHalf(out.dtype()))
    narrowHalf(wide, out);
  return Status::success();
}

Status fill(double value, Tensor &out) {
  Tensor one(out.dtype(), {});
  Tensor wide(DType::f64, {});
  wide.data<double>()[0] = value;
  if (Status s = convert(wide, one); !s)
    return s;
  size_t size = dtypeSize(out.dtype());
  uint8_t *bytes = out.bytes();
  for (int64_t i = 0, e = out.numElements(); i < e; ++i)
    std::memcpy(bytes + i * size, one.bytes(), size);
  return Status::success();
}

} // namespace starch::rt
