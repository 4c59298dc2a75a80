//===- NodeImporter.h - Lowering one ONNX node ------------------*- C++ -*-===//
//
// What a lowering sees of the node it turns into starch ops: its inputs as
// values (or folded constants), its attributes, its outputs, and builders for
// the idioms every lowering needs (explicit numpy broadcasting, reshapes,
// scalar constants).
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_COMPILER_IMPORT_NODEIMPORTER_H
#define STARCH_COMPILER_IMPORT_NODEIMPORTER_H

#include "runtime/Tensor.h"
#include "starch/Dialect/StarchOps.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/StringMap.h"

#include <onnx/onnx_pb.h>

#include <optional>
#include <string>

namespace starch::import {

class GraphImporter;

class NodeImporter {
public:
  NodeImporter(GraphImporter &graph, const onnx::NodeProto &node,
               mlir::OpBuilder &builder, int64_t opset);

  const onnx::NodeProto &node() const { return node_; }
  int64_t opset() const { return opset_; }
  mlir::OpBuilder &builder() { return builder_; }
  mlir::Location loc() const { return loc_; }
  mlir::MLIRContext *context() { return builder_.getContext(); }

  // --- Inputs ---------------------------------------------------------------
  /// Number of inputs, trailing empty (omitted optional) inputs excluded.
  int numInputs() const;
  bool hasInput(int index) const;
  /// The value of input `index`; null (and an error recorded) if absent.
  mlir::Value input(int index);
  mlir::RankedTensorType inputType(int index);
  /// The folded value of input `index`, or nothing if it is computed at run
  /// time. `what` names the input for the error ("the shape").
  std::optional<rt::Tensor> constantInput(int index);
  /// Like constantInput but records an error when the input is not constant.
  std::optional<rt::Tensor> requireConstant(int index, llvm::StringRef what);
  /// A constant integer input as a list (shapes, axes, pads ...).
  std::optional<llvm::SmallVector<int64_t>> requireInts(int index,
                                                        llvm::StringRef what);

  // --- Attributes -----------------------------------------------------------
  const onnx::AttributeProto *attribute(llvm::StringRef name) const;
  /// The attribute if present with `type` (an AttributeProto::AttributeType);
  /// records an error and gives null when it has another type.
  const onnx::AttributeProto *typedAttribute(llvm::StringRef name, int type,
                                             llvm::StringRef typeName) const;
  /// Typed accessors: the default when absent; an error when mistyped.
  bool hasAttribute(llvm::StringRef name) const { return attribute(name); }
  int64_t intAttr(llvm::StringRef name, int64_t defaultValue) const;
  float floatAttr(llvm::StringRef name, float defaultValue) const;
  std::string stringAttr(llvm::StringRef name,
                         llvm::StringRef defaultValue) const;
  llvm::SmallVector<int64_t> intsAttr(llvm::StringRef name) const;

  // --- Outputs --------------------------------------------------------------
  int numOutputs() const { return node_.output_size(); }
  void setOutput(int index, mlir::Value value);

  // --- Errors ---------------------------------------------------------------
  /// Records "<what was expected>" for this node and returns failure.
  mlir::LogicalResult fail(const llvm::Twine &message);
  bool failed() const { return failed_; }

  // --- Builders -------------------------------------------------------------
  template <typename OpT, typename... Args> OpT create(Args &&...args) {
    return OpT::create(builder_, loc_, std::forward<Args>(args)...);
  }
  mlir::RankedTensorType tensorType(llvm::ArrayRef<int64_t> shape,
                                    mlir::Type elementType) {
    return mlir::RankedTensorType::get(shape, elementType);
  }
  /// A constant holding `tensor` (element type taken from it).
  mlir::Value constant(const rt::Tensor &tensor);
  /// A splat constant of `shape` and `elementType`.
  mlir::Value splat(double value, mlir::Type elementType,
                    llvm::ArrayRef<int64_t> shape = {});
  mlir::Value reshape(mlir::Value value, llvm::ArrayRef<int64_t> shape);
  /// numpy broadcasting of `value` to `shape` (right-aligned); a no-op when
  /// the shapes already agree.
  mlir::Value broadcastTo(mlir::Value value, llvm::ArrayRef<int64_t> shape);
  /// The numpy-broadcast shape of all `values`; records an error if none.
  std::optional<llvm::SmallVector<int64_t>>
  broadcastShape(llvm::ArrayRef<mlir::Value> values);
  /// Converts to `elementType` (no-op when equal).
  mlir::Value convert(mlir::Value value, mlir::Type elementType);
  /// Normalises a possibly negative axis; records an error when out of range.
  std::optional<int64_t> axis(int64_t axis, int64_t rank);

private:
  /// Records `message` unless an error is already recorded: the first one
  /// names the cause. For the accessors that return a null value instead of
  /// failure.
  void recordError(const llvm::Twine &message) const;

  GraphImporter &graph_;
  const onnx::NodeProto &node_;
  mlir::OpBuilder &builder_;
  mlir::Location loc_;
  int64_t opset_;
  /// Set by any recorded error, also from the const attribute accessors.
  mutable bool failed_ = false;
};

using Lowering = mlir::LogicalResult (*)(NodeImporter &node);

/// ONNX op type -> lowering, filled by the families below.
const llvm::StringMap<Lowering> &onnxLowerings();

void registerElementwiseLowerings(llvm::StringMap<Lowering> &table);
void registerShapeLowerings(llvm::StringMap<Lowering> &table);
void registerReductionLowerings(llvm::StringMap<Lowering> &table);
void registerNeuralNetLowerings(llvm::StringMap<Lowering> &table);
void registerActivationLowerings(llvm::StringMap<Lowering> &table);
void registerLossLowerings(llvm::StringMap<Lowering> &table);

/// Shape helpers shared by lowerings.
mlir::RankedTensorType tensorTypeOf(mlir::Value value);
llvm::ArrayRef<int64_t> shapeOf(mlir::Value value);
mlir::Type elementTypeOf(mlir::Value value);

} // namespace starch::import

#endif // STARCH_COMPILER_IMPORT_NODEIMPORTER_H
