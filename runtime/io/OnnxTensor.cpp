//===- OnnxTensor.cpp - ONNX TensorProto to runtime tensors ---------------===//
#include "runtime/io/OnnxTensor.h"

#include <onnx/onnx_pb.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

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

ExternalData externalDataOf(const onnx::TensorProto &proto) {
  ExternalData data;
  for (const auto &entry : proto.external_data()) {
    if (entry.key() == "location")
      data.location = entry.value();
    else if (entry.key() == "offset")
      data.offset = std::strtoll(entry.value().c_str(), nullptr, 10);
    else if (entry.key() == "length")
      data.length = std::strtoll(entry.value().c_str(), nullptr, 10);
  }
  return data;
}

namespace {

std::string tensorLabel(const onnx::TensorProto &proto) {
  return proto.name().empty() ? std::string("an unnamed tensor")
                              : "tensor '" + proto.name() + "'";
}

bool readExternalData(const onnx::TensorProto &proto, const std::string &baseDir,
                      Tensor &out, std::string &error) {
  auto [location, offset, length] = externalDataOf(proto);
  if (location.empty()) {
    error = tensorLabel(proto) + " has external data without a location";
    return false;
  }
  std::string path = baseDir.empty() ? location : baseDir + "/" + location;
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    error = tensorLabel(proto) + " keeps its data in '" + path +
            "', which cannot be opened";
    return false;
  }
  int64_t expected = static_cast<int64_t>(out.byteSize());
  if (length >= 0 && length != expected) {
    error = tensorLabel(proto) + " has external length " +
            std::to_string(length) + " bytes but its shape needs " +
            std::to_string(expected);
    return false;
  }
  file.seekg(offset);
  file.read(reinterpret_cast<char *>(out.bytes()), expected);
  if (file.gcount() != expected) {
    error = tensorLabel(proto) + " needs " + std::to_string(expected) +
            " bytes at offset " + std::to_string(offset) + " of '" + path +
            "', which is too short";
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

} // namespace

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
  out = Tensor(*dtype, shape);
  if (proto.data_location() == onnx::TensorProto::EXTERNAL)
    return readExternalData(proto, baseDir, out, error);
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
