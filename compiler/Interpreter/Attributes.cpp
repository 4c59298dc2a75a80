//===- Attributes.cpp - MLIR element types and attributes <-> tensors -----===//
#include "compiler/Interpreter/Interpreter.h"

#include "mlir/IR/DialectResourceBlobManager.h"

#include <cstring>

using namespace mlir;

namespace starch::interp {

Type mlirTypeOf(rt::DType dtype, MLIRContext *context) {
  Builder b(context);
  switch (dtype) {
  case rt::DType::f32:
    return b.getF32Type();
  case rt::DType::f64:
    return b.getF64Type();
  case rt::DType::f16:
    return b.getF16Type();
  case rt::DType::bf16:
    return b.getBF16Type();
  case rt::DType::i64:
    return b.getI64Type();
  case rt::DType::i32:
    return b.getI32Type();
  case rt::DType::i16:
    return b.getI16Type();
  case rt::DType::i8:
    return b.getI8Type();
  case rt::DType::u8:
    return IntegerType::get(context, 8, IntegerType::Unsigned);
  case rt::DType::i1:
    return b.getI1Type();
  }
  return {};
}

/// Copies `raw` (one element when `splat`) into `out`; i1 raw data is one
/// byte per element here.
static void fillFromRaw(rt::Tensor &out, ArrayRef<char> raw, bool splat) {
  size_t elementSize = rt::dtypeSize(out.dtype());
  if (!splat) {
    // An empty tensor's raw data may be a null pointer, which memcpy must
    // not be given even for zero bytes.
    if (size_t size = std::min(raw.size(), out.byteSize()))
      std::memcpy(out.bytes(), raw.data(), size);
    return;
  }
  for (int64_t i = 0, e = out.numElements(); i < e; ++i)
    std::memcpy(out.bytes() + i * elementSize, raw.data(), elementSize);
}

rt::Tensor tensorFromAttr(ElementsAttr attr) {
  auto type = dyn_cast<RankedTensorType>(attr.getType());
  if (!type || !type.hasStaticShape())
    return {};
  std::optional<rt::DType> dtype = dtypeOf(type.getElementType());
  if (!dtype)
    return {};
  rt::Shape shape(type.getShape().begin(), type.getShape().end());
  rt::Tensor out(*dtype, shape);
  if (auto dense = dyn_cast<DenseElementsAttr>(attr)) {
    if (*dtype == rt::DType::i1) { // dense i1 data is bit-packed
      uint8_t *bytes = out.bytes();
      if (dense.isSplat()) {
        std::memset(bytes, dense.getSplatValue<bool>() ? 1 : 0,
                    out.numElements());
        return out;
      }
      int64_t i = 0;
      for (bool bit : dense.getValues<bool>())
        bytes[i++] = bit;
      return out;
    }
    fillFromRaw(out, dense.getRawData(), dense.isSplat());
    return out;
  }
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(attr)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob)
      return {};
    ArrayRef<char> raw = blob->getData();
    fillFromRaw(out, raw,
                raw.size() == rt::dtypeSize(*dtype) && out.numElements() > 1);
    return out;
  }
  return {};
}

DenseElementsAttr attrFromTensor(const rt::Tensor &t, RankedTensorType type) {
  std::optional<rt::DType> dtype = dtypeOf(type.getElementType());
  if (!dtype || *dtype != t.dtype() || t.empty() ||
      ArrayRef<int64_t>(t.shape()) != type.getShape())
    return {};
  if (t.dtype() == rt::DType::i1) {
    SmallVector<bool> bits(t.numElements());
    for (int64_t i = 0, e = t.numElements(); i < e; ++i)
      bits[i] = t.data<uint8_t>()[i] != 0;
    return DenseElementsAttr::get(type, bits);
  }
  ArrayRef<char> raw(reinterpret_cast<const char *>(t.bytes()), t.byteSize());
  return DenseElementsAttr::getFromRawBuffer(type, raw);
}

} // namespace starch::interp
