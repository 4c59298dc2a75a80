//===- Tensor.cpp - Dense host tensors of the Starch runtime --------------===//
#include "runtime/Tensor.h"

#include "runtime/kernels/Bf16.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <new>
#include <sstream>

namespace starch::rt {

size_t dtypeSize(DType dtype) {
  switch (dtype) {
  case DType::f64:
  case DType::i64:
    return 8;
  case DType::f32:
  case DType::i32:
    return 4;
  case DType::f16:
  case DType::bf16:
  case DType::i16:
    return 2;
  case DType::i8:
  case DType::u8:
  case DType::i1:
    return 1;
  }
  return 0;
}

const char *dtypeName(DType dtype) {
  switch (dtype) {
  case DType::f32:
    return "f32";
  case DType::f64:
    return "f64";
  case DType::f16:
    return "f16";
  case DType::bf16:
    return "bf16";
  case DType::i64:
    return "i64";
  case DType::i32:
    return "i32";
  case DType::i16:
    return "i16";
  case DType::i8:
    return "i8";
  case DType::u8:
    return "u8";
  case DType::i1:
    return "i1";
  }
  return "?";
}

bool isFloat(DType dtype) {
  return dtype == DType::f32 || dtype == DType::f64 || dtype == DType::f16 ||
         dtype == DType::bf16;
}

int64_t numElements(const Shape &shape) {
  int64_t count = 1;
  for (int64_t size : shape)
    count *= size;
  return count;
}

std::string shapeString(const Shape &shape) {
  if (shape.empty())
    return "scalar";
  std::ostringstream os;
  for (size_t i = 0; i < shape.size(); ++i)
    os << (i ? "x" : "") << shape[i];
  return os.str();
}

namespace {
/// A 64-byte aligned buffer (at least one byte, so that even an empty
/// tensor is distinguishable from no tensor).
std::shared_ptr<uint8_t> allocateBytes(size_t size) {
  size_t rounded = (std::max<size_t>(size, 1) + 63) / 64 * 64;
  void *memory = std::aligned_alloc(64, rounded);
  if (!memory)
    throw std::bad_alloc();
  return std::shared_ptr<uint8_t>(static_cast<uint8_t *>(memory), std::free);
}
} // namespace

Tensor Tensor::uninitialized(DType dtype, Shape shape) {
  Tensor tensor;
  tensor.dtype_ = dtype;
  tensor.shape_ = std::move(shape);
  tensor.storage_ = allocateBytes(tensor.byteSize());
  return tensor;
}

Tensor Tensor::view(DType dtype, Shape shape, void *data) {
  Tensor tensor;
  tensor.dtype_ = dtype;
  tensor.shape_ = std::move(shape);
  tensor.storage_ =
      std::shared_ptr<uint8_t>(static_cast<uint8_t *>(data), [](uint8_t *) {});
  return tensor;
}

Tensor Tensor::inside(DType dtype, Shape shape,
                      std::shared_ptr<const void> owner, void *data) {
  Tensor tensor;
  tensor.dtype_ = dtype;
  tensor.shape_ = std::move(shape);
  // The aliasing constructor: `data`, owned by `owner`'s count.
  tensor.storage_ =
      std::shared_ptr<uint8_t>(std::move(owner), static_cast<uint8_t *>(data));
  return tensor;
}

Tensor::Tensor(DType dtype, Shape shape)
    : dtype_(dtype), shape_(std::move(shape)),
      storage_(allocateBytes(rt::numElements(shape_) * dtypeSize(dtype))) {
  std::memset(storage_.get(), 0, byteSize());
}

Tensor Tensor::reshaped(Shape shape) const {
  assert(rt::numElements(shape) == numElements() && "reshape changes size");
  Tensor result = *this;
  result.shape_ = std::move(shape);
  return result;
}

Tensor Tensor::clone() const {
  Tensor result = uninitialized(dtype_, shape_);
  if (byteSize())
    std::memcpy(result.bytes(), bytes(), byteSize());
  return result;
}

float halfToFloat(uint16_t bits) {
  uint32_t sign = (bits & 0x8000u) << 16, exponent = (bits >> 10) & 0x1f,
           mantissa = bits & 0x3ff, out;
  if (exponent == 0) {
    if (mantissa == 0) {
      out = sign;
    } else { // subnormal: renormalise
      exponent = 127 - 15 + 1;
      while (!(mantissa & 0x400)) {
        mantissa <<= 1;
        --exponent;
      }
      out = sign | (exponent << 23) | ((mantissa & 0x3ff) << 13);
    }
  } else if (exponent == 31) {
    out = sign | 0x7f800000u | (mantissa << 13);
  } else {
    out = sign | ((exponent + 127 - 15) << 23) | (mantissa << 13);
  }
  float value;
  std::memcpy(&value, &out, 4);
  return value;
}

uint16_t floatToHalf(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, 4);
  uint16_t sign = (bits >> 16) & 0x8000;
  int32_t exponent = static_cast<int32_t>((bits >> 23) & 0xff) - 127 + 15;
  uint32_t mantissa = bits & 0x7fffff;
  if (((bits >> 23) & 0xff) == 0xff) // inf or NaN
    return sign | 0x7c00 | (mantissa ? 0x200 : 0);
  if (exponent >= 31)
    return sign | 0x7c00;
  if (exponent <= 0) {
    if (exponent < -10)
      return sign;
    mantissa |= 0x800000;
    uint32_t shift = 14 - exponent;
    uint32_t half = mantissa >> shift;
    uint32_t rest = mantissa & ((1u << shift) - 1),
             midpoint = 1u << (shift - 1);
    if (rest > midpoint || (rest == midpoint && (half & 1)))
      ++half;
    return sign | half;
  }
  uint16_t half = sign | (exponent << 10) | (mantissa >> 13);
  uint32_t rest = mantissa & 0x1fff;
  if (rest > 0x1000 || (rest == 0x1000 && (half & 1)))
    ++half; // may carry into the exponent, which is the right rounding
  return half;
}

float bfloat16ToFloat(uint16_t bits) { return bf16Value(bits); }

uint16_t floatToBfloat16(float value) { return bf16Bits(value); }

double elementAsDouble(const Tensor &tensor, int64_t i) {
  switch (tensor.dtype()) {
  case DType::f32:
    return tensor.data<float>()[i];
  case DType::f64:
    return tensor.data<double>()[i];
  case DType::f16:
    return halfToFloat(tensor.data<uint16_t>()[i]);
  case DType::bf16:
    return bfloat16ToFloat(tensor.data<uint16_t>()[i]);
  case DType::i64:
    return static_cast<double>(tensor.data<int64_t>()[i]);
  case DType::i32:
    return tensor.data<int32_t>()[i];
  case DType::i16:
    return tensor.data<int16_t>()[i];
  case DType::i8:
    return tensor.data<int8_t>()[i];
  case DType::u8:
    return tensor.data<uint8_t>()[i];
  case DType::i1:
    return tensor.data<uint8_t>()[i] ? 1.0 : 0.0;
  }
  return 0;
}

void storeFromDouble(Tensor &tensor, int64_t i, double value) {
  switch (tensor.dtype()) {
  case DType::f32:
    tensor.data<float>()[i] = static_cast<float>(value);
    return;
  case DType::f64:
    tensor.data<double>()[i] = value;
    return;
  case DType::f16:
    tensor.data<uint16_t>()[i] = floatToHalf(static_cast<float>(value));
    return;
  case DType::bf16:
    tensor.data<uint16_t>()[i] = floatToBfloat16(static_cast<float>(value));
    return;
  case DType::i64:
    tensor.data<int64_t>()[i] = static_cast<int64_t>(value);
    return;
  case DType::i32:
    tensor.data<int32_t>()[i] = static_cast<int32_t>(value);
    return;
  case DType::i16:
    tensor.data<int16_t>()[i] = static_cast<int16_t>(value);
    return;
  case DType::i8:
    tensor.data<int8_t>()[i] = static_cast<int8_t>(value);
    return;
  case DType::u8:
    tensor.data<uint8_t>()[i] = static_cast<uint8_t>(value);
    return;
  case DType::i1:
    tensor.data<uint8_t>()[i] = value != 0.0;
    return;
  }
}

} // namespace starch::rt
