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
  /// The folder a tensor attribute's external data must lie in.
  const std::string &modelFolder() const;
  /// The most elements a constant this node builds may have.
  int64_t maxConstantElements() const;
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
  /// intsAttr, or `count` copies of `fill` when it is absent or empty (the
  /// strides, dilations and pads of windowed ops).
  llvm::SmallVector<int64_t> intsAttrOr(llvm::StringRef name, int64_t fill,
                                        int64_t count) const;

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
  /// A splat constant of `shape` and `elementType`. For an integer type the
  /// value is truncated toward zero, saturating at the bounds of int64.
  mlir::Value splat(double value, mlir::Type elementType,
                    llvm::ArrayRef<int64_t> shape = {});
  /// A splat of an integer type, exact (attributes and constant inputs such
  /// as ignore_index or Trilu's k span all of int64, which a double does not
  /// hold).
  mlir::Value integerSplat(int64_t value, mlir::Type elementType,
                           llvm::ArrayRef<int64_t> shape = {});
  mlir::Value reshape(mlir::Value value, llvm::ArrayRef<int64_t> shape);
  /// Dimension i of the result is dimension perm[i] of `value`.
  mlir::Value transpose(mlir::Value value, llvm::ArrayRef<int64_t> perm);
  /// A strided slice of `value` whose result has `shape`.
  mlir::Value slice(mlir::Value value, llvm::ArrayRef<int64_t> start,
                    llvm::ArrayRef<int64_t> limit,
                    llvm::ArrayRef<int64_t> strides,
                    llvm::ArrayRef<int64_t> shape);
  /// [begin, begin + size) of `value` along `axis`, all of the other axes.
  mlir::Value sliceAxis(mlir::Value value, int64_t axis, int64_t begin,
                        int64_t size);
  /// numpy broadcasting of `value` to `shape` (right-aligned); a no-op when
  /// the shapes already agree.
  mlir::Value broadcastTo(mlir::Value value, llvm::ArrayRef<int64_t> shape);
  /// Input `index` broadcast to `shape`, which must be the broadcast shape
  /// of the two (an operand such as Clip's bounds or Gemm's C never widens
  /// the result); null, with an error naming `what`, when the input is
  /// undefined, has another element type than `elementType` or does not
  /// broadcast so.
  mlir::Value inputBroadcastTo(int index, llvm::ArrayRef<int64_t> shape,
                               mlir::Type elementType, llvm::StringRef what);
  /// The numpy-broadcast shape of all `values`; records an error if none.
  std::optional<llvm::SmallVector<int64_t>>
  broadcastShape(llvm::ArrayRef<mlir::Value> values);
  std::optional<llvm::SmallVector<int64_t>>
  broadcastShape(llvm::ArrayRef<llvm::ArrayRef<int64_t>> shapes);
  /// The i1 mask of `shape` that is true where the position along `axis`
  /// equals `index` (i64, of `shape` without `axis`): one-hot encodings and
  /// picking one element per row.
  mlir::Value oneHotMask(mlir::Value index, llvm::ArrayRef<int64_t> shape,
                         int64_t axis);
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
void registerActivationLowerings(llvm::StringMap<Lowering> &table);
void registerConstantLowerings(llvm::StringMap<Lowering> &table);
void registerShapeLowerings(llvm::StringMap<Lowering> &table);
void registerSliceConcatLowerings(llvm::StringMap<Lowering> &table);
void registerGatherLowerings(llvm::StringMap<Lowering> &table);
void registerPadLowerings(llvm::StringMap<Lowering> &table);
void registerResizeLowerings(llvm::StringMap<Lowering> &table);
void registerReductionLowerings(llvm::StringMap<Lowering> &table);
void registerSoftmaxLowerings(llvm::StringMap<Lowering> &table);
void registerNeuralNetLowerings(llvm::StringMap<Lowering> &table);
void registerEinsumLowerings(llvm::StringMap<Lowering> &table);
void registerNormalizationLowerings(llvm::StringMap<Lowering> &table);
void registerPoolingLowerings(llvm::StringMap<Lowering> &table);
void registerLossLowerings(llvm::StringMap<Lowering> &table);

/// Shape helpers shared by lowerings.
mlir::RankedTensorType tensorTypeOf(mlir::Value value);
llvm::ArrayRef<int64_t> shapeOf(mlir::Value value);
mlir::Type elementTypeOf(mlir::Value value);
/// The product of `dims`: the element count of a shape, 1 for a scalar.
int64_t product(llvm::ArrayRef<int64_t> dims);
/// The permutation that moves `axis` last, keeping the others in order.
llvm::SmallVector<int64_t> axisLastPermutation(int64_t rank, int64_t axis);
/// ONNX's auto_pad for one spatial dimension of `size`, read by windows of
/// `span` elements every `stride`: SAME_UPPER and SAME_LOWER pad so that
/// ceil(size / stride) windows fit, the odd padding element at the end or
/// the start; VALID pads nothing; NOTSET keeps `low` and `high`. False for
/// any other mode.
bool applyAutoPad(llvm::StringRef mode, int64_t size, int64_t stride,
                  int64_t span, int64_t &low, int64_t &high);

} // namespace starch::import

#endif // STARCH_COMPILER_IMPORT_NODEIMPORTER_H
