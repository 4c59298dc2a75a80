//===- OnnxTensor.cpp - ONNX TensorProto to runtime tensors ---------------===//
#include "runtime/io/OnnxTensor.h"
#include "runtime/io/ConfinedFile.h"

#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cstring>
#include <fstream>

namespace starch::rt {

std::optional<DType> dtypeFromOnnx(int onnxDataType) {
  using P = onnx::TensorProto;
  switch (onnxDataType) {
  case P::FLOAT: return DType::f32;
  case P::DOUBLE: return DType::f64;
  case P::FLOAT16: return DType::f16;
  case P::BFLOAT16: return DType::bf16;
  case P::INT64: return DType::i64;
  case P::INT32: return DType::i32;
  case P::INT16: return DType::i16;
  case P::INT8: return DType::i8;
  case P::UINT8: return DType::u8;
  case P::BOOL: return DType::i1;
  default: return std::nullopt;
  }
}

namespace {

/// A non-negative decimal int64: digits only, no sign, no overflow.
bool parseNonNegative(const std::string &text, int64_t &value) {
  if (text.empty() || text.size() > 19)
    return false;
  uint64_t result = 0;
  for (char c : text) {
    if (c < '0' || c > '9')
      return false;
    result = result * 10 + uint64_t(c - '0');
  }
  if (result > uint64_t(INT64_MAX))
    return false;
  value = int64_t(result);
  return true;
}

} // namespace

ExternalData externalDataOf(const onnx::TensorProto &proto) {
  ExternalData data;
  for (const auto &entry : proto.external_data()) {
    int64_t *field = entry.key() == "offset"   ? &data.offset
                     : entry.key() == "length" ? &data.length
                                               : nullptr;
    if (entry.key() == "location")
      data.location = entry.value();
    else if (field && !parseNonNegative(entry.value(), *field) &&
             data.invalid.empty())
      data.invalid = entry.key() + " '" + entry.value() +
                     "' is not a non-negative integer";
  }
  return data;
}

namespace {

std::string tensorLabel(const onnx::TensorProto &proto) {
  return proto.name().empty() ? std::string("an unnamed tensor")
                              : "tensor '" + proto.name() + "'";
}

/// The bytes `proto`'s type and shape need, if they fit int64.
std::optional<int64_t> byteSizeOf(const onnx::TensorProto &proto, DType dtype) {
  int64_t bytes = int64_t(dtypeSize(dtype));
  for (int64_t size : proto.dims())
    if (size < 0 || __builtin_mul_overflow(bytes, size, &bytes))
      return std::nullopt;
  return bytes;
}

/// One tensor's external data, open and checked.
struct ExternalRange {
  ConfinedFile file;
  int64_t offset = 0, bytes = 0;
  /// "external data 'w' at 'weights.bin'", for messages.
  std::string where;
};

/// Opens `proto`'s external data inside `baseDir` and checks the byte range
/// its shape needs; `error` names the tensor, the location and why not.
bool openExternalData(const onnx::TensorProto &proto, DType dtype,
                      const std::string &baseDir, ExternalRange &range,
                      std::string &error) {
  ExternalData data = externalDataOf(proto);
  std::string label = proto.name().empty()
                          ? std::string("external data of an unnamed tensor")
                          : "external data '" + proto.name() + "'";
  if (data.location.empty()) {
    error = label + " has no location";
    return false;
  }
  range.where = label + " at '" + data.location + "'";
  if (!data.invalid.empty()) {
    error = range.where + ": " + data.invalid;
    return false;
  }
  std::optional<int64_t> needed = byteSizeOf(proto, dtype);
  if (!needed) {
    error = range.where + ": the shape's size does not fit in 64 bits";
    return false;
  }
  if (data.length >= 0 && data.length != *needed) {
    error = range.where + " has length " + std::to_string(data.length) +
            " bytes but its shape needs " + std::to_string(*needed);
    return false;
  }
  std::string why;
  if (!range.file.open(baseDir, data.location, why) ||
      !range.file.checkRange(data.offset, *needed, why)) {
    error = range.where + " " + why;
    return false;
  }
  range.offset = data.offset;
  range.bytes = *needed;
  return true;
}

/// Checks the file before `out` is allocated, so a hostile shape or
/// location costs neither memory nor a read.
bool readExternalData(const onnx::TensorProto &proto, DType dtype,
                      const std::string &baseDir, Tensor &out,
                      std::string &error) {
  ExternalRange range;
  if (!openExternalData(proto, dtype, baseDir, range, error))
    return false;
  out = Tensor::uninitialized(dtype,
                              Shape(proto.dims().begin(), proto.dims().end()));
  std::string why;
  if (!range.file.read(range.offset, range.bytes, out.bytes(), why)) {
    error = range.where + " " + why;
    return false;
  }
  return true;
}

template <typename Field, typename Store>
bool copyTypedField(const onnx::TensorProto &proto, const Field &field,
                    Tensor &out, std::string &error, Store store) {
  if (field.size() != out.numElements()) {
    error = tensorLabel(proto) + " holds " + std::to_string(field.size()) +
            " values but its shape " + shapeString(out.shape()) + " needs " +
            std::to_string(out.numElements());
    return false;
  }
  for (int64_t i = 0; i < out.numElements(); ++i)
    store(i, field.Get(static_cast<int>(i)));
  return true;
}

/// Values in the typed field that holds `dtype` (ONNX packs every type
/// narrower than 32 bits into int32_data).
uint64_t typedValueCount(const onnx::TensorProto &proto, DType dtype) {
  switch (dtype) {
  case DType::f32:
    return proto.float_data_size();
  case DType::f64:
    return proto.double_data_size();
  case DType::i64:
    return proto.int64_data_size();
  default:
    return proto.int32_data_size();
  }
}

} // namespace

bool checkExternalData(const onnx::TensorProto &proto,
                       const std::string &baseDir, std::string &error) {
  std::optional<DType> dtype = dtypeFromOnnx(proto.data_type());
  if (!dtype) {
    error = tensorLabel(proto) + " has ONNX data type " +
            std::to_string(proto.data_type()) +
            ", which Starch does not support";
    return false;
  }
  ExternalRange range;
  return openExternalData(proto, *dtype, baseDir, range, error);
}

bool decodeOnnxTensor(const onnx::TensorProto &proto,
                      const std::string &baseDir, Tensor &out,
                      std::string &error) {
  auto dtype = dtypeFromOnnx(proto.data_type());
  if (!dtype) {
    error = tensorLabel(proto) + " has ONNX data type " +
            std::to_string(proto.data_type()) +
            ", which Starch does not support";
    return false;
  }
  Shape shape(proto.dims().begin(), proto.dims().end());
  for (int64_t size : shape)
    if (size < 0) {
      error = tensorLabel(proto) + " has a negative dimension";
      return false;
    }
  if (proto.data_location() == onnx::TensorProto::EXTERNAL)
    return readExternalData(proto, *dtype, baseDir, out, error);
  // The shape is checked against the values the file holds before anything
  // is allocated: a declared shape may ask for far more than the file has.
  uint64_t count = 1;
  for (int64_t size : shape)
    if (__builtin_mul_overflow(count, static_cast<uint64_t>(size), &count)) {
      error = tensorLabel(proto) + " has shape " + shapeString(shape) +
              ", more elements than can be counted";
      return false;
    }
  uint64_t held = proto.has_raw_data()
                      ? proto.raw_data().size() / dtypeSize(*dtype)
                      : typedValueCount(proto, *dtype);
  if (count > held) {
    error = tensorLabel(proto) + " holds " + std::to_string(held) +
            " values but its shape " + shapeString(shape) + " needs " +
            std::to_string(count);
    return false;
  }
  out = Tensor(*dtype, shape);
  if (proto.has_raw_data()) {
    if (proto.raw_data().size() != out.byteSize()) {
      error = tensorLabel(proto) + " has " +
              std::to_string(proto.raw_data().size()) +
              " raw bytes but its shape " + shapeString(shape) + " needs " +
              std::to_string(out.byteSize());
      return false;
    }
    if (out.byteSize())
      std::memcpy(out.bytes(), proto.raw_data().data(), out.byteSize());
    return true;
  }
  // Typed fields: ONNX packs every type narrower than 32 bits into int32_data.
  switch (*dtype) {
  case DType::f32:
    return copyTypedField(proto, proto.float_data(), out, error,
                          [&](int64_t i, float v) { out.data<float>()[i] = v; });
  case DType::f64:
    return copyTypedField(proto, proto.double_data(), out, error,
                          [&](int64_t i, double v) { out.data<double>()[i] = v; });
  case DType::i64:
    return copyTypedField(proto, proto.int64_data(), out, error,
                          [&](int64_t i, int64_t v) { out.data<int64_t>()[i] = v; });
  case DType::f16:
  case DType::bf16:
    return copyTypedField(proto, proto.int32_data(), out, error,
                          [&](int64_t i, int32_t v) {
                            out.data<uint16_t>()[i] = static_cast<uint16_t>(v);
                          });
  default:
    return copyTypedField(proto, proto.int32_data(), out, error,
                          [&](int64_t i, int32_t v) { storeFromDouble(out, i, v); });
  }
}

bool mapOnnxTensor(const onnx::TensorProto &proto, const std::string &baseDir,
                   ExternalMappings &mappings, Tensor &out,
                   std::string &error) {
  std::optional<DType> dtype = dtypeFromOnnx(proto.data_type());
  Shape shape(proto.dims().begin(), proto.dims().end());
  if (proto.data_location() != onnx::TensorProto::EXTERNAL || !dtype ||
      std::any_of(shape.begin(), shape.end(),
                  [](int64_t size) { return size < 0; }))
    return decodeOnnxTensor(proto, baseDir, out, error); // or its error
  ExternalRange range;
  if (!openExternalData(proto, *dtype, baseDir, range, error))
    return false;
  std::shared_ptr<const MappedFile> &mapping =
      mappings[externalDataOf(proto).location];
  std::string why;
  if (!mapping)
    mapping = range.file.map(why); // on failure, read below
  Tensor tensor =
      MappedFile::tensorAt(mapping, range.offset, *dtype, std::move(shape));
  if (tensor.empty())
    return readExternalData(proto, *dtype, baseDir, out, error);
  out = std::move(tensor);
  return true;
}

bool readOnnxTensorFile(const std::string &path, Tensor &out, std::string &name,
                        std::string &error) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    error = "cannot open '" + path + "'";
    return false;
  }
  onnx::TensorProto proto;
  if (!proto.ParseFromIstream(&file)) {
    error = "'" + path + "' is not a serialized ONNX TensorProto";
    return false;
  }
  std::string baseDir;
  if (auto slash = path.find_last_of('/'); slash != std::string::npos)
    baseDir = path.substr(0, slash);
  if (!decodeOnnxTensor(proto, baseDir, out, error)) {
    error = "'" + path + "': " + error;
    return false;
  }
  name = proto.name();
  return true;
}

bool loadOnnxInitializers(const std::string &path,
                          std::map<std::string, Tensor> &out,
                          std::string &error) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    error = "cannot open '" + path + "'";
    return false;
  }
  onnx::ModelProto model;
  if (!model.ParseFromIstream(&file)) {
    error = "'" + path + "' is not a valid ONNX model (protobuf parse failed)";
    return false;
  }
  std::string baseDir;
  if (auto slash = path.find_last_of('/'); slash != std::string::npos)
    baseDir = path.substr(0, slash);
  for (const auto &initializer : model.graph().initializer()) {
    Tensor tensor;
    if (!decodeOnnxTensor(initializer, baseDir, tensor, error)) {
      error = "'" + path + "': " + error;
      return false;
    }
    out.emplace(initializer.name(), std::move(tensor));
  }
  return true;
}

} // namespace starch::rt
