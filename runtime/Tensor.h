//===- Tensor.h - Dense host tensors of the Starch runtime ------*- C++ -*-===//
//
// Plain C++17 (no MLIR): linked by starch-run and by generated programs.
// A tensor is a shape, an element type and a shared, contiguous row-major
// byte buffer.
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_RUNTIME_TENSOR_H
#define STARCH_RUNTIME_TENSOR_H

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace starch::rt {

/// Element types. `i1` is stored as one byte per element (0 or 1); `f16`
/// and `bf16` as their 16-bit patterns.
enum class DType : uint8_t { f32, f64, f16, bf16, i64, i32, i16, i8, u8, i1 };

size_t dtypeSize(DType dtype);
const char *dtypeName(DType dtype);
bool isFloat(DType dtype);

using Shape = std::vector<int64_t>;

int64_t numElements(const Shape &shape);
std::string shapeString(const Shape &shape);

class Tensor {
public:
  Tensor() = default;
  /// A zero-filled tensor.
  Tensor(DType dtype, Shape shape);
  /// A tensor whose elements are not initialised (for kernel outputs that
  /// write every element).
  static Tensor uninitialized(DType dtype, Shape shape);
  /// A tensor over memory it does not own (an arena slice, a device buffer):
  /// the caller keeps `data` alive and aligned for `dtype`.
  static Tensor view(DType dtype, Shape shape, void *data);
  /// A tensor over `data`, inside a buffer that `owner` keeps alive for as
  /// long as the tensor or a copy of it lives (a mapped file: MappedFile.h).
  /// `data` is aligned for `dtype`, not necessarily to 64 bytes.
  static Tensor inside(DType dtype, Shape shape,
                       std::shared_ptr<const void> owner, void *data);

  DType dtype() const { return dtype_; }
  const Shape &shape() const { return shape_; }
  int64_t rank() const { return static_cast<int64_t>(shape_.size()); }
  int64_t numElements() const { return rt::numElements(shape_); }
  size_t byteSize() const { return numElements() * dtypeSize(dtype_); }
  bool empty() const { return !storage_; }

  template <typename T> T *data() { return reinterpret_cast<T *>(bytes()); }
  template <typename T> const T *data() const {
    return reinterpret_cast<const T *>(bytes());
  }
  uint8_t *bytes() { return storage_.get(); }
  const uint8_t *bytes() const { return storage_.get(); }

  /// Same buffer, new shape (the element count must match).
  Tensor reshaped(Shape shape) const;
  /// A deep copy.
  Tensor clone() const;

private:
  DType dtype_ = DType::f32;
  Shape shape_;
  /// 64-byte aligned (unless made by `inside`), shared by reshaped views and
  /// copies of this tensor.
  std::shared_ptr<uint8_t> storage_;
};

/// Element `i` (row-major) of any tensor, as a double.
double elementAsDouble(const Tensor &tensor, int64_t i);
/// Stores `value` into element `i`, converting to the tensor's type
/// (integers truncate toward zero; i1 is value != 0).
void storeFromDouble(Tensor &tensor, int64_t i, double value);

float halfToFloat(uint16_t bits);
uint16_t floatToHalf(float value);
float bfloat16ToFloat(uint16_t bits);
uint16_t floatToBfloat16(float value);

} // namespace starch::rt

#endif // STARCH_RUNTIME_TENSOR_H
