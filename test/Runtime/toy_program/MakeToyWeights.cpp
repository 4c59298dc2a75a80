//===- MakeToyWeights.cpp - Weights files for the toy training program ----===//
//
// Usage: starch-toy-weights DIR. Writes the toy's weights as
// toy.safetensors and toy.onnx (same values), plus broken variants the tests
// expect to be rejected: bad-shape, bad-dtype and missing-tensor files.
//
//===----------------------------------------------------------------------===//
#include "ToyModel.h"

#include "runtime/io/Safetensors.h"

#include <onnx/onnx_pb.h>

#include <cstdio>
#include <fstream>
#include <map>

using namespace starch::rt;

namespace {

Tensor makeF32(uint64_t id, Shape shape, float scale) {
  Tensor tensor(DType::f32, std::move(shape));
  for (int64_t i = 0; i < tensor.numElements(); ++i)
    tensor.data<float>()[i] = toy::initialValue(id, i, scale);
  return tensor;
}

bool writeSt(const std::string &path,
             const std::map<std::string, Tensor> &tensors) {
  std::string error;
  if (!writeSafetensors(path, tensors, error)) {
    std::fprintf(stderr, "%s\n", error.c_str());
    return false;
  }
  return true;
}

bool writeOnnx(const std::string &path,
               const std::map<std::string, Tensor> &tensors) {
  onnx::ModelProto model;
  model.set_ir_version(8);
  model.add_opset_import()->set_version(17);
  onnx::GraphProto *graph = model.mutable_graph();
  graph->set_name("toy");
  for (const auto &[name, tensor] : tensors) {
    onnx::TensorProto *init = graph->add_initializer();
    init->set_name(name);
    init->set_data_type(onnx::TensorProto::FLOAT);
    for (int64_t dim : tensor.shape())
      init->add_dims(dim);
    init->set_raw_data(reinterpret_cast<const char *>(tensor.bytes()),
                       tensor.byteSize());
  }
  std::ofstream file(path, std::ios::binary);
  if (!model.SerializeToOstream(&file)) {
    std::fprintf(stderr, "cannot write '%s'\n", path.c_str());
    return false;
  }
  return true;
}

} // namespace

int main(int argc, char **argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: starch-toy-weights DIR\n");
    return 2;
  }
  std::string dir = argv[1];
  std::map<std::string, Tensor> good = {
      {toy::kEmbedSource, makeF32(1, {toy::kVocab, toy::kHidden}, 1.0f)},
      {toy::kPosSource, makeF32(2, {toy::kSequence, toy::kHidden}, 0.1f)},
      {toy::kHeadSource, makeF32(3, {toy::kHidden, toy::kVocab}, 0.1f)},
      {toy::kBiasSource, makeF32(4, {toy::kVocab}, 0.1f)},
  };
  std::map<std::string, Tensor> badShape = good;
  badShape[toy::kHeadSource] =
      makeF32(3, {toy::kHidden, toy::kVocab - 1}, 0.1f);
  std::map<std::string, Tensor> badDtype = good;
  badDtype[toy::kBiasSource] = Tensor(DType::f64, {toy::kVocab});
  std::map<std::string, Tensor> missing = good;
  missing.erase(toy::kPosSource);
  bool ok = writeSt(dir + "/toy.safetensors", good) &&
            writeOnnx(dir + "/toy.onnx", good) &&
            writeSt(dir + "/bad-shape.safetensors", badShape) &&
            writeSt(dir + "/bad-dtype.safetensors", badDtype) &&
            writeSt(dir + "/missing.safetensors", missing);
  return ok ? 0 : 1;
}
