//===- GraphImporter.h - State of one ONNX graph import ---------*- C++ -*-===//
#ifndef STARCH_COMPILER_IMPORT_GRAPHIMPORTER_H
#define STARCH_COMPILER_IMPORT_GRAPHIMPORTER_H

#include "compiler/Import/FrameworkNames.h"
#include "compiler/Import/LayerTags.h"
#include "compiler/Import/OnnxImporter.h"
#include "runtime/Tensor.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"

#include <onnx/onnx_pb.h>

#include <map>
#include <optional>
#include <set>
#include <string>

namespace starch::import {

/// The MLIR element type of an ONNX data type, or null.
mlir::Type elementTypeFromOnnx(int onnxDataType, mlir::MLIRContext *context);

class GraphImporter {
public:
  GraphImporter(mlir::MLIRContext &context, std::string path,
                const ImportOptions &options);

  mlir::OwningOpRef<mlir::ModuleOp> run(std::string &error);

  // --- Used by NodeImporter -------------------------------------------------
  /// The value of an ONNX tensor name; null if it is unknown.
  mlir::Value lookup(const std::string &name, mlir::OpBuilder &builder);
  /// The folded value of a tensor name, if it is a constant.
  std::optional<rt::Tensor> constantOf(const std::string &name,
                                       mlir::OpBuilder &builder);
  void define(const std::string &name, mlir::Value value);
  void recordNodeError(const onnx::NodeProto &node, const std::string &message);
  /// The folder external data must lie in (the model file's; "" for the
  /// current directory).
  const std::string &modelFolder() const { return baseDir_; }
  /// The most elements a constant built at import may have.
  int64_t maxConstantElements() const { return options_.maxConstantElements; }
  /// A constant op holding `tensor`.
  mlir::Value materialize(const rt::Tensor &tensor, mlir::OpBuilder &builder,
                          mlir::Location loc);

private:
  bool load(std::string &error);
  /// Whether `proto`'s external data names a file that is not there.
  bool externalFileAbsent(const onnx::TensorProto &proto) const;
  /// Initializer dims and declared graph types within ImportLimits.h.
  bool checkDeclaredShapes(std::string &error);
  void classifyInitializers();
  /// Fills suspectConstants_ (after classifyInitializers).
  void findSuspectConstants();
  bool declareParams(std::string &error);
  bool buildSignature(std::string &error);
  bool importNode(const onnx::NodeProto &node);
  /// Evaluates new ops whose operands are all constants (shape arithmetic,
  /// masks built from constants) with the reference interpreter.
  bool foldConstants(mlir::Operation *after, const onnx::NodeProto &node,
                     llvm::DenseMap<mlir::Value, mlir::Value> &replaced);
  void eraseDeadOps();
  std::string fail(const std::string &message);

  mlir::MLIRContext &context_;
  std::string path_;
  std::string baseDir_;
  const ImportOptions &options_;
  onnx::ModelProto model_;
  int64_t opset_ = 0;
  /// Position of the node being imported, to name unnamed nodes in errors.
  int currentNodeIndex_ = 0;
  /// What folding has cost so far (ImportOptions::maxFoldedElementsPerImport).
  int64_t foldedElements_ = 0;

  mlir::OwningOpRef<mlir::ModuleOp> module_;
  mlir::func::FuncOp function_;
  std::map<std::string, mlir::Value> values_;
  std::map<std::string, const onnx::TensorProto *> initializers_;
  std::map<std::string, const onnx::ValueInfoProto *> valueInfos_;
  /// Initializers that hold model data (starch.param); the rest fold.
  std::set<std::string> paramInitializers_;
  /// Initializers an exporter folded from parameters (trained as they are;
  /// starchc warns).
  std::set<std::string> foldedInitializers_;
  /// Constants that look folded from parameters -> why (starchc warns):
  /// a parameter repeated over a static batch (with the framework's weights
  /// it is that parameter), a table added to activations.
  std::map<std::string, std::string> suspectConstants_;
  /// Shape-only imports: initializers whose external data file is absent.
  std::set<std::string> absentData_;
  std::map<std::string, std::string> paramSymbols_;
  std::map<std::string, mlir::RankedTensorType> paramTypes_;
  /// Parameter symbol -> initializer name.
  llvm::StringMap<std::string> paramSources_;
  /// Exporters' transposed copies of tied weights -> the weight they copy
  /// (read as a transpose of it; see TiedWeights.h).
  std::map<std::string, std::string> transposedCopies_;
  /// Initializers that are the framework's weights (ImportOptions::
  /// frameworkWeights), read as that parameter.
  std::map<std::string, FrameworkMatch> frameworkMatches_;
  /// The parameters read by the node being imported.
  std::map<std::string, mlir::Value> paramReads_;
  LayerTagger layerTagger_;
  std::string error_;
};

} // namespace starch::import

#endif // STARCH_COMPILER_IMPORT_GRAPHIMPORTER_H
