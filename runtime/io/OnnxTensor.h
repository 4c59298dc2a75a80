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
#include "runtime/io/MappedFile.h"

#include <map>
#include <memory>
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
  /// Set when "offset" or "length" is not a non-negative decimal integer
  /// that fits int64 ("offset '-4' is not a non-negative integer").
  std::string invalid;
};
ExternalData externalDataOf(const onnx::TensorProto &proto);

/// Checks, without reading it, that the external data of `proto` obeys the
/// rule of ConfinedFile.h (a regular file inside `baseDir`) and holds the
/// bytes its shape needs at its offset. On failure returns false and sets
/// `error` to one sentence: "external data 'w' at '../x' lies outside the
/// model's folder".
bool checkExternalData(const onnx::TensorProto &proto,
                       const std::string &baseDir, std::string &error);

/// Decodes `proto` (inline typed fields, raw_data, or external data inside
/// `baseDir`, see checkExternalData) into `out`. On failure returns false
/// and sets `error` to a sentence naming the tensor and what was wrong.
bool decodeOnnxTensor(const onnx::TensorProto &proto,
                      const std::string &baseDir, Tensor &out,
                      std::string &error);

/// External data files mapped so far, by location (MappedFile.h).
using ExternalMappings =
    std::map<std::string, std::shared_ptr<const MappedFile>>;

/// decodeOnnxTensor, except that external data aligned for its type is a
/// tensor inside its file's mapping (made once per file in `mappings`), not
/// a copy: for reading many initializers once, to compare them.
bool mapOnnxTensor(const onnx::TensorProto &proto, const std::string &baseDir,
                   ExternalMappings &mappings, Tensor &out, std::string &error);

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
