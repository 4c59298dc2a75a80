//===- FrameworkNames.h - Initializers as framework weights ----*- C++ -*-===//
//
// Exporters rename, transpose, reshape and fold the framework's parameters:
// the dynamo exporter stores q_proj.weight transposed as `val_22`, prefixes
// names with its wrapper module (`model.layers.0...`), and folds an
// embedding looked up at constant positions into a new initializer
// (`embedding`, [1, 17, 64] for a [17, 64] table) and Gemma's `1 + weight`
// norm scales into new initializers (`add_4`). Given the framework's own
// weights (safetensors with its parameter names), every initializer whose
// data equals one of its tensors, as is, reshaped or transposed, is that
// parameter: the IR names it as the framework does, reads it from that file,
// and trains it once however many copies the exporter made, also when the
// exporter repeated it along a static batch dimension. A folded
// `1 + weight` (bit for bit, in f32) is read as the parameter plus one, so
// the parameter itself trains, decays and is saved, as in the framework.
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_COMPILER_IMPORT_FRAMEWORKNAMES_H
#define STARCH_COMPILER_IMPORT_FRAMEWORKNAMES_H

#include "runtime/Tensor.h"

#include <onnx/onnx_pb.h>

#include <map>
#include <set>
#include <string>

namespace starch::import {

struct FrameworkMatch {
  /// The framework's parameter name (the safetensors key).
  std::string name;
  /// How the initializer holds it: the same elements in the same order
  /// (possibly another shape), the 2-d transpose, each element plus one
  /// (f32, the same order and shape; only for initializers in `folded`), or
  /// repeated along the initializer's dimension 0 (a class token expanded
  /// over a static batch: [B, 1, D] of a [D] or [1, 1, D] parameter).
  enum class Layout {
    sameOrder,
    transposed,
    plusOne,
    repeated
  } layout = Layout::sameOrder;
  rt::DType dtype = rt::DType::f32;
  rt::Shape shape;
};

/// Matches the float initializers with more than one element against the
/// tensors of the safetensors file `frameworkPath`, bit for bit. An
/// initializer whose elements are all equal matches only if it is in
/// `weights` (the importer's weights by use), so that a constant of ones is
/// not taken for a norm weight. An initializer in `folded` (a channel-wise
/// scale without a parameter's name) that equals no tensor may equal one
/// plus a tensor (Layout::plusOne). Among several equal framework tensors,
/// one whose name ends the initializer's name wins, else the first by name.
/// Returns false with `error` when the file cannot be read.
bool matchFrameworkWeights(
    const std::map<std::string, const onnx::TensorProto *> &initializers,
    const std::set<std::string> &weights, const std::set<std::string> &folded,
    const std::string &baseDir, const std::string &frameworkPath,
    std::map<std::string, FrameworkMatch> &matches, std::string &error);

} // namespace starch::import

#endif // STARCH_COMPILER_IMPORT_FRAMEWORKNAMES_H
