//===- starch-pb2npy.cpp - ONNX TensorProto files to .npy -----------------===//
//
//   starch-pb2npy IN.pb OUT.npy [IN.pb OUT.npy ...]
//
// The ONNX node tests keep their inputs and expected outputs as serialized
// TensorProto files; starch-run reads them directly, starchc's
// --constant-input reads .npy. Decoding goes through the runtime's
// readOnnxTensorFile, the same code that loads weights and starch-run's .pb
// files, so there is one reading of ONNX tensors. bf16 has no .npy type and is
// written as f32. Exit status 2 with one line on any error.
//
//===----------------------------------------------------------------------===//
#include "runtime/io/Npy.h"
#include "runtime/io/OnnxTensor.h"

#include <cstdio>
#include <string>

namespace {

int fail(const std::string &message) {
  std::fprintf(stderr, "error: %s\n", message.c_str());
  return 2;
}

/// bf16 widened to f32 (exact), since .npy has no bf16.
starch::rt::Tensor npyCompatible(const starch::rt::Tensor &tensor) {
  using namespace starch::rt;
  if (tensor.dtype() != DType::bf16)
    return tensor;
  Tensor wide(DType::f32, tensor.shape());
  for (int64_t i = 0; i < tensor.numElements(); ++i)
    wide.data<float>()[i] = bfloat16ToFloat(tensor.data<uint16_t>()[i]);
  return wide;
}

} // namespace

int main(int argc, char **argv) {
  if (argc < 3 || argc % 2 != 1)
    return fail("usage: starch-pb2npy IN.pb OUT.npy [IN.pb OUT.npy ...]");
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string in = argv[i], out = argv[i + 1];
    starch::rt::Tensor tensor;
    std::string name, error;
    if (!starch::rt::readOnnxTensorFile(in, tensor, name, error))
      return fail(error);
    if (!starch::rt::writeNpy(out, npyCompatible(tensor), error))
      return fail(out + ": " + error);
  }
  return 0;
}
