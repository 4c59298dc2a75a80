//===- TiedWeights.h - Finding exporters' copies of tied weights -*- C++ -*-===//
//
// A tied weight (an LLM's embedding reused as its output projection) is one
// parameter in PyTorch, but exporters may store it twice: once as is and once
// transposed for the MatMul. Training the two copies separately would untie
// them, so the importer reads the copy as a transpose of the original.
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_COMPILER_IMPORT_TIEDWEIGHTS_H
#define STARCH_COMPILER_IMPORT_TIEDWEIGHTS_H

#include "runtime/Tensor.h"

#include <onnx/onnx_pb.h>

#include <map>
#include <set>
#include <string>

namespace starch::import {

/// True when `b` (n x m) is the transpose of `a` (m x n), bit for bit.
bool isTransposeOf(const rt::Tensor &a, const rt::Tensor &b);

/// A digest of a tensor's element bit patterns that a matrix and its
/// transpose share (of a matrix: its first row and column and its
/// diagonal; of other ranks: all elements, in any order). Tensors with
/// different digests are neither equal nor transposes, so matching n
/// weights against n compares digests first instead of n^2 element walks.
uint64_t elementsDigest(const rt::Tensor &tensor);

/// Among the 2-D `candidates`, those whose data is bit for bit the transpose
/// of another candidate, mapped to that original. The original is the one
/// named by a module path (`model.embed_tokens.weight`) rather than by the
/// exporter (`val_335`, `onnx::MatMul_709`), else the first by name.
std::map<std::string, std::string> findTransposedCopies(
    const std::map<std::string, const onnx::TensorProto *> &initializers,
    const std::set<std::string> &candidates, const std::string &baseDir);

} // namespace starch::import

#endif // STARCH_COMPILER_IMPORT_TIEDWEIGHTS_H
