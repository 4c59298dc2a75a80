//===- OnnxEdits.h - Structured edits of ONNX models ------------*- C++ -*-===//
//
// Byte flips rarely get past the protobuf parser deep into the importer, so
// the importer's fuzzer also mutates parsed models: one edit per call of
// the kinds a hostile or careless exporter produces (odd dims, attributes
// of the wrong type or range, undefined or reordered inputs, other op
// types on the same operands, broken initializers).
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_TEST_FUZZ_ONNXEDITS_H
#define STARCH_TEST_FUZZ_ONNXEDITS_H

#include <onnx/onnx_pb.h>

#include <random>

namespace starch::fuzz {

/// Applies one random structured edit to `model`.
void editModel(onnx::ModelProto &model, std::minstd_rand &random);

} // namespace starch::fuzz

#endif // STARCH_TEST_FUZZ_ONNXEDITS_H
