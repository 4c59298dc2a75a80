//===- OnnxTensor.h - ONNX TensorProto to runtime tensors -------*- C++ -*-===//
//
// Shared by the importer (constants) and by every program that loads weights
// from an ONNX file. Errors are returned, never thrown, because the importer
// is built without exceptions.
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_RUNTIME_IO_ONNXTENSOR_H
#define STARCH_RUNTIME_IO_ONNXTENSOR_H

#include "runtime/Tensor.h"

#include <map>
#include <optional>
#include <string>

namespace onnx {
class TensorProto;
} // namespace onnx

namespace starch::rt {

/// The runtime element type of an ONNX `TensorProto::DataType`, if supported.
std::optional<DType> dtypeFromOnnx(int onnxDataType);

/// Where a tensor with external data keeps its bytes (ONNX's
/// external_data entries "location", "offset", "length"; length -1 when
/// absent).
struct ExternalData {
  std::string location;
  int64_t offset = 0;
  int64_t length = -1;
};
ExternalData externalDataOf(const onnx::TensorProto &proto);

/// Decodes `proto` (inline typed fields, raw_data, or external data resolved
/// against `baseDir`) into `out`. On failure returns false and sets `error`
/// to a sentence naming the tensor and what was wrong.
bool decodeOnnxTensor(const onnx::TensorProto &proto,
                      const std::string &baseDir, Tensor &out,
                      std::string &error);

/// Reads one serialized TensorProto file (the ONNX node tests' input_N.pb
/// and output_N.pb); `name` receives the tensor's name, empty if it has none.
bool readOnnxTensorFile(const std::string &path, Tensor &out, std::string &name,
                        std::string &error);

/// Reads every initializer of the ONNX model at `path` by name.
bool loadOnnxInitializers(const std::string &path,
                          std::map<std::string, Tensor> &out,
                          std::string &error);

} // namespace starch::rt

#endif // STARCH_RUNTIME_IO_ONNXTENSOR_H
