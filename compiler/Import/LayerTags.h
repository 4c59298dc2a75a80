//===- LayerTags.h - Transformer layer of each imported op ------*- C++ -*-===//
//
// Ops get `starch.layer = "<prefix>.layers.N"` (also `layer`, `h`, `blocks`).
// A node with a scope (the dynamo exporter's name-scope metadata, or a
// TorchScript node name such as /model/layers.3/mlp/Mul) puts its ops in the
// layer its scope names, or in none when the scope lies outside every layer
// (embeddings, final norm, LM head). For nodes without any scope:
//   1. a parameter read belongs to the layer in the parameter's path
//      (model.layers.3.mlp.up.weight -> model.layers.3);
//   2. any other op inherits the layer of its operands (the one that appeared
//      last in the function), and a read of a parameter without a path
//      (onnx::MatMul_12) the layer of its user.
// Scopes come first because exporters deduplicate identical initializers:
// a layer-1 norm may read `layers.0.norm.weight`, and each node reads its
// parameters itself, so the read carries the reader's layer.
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_COMPILER_IMPORT_LAYERTAGS_H
#define STARCH_COMPILER_IMPORT_LAYERTAGS_H

#include "mlir/IR/Operation.h"
#include "llvm/ADT/StringMap.h"

#include <onnx/onnx_pb.h>

#include "mlir/IR/BuiltinOps.h"

#include <optional>
#include <string>

namespace starch::import {

/// "model.layers.3" for a parameter named "model.layers.3.mlp.up.weight".
std::optional<std::string> layerOfParamPath(llvm::StringRef name);

/// What the node's name or scope metadata says about its layer.
struct NodeScope {
  /// The node carries scope information at all.
  bool scoped = false;
  /// The layer its scope lies in, if any.
  std::optional<std::string> layer;
};
NodeScope scopeOfNode(const onnx::NodeProto &node);

/// Renames each layer tag to the layer of the framework names its
/// parameters carry ("model.model.layers.0", the exporter's module path,
/// becomes "model.layers.0" when every parameter read in that layer is
/// "model.layers.0.<...>" in the framework's weights), so layers are named as
/// the user knows them. A tag whose parameters disagree, or that reads none,
/// keeps its name.
void renameLayersByParams(mlir::ModuleOp module);

class LayerTagger {
public:
  /// Tags the ops `ops` created for one node (constants stay untagged).
  /// `paramSources` maps a parameter symbol to its initializer name.
  void tagNodeOps(llvm::ArrayRef<mlir::Operation *> ops,
                  const onnx::NodeProto &node,
                  const llvm::StringMap<std::string> &paramSources);

private:
  mlir::StringAttr latestLayerOfOperands(mlir::Operation *op);
  void tag(mlir::Operation *op, mlir::StringAttr layer);

  /// Layer -> position of its first appearance.
  llvm::DenseMap<mlir::StringAttr, int> order_;
};

} // namespace starch::import

#endif // STARCH_COMPILER_IMPORT_LAYERTAGS_H
