//===- OnnxImporter.cpp - ONNX models to starch IR ------------------------===//
#include "compiler/Execution/ExecutionInterface.h"
#include "compiler/Import/GraphImporter.h"
#include "compiler/Import/ImportLimits.h"
#include "compiler/Import/LayerTags.h"
#include "compiler/Import/NodeChecks.h"
#include "compiler/Import/NodeImporter.h"
#include "compiler/Import/TiedWeights.h"
#include "compiler/Interpreter/Interpreter.h"
#include "runtime/io/OnnxTensor.h"
#include "runtime/io/PrintableLine.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Regex.h"

#include <fstream>

using namespace mlir;

namespace starch::import {

Type elementTypeFromOnnx(int onnxDataType, MLIRContext *context) {
  std::optional<rt::DType> dtype = rt::dtypeFromOnnx(onnxDataType);
  return dtype ? interp::mlirTypeOf(*dtype, context) : Type();
}

namespace {

/// What folding a value of `type` costs (ImportLimits.h); nothing for a
/// type of more than `limit` elements.
std::optional<int64_t> foldingCost(Type type, int64_t limit) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  if (!tensor || !tensor.hasStaticShape())
    return std::nullopt;
  std::optional<int64_t> count = boundedLoopCount(tensor.getShape());
  if (!count || *count > limit)
    return std::nullopt;
  return count;
}

bool foldableType(Type type, int64_t limit) {
  return foldingCost(type, limit).has_value();
}

bool foldable(Operation *op, int64_t limit) {
  auto fits = [&](Type type) { return foldableType(type, limit); };
  return llvm::all_of(op->getOperandTypes(), fits) &&
         llvm::all_of(op->getResultTypes(), fits);
}

} // namespace

GraphImporter::GraphImporter(MLIRContext &context, std::string path,
                             const ImportOptions &options)
    : context_(context), path_(std::move(path)), options_(options) {
  if (auto slash = path_.find_last_of('/'); slash != std::string::npos)
    baseDir_ = path_.substr(0, slash);
}

std::string GraphImporter::fail(const std::string &message) {
  return path_ + ": " + message;
}

void GraphImporter::recordNodeError(const onnx::NodeProto &node,
                                    const std::string &message) {
  if (!error_.empty())
    return;
  // Unnamed nodes (common in hand-made models) are named by their position.
  std::string name = node.name().empty()
                         ? "#" + std::to_string(currentNodeIndex_)
                         : node.name();
  error_ = fail("node '" + name + "' (" + node.op_type() + "): " + message);
}

bool GraphImporter::externalFileAbsent(const onnx::TensorProto &proto) const {
  for (const auto &entry : proto.external_data())
    if (entry.key() == "location")
      return !llvm::sys::fs::exists(baseDir_ + "/" + entry.value());
  return false;
}

bool GraphImporter::load(std::string &error) {
  std::ifstream file(path_, std::ios::binary);
  if (!file) {
    error = fail("cannot open the file");
    return false;
  }
  if (!model_.ParseFromIstream(&file)) {
    error = fail("not a valid ONNX model (the protobuf does not parse; is the "
                 "file truncated?)");
    return false;
  }
  if (!model_.has_graph() || model_.graph().node_size() == 0) {
    error = fail("the model has no graph nodes");
    return false;
  }
  for (const auto &opset : model_.opset_import())
    if (opset.domain().empty() || opset.domain() == "ai.onnx")
      opset_ = opset.version();
  if (opset_ == 0) {
    error = fail("the model imports no version of the default ONNX opset");
    return false;
  }
  for (const auto &info : model_.graph().value_info())
    valueInfos_[info.name()] = &info;
  if (!checkDeclaredShapes(error))
    return false;
  for (const auto &initializer : model_.graph().initializer()) {
    // External data is checked before anything is read or imported: inside
    // the model's folder, a regular file, long enough (ConfinedFile.h).
    std::string why;
    if (initializer.data_location() == onnx::TensorProto::EXTERNAL &&
        !rt::checkExternalData(initializer, baseDir_, why)) {
      if (options_.shapeOnly && externalFileAbsent(initializer)) {
        absentData_.insert(initializer.name());
      } else {
        error = fail(why);
        return false;
      }
    }
    initializers_[initializer.name()] = &initializer;
  }
  return true;
}

bool GraphImporter::checkDeclaredShapes(std::string &error) {
  // Sizes are checked before anything multiplies them (ImportLimits.h).
  const onnx::GraphProto &graph = model_.graph();
  for (const auto &initializer : graph.initializer())
    if (std::string why = checkShapeBounds(llvm::SmallVector<int64_t>(
            initializer.dims().begin(), initializer.dims().end()));
        !why.empty()) {
      error = fail("initializer '" + initializer.name() + "' " + why);
      return false;
    }
  for (const auto *infos :
       {&graph.input(), &graph.output(), &graph.value_info()})
    for (const auto &info : *infos) {
      if (!info.type().tensor_type().has_shape())
        continue;
      llvm::SmallVector<int64_t> known;
      for (const auto &dim : info.type().tensor_type().shape().dim())
        if (dim.has_dim_value())
          known.push_back(dim.dim_value());
      if (std::string why = checkShapeBounds(known); !why.empty()) {
        error = fail("the declared type of '" + info.name() + "' " + why);
        return false;
      }
    }
  return true;
}

/// The static shape of graph input `input`: from the file, with symbolic
/// dimensions taken from --input-shape.
static bool inputShape(const onnx::ValueInfoProto &input,
                       const ImportOptions &options,
                       llvm::SmallVectorImpl<int64_t> &shape,
                       std::string &error) {
  const auto &dims = input.type().tensor_type().shape().dim();
  auto given = options.inputShapes.find(input.name());
  if (given != options.inputShapes.end() &&
      given->second.size() != static_cast<size_t>(dims.size())) {
    error = "--input-shape for '" + input.name() + "' has rank " +
            std::to_string(given->second.size()) + " but the input has rank " +
            std::to_string(dims.size());
    return false;
  }
  for (int d = 0; d < dims.size(); ++d) {
    const auto &dim = dims[d];
    bool fixed = dim.has_dim_value() && dim.dim_value() >= 0;
    if (given != options.inputShapes.end()) {
      if (fixed && dim.dim_value() != given->second[d]) {
        error = "--input-shape for '" + input.name() + "' sets dimension " +
                std::to_string(d) + " to " + std::to_string(given->second[d]) +
                " but the file fixes it to " + std::to_string(dim.dim_value());
        return false;
      }
      shape.push_back(given->second[d]);
    } else if (fixed) {
      shape.push_back(dim.dim_value());
    } else {
      std::string symbol =
          dim.dim_param().empty() ? "unnamed" : "'" + dim.dim_param() + "'";
      error = "graph input '" + input.name() + "' dimension " +
              std::to_string(d) + " is symbolic (" + symbol +
              "); give it with --input-shape " + input.name() + "=AxB...";
      return false;
    }
  }
  return true;
}

bool GraphImporter::buildSignature(std::string &error) {
  llvm::SmallVector<Type> argTypes;
  llvm::SmallVector<std::string> argNames;
  std::set<std::string> graphInputs;
  std::vector<std::pair<std::string, const rt::Tensor *>> constantInputs;
  for (const auto &input : model_.graph().input()) {
    if (initializers_.count(input.name()))
      continue; // old exporters list initializers as inputs too
    graphInputs.insert(input.name());
    if (!input.type().has_tensor_type()) {
      error = fail("graph input '" + input.name() +
                   "' is not a tensor (sequences, maps and optionals are not "
                   "supported)");
      return false;
    }
    const auto &tensor = input.type().tensor_type();
    Type elementType = elementTypeFromOnnx(tensor.elem_type(), &context_);
    if (!elementType) {
      error = fail("graph input '" + input.name() +
                   "' is not a tensor of a supported element type (ONNX data "
                   "type " +
                   std::to_string(tensor.elem_type()) + ")");
      return false;
    }
    auto constant = options_.constantInputs.find(input.name());
    if (constant != options_.constantInputs.end()) {
      const rt::Tensor &data = constant->second;
      if (interp::mlirTypeOf(data.dtype(), &context_) != elementType) {
        error = fail("--constant-input '" + input.name() + "' holds " +
                     rt::dtypeName(data.dtype()) +
                     " data but the graph input has another element type");
        return false;
      }
      constantInputs.emplace_back(input.name(), &data);
      continue;
    }
    if (!tensor.has_shape()) {
      error = fail("graph input '" + input.name() +
                   "' has no rank; static shapes are required");
      return false;
    }
    llvm::SmallVector<int64_t> shape;
    std::string shapeError;
    if (!inputShape(input, options_, shape, shapeError)) {
      error = fail(shapeError);
      return false;
    }
    argTypes.push_back(RankedTensorType::get(shape, elementType));
    argNames.push_back(input.name());
  }
  for (const auto &[name, tensor] : options_.constantInputs)
    if (!graphInputs.count(name)) {
      error = fail("--constant-input names '" + name +
                   "', which is not a graph input");
      return false;
    }
  for (const auto &[name, shape] : options_.inputShapes)
    if (!graphInputs.count(name)) {
      error = fail("--input-shape names '" + name +
                   "', which is not a graph input");
      return false;
    }
  OpBuilder builder(&context_);
  builder.setInsertionPointToEnd(module_->getBody());
  // Result types are known once the body is built; start with none.
  function_ = func::FuncOp::create(builder, builder.getUnknownLoc(), "forward",
                                   builder.getFunctionType(argTypes, {}));
  Block *entry = function_.addEntryBlock();
  for (auto [index, name] : llvm::enumerate(argNames)) {
    function_.setArgAttr(index, kNameAttrName, builder.getStringAttr(name));
    values_[name] = entry->getArgument(index);
  }
  builder.setInsertionPointToEnd(entry);
  for (const auto &[name, tensor] : constantInputs)
    values_[name] = materialize(*tensor, builder, builder.getUnknownLoc());
  return true;
}

Value GraphImporter::materialize(const rt::Tensor &tensor, OpBuilder &builder,
                                 Location loc) {
  Type elementType = interp::mlirTypeOf(tensor.dtype(), &context_);
  auto type = RankedTensorType::get(tensor.shape(), elementType);
  return ConstantOp::create(builder, loc, interp::attrFromTensor(tensor, type));
}

Value GraphImporter::lookup(const std::string &name, OpBuilder &builder) {
  if (auto it = values_.find(name); it != values_.end())
    return it->second;
  auto initializer = initializers_.find(name);
  if (initializer == initializers_.end())
    return {};
  Value value;
  if (auto copy = transposedCopies_.find(name);
      copy != transposedCopies_.end()) {
    if (auto read = paramReads_.find(name); read != paramReads_.end())
      return read->second;
    Value original = lookup(copy->second, builder);
    auto type = cast<RankedTensorType>(original.getType());
    value = TransposeOp::create(
        builder, builder.getUnknownLoc(),
        RankedTensorType::get({type.getDimSize(1), type.getDimSize(0)},
                              type.getElementType()),
        original, builder.getDenseI64ArrayAttr({1, 0}));
    paramReads_[name] = value;
    return value;
  }
  if (auto match = frameworkMatches_.find(name);
      match != frameworkMatches_.end()) {
    if (auto read = paramReads_.find(name); read != paramReads_.end())
      return read->second;
    RankedTensorType type = paramTypes_[name];
    auto paramType = RankedTensorType::get(
        llvm::SmallVector<int64_t>(match->second.shape.begin(),
                                   match->second.shape.end()),
        type.getElementType());
    value = ReadParamOp::create(
        builder, builder.getUnknownLoc(), paramType,
        FlatSymbolRefAttr::get(&context_, paramSymbols_[name]));
    if (match->second.layout == FrameworkMatch::Layout::transposed)
      value = TransposeOp::create(builder, builder.getUnknownLoc(), type, value,
                                  builder.getDenseI64ArrayAttr({1, 0}));
    else if (match->second.layout == FrameworkMatch::Layout::plusOne)
      value = AddOp::create(
          builder, builder.getUnknownLoc(), type,
          ConstantOp::create(
              builder, builder.getUnknownLoc(),
              DenseElementsAttr::get(
                  type, builder.getFloatAttr(type.getElementType(), 1.0))),
          value);
    else if (match->second.layout == FrameworkMatch::Layout::repeated) {
      // One slice [1, ...] of the initializer, broadcast along dimension 0:
      // every copy reads the one parameter, whose gradient sums them.
      llvm::SmallVector<int64_t> slice(type.getShape());
      slice[0] = 1;
      auto sliceType = RankedTensorType::get(slice, type.getElementType());
      if (paramType != sliceType)
        value = ReshapeOp::create(builder, builder.getUnknownLoc(), sliceType,
                                  value);
      value = BroadcastOp::create(builder, builder.getUnknownLoc(), type, value,
                                  builder.getDenseI64ArrayAttr(llvm::to_vector(
                                      llvm::seq<int64_t>(0, type.getRank()))));
    } else if (paramType != type)
      value = ReshapeOp::create(builder, builder.getUnknownLoc(), type, value);
    paramReads_[name] = value;
    return value;
  }
  if (paramInitializers_.count(name)) {
    // Each node reads its parameters itself, so that the read carries the
    // reader's layer (exporters share deduplicated initializers).
    if (auto read = paramReads_.find(name); read != paramReads_.end())
      return read->second;
    const std::string &symbol = paramSymbols_[name];
    value =
        ReadParamOp::create(builder, builder.getUnknownLoc(), paramTypes_[name],
                            FlatSymbolRefAttr::get(&context_, symbol));
    paramReads_[name] = value;
    return value;
  } else {
    rt::Tensor tensor;
    std::string error;
    const onnx::TensorProto &proto = *initializer->second;
    if (absentData_.count(name)) {
      // Shape-only: zeros stand for the data (a buffer's values only feed
      // costs, which read shapes).
      tensor = rt::Tensor(*rt::dtypeFromOnnx(proto.data_type()),
                          rt::Shape(proto.dims().begin(), proto.dims().end()));
    } else if (!rt::decodeOnnxTensor(proto, baseDir_, tensor, error)) {
      if (error_.empty())
        error_ = fail("initializer '" + name + "': " + error);
      return {};
    }
    value = materialize(tensor, builder, builder.getUnknownLoc());
  }
  values_[name] = value;
  return value;
}

/// The value of `value` if it is a constant or a broadcast of one, of at
/// most `limit` elements. Broadcasts are not folded into the IR (a folded
/// expansion is large and hides the broadcast from pattern matching), but
/// ops consuming them still fold.
static std::optional<rt::Tensor> constantValue(Value value, int64_t limit) {
  // Too large to hold (a declared splat of 2^40 elements): a run-time value.
  if (!foldableType(value.getType(), limit))
    return std::nullopt;
  if (auto constant = value.getDefiningOp<ConstantOp>())
    return interp::tensorFromAttr(constant.getValue());
  auto broadcast = value.getDefiningOp<BroadcastOp>();
  if (!broadcast || !broadcast.getInput().getDefiningOp<ConstantOp>())
    return std::nullopt;
  llvm::SmallVector<rt::Tensor> results;
  rt::Tensor input = interp::tensorFromAttr(
      broadcast.getInput().getDefiningOp<ConstantOp>().getValue());
  if (failed(interp::evaluateOp(broadcast, {input}, results)))
    return std::nullopt;
  return results.front();
}

std::optional<rt::Tensor> GraphImporter::constantOf(const std::string &name,
                                                    OpBuilder &builder) {
  Value value = lookup(name, builder);
  if (!value)
    return std::nullopt;
  return constantValue(value, options_.maxConstantElements);
}

void GraphImporter::define(const std::string &name, Value value) {
  values_[name] = value;
}

bool GraphImporter::foldConstants(Operation *after, const onnx::NodeProto &node,
                                  llvm::DenseMap<Value, Value> &replaced) {
  Block &body = function_.getBody().front();
  llvm::SmallVector<Operation *> fresh;
  for (Operation &op : llvm::make_range(
           after ? std::next(after->getIterator()) : body.begin(), body.end()))
    fresh.push_back(&op);
  for (Operation *op : fresh) {
    int64_t limit = options_.maxConstantElements;
    if (isa<ConstantOp, ReadParamOp, BroadcastOp>(op) || !foldable(op, limit))
      continue;
    int64_t cost = 0;
    for (Type type : op->getOperandTypes())
      cost += *foldingCost(type, limit);
    for (Type type : op->getResultTypes())
      cost += *foldingCost(type, limit);
    if (cost > options_.maxFoldedElementsPerImport - foldedElements_)
      continue;
    llvm::SmallVector<rt::Tensor> operands, results;
    bool allConstant = true;
    for (Value operand : op->getOperands()) {
      std::optional<rt::Tensor> value = constantValue(operand, limit);
      if (!value) {
        allConstant = false;
        break;
      }
      operands.push_back(std::move(*value));
    }
    if (!allConstant)
      continue;
    std::string diagnostic;
    {
      ScopedDiagnosticHandler capture(&context_, [&](Diagnostic &diag) {
        if (diagnostic.empty())
          diagnostic = diag.str();
        return success();
      });
      if (failed(interp::evaluateOp(op, operands, results))) {
        recordNodeError(node, "folding constants failed: " + diagnostic);
        return false;
      }
    }
    foldedElements_ += cost;
    OpBuilder builder(op);
    for (auto [result, tensor] : llvm::zip(op->getResults(), results)) {
      auto type = llvm::cast<RankedTensorType>(result.getType());
      Value folded = ConstantOp::create(builder, op->getLoc(),
                                        interp::attrFromTensor(tensor, type));
      result.replaceAllUsesWith(folded);
      replaced[result] = folded;
    }
    op->erase();
  }
  return true;
}

/// Empty if `value`'s type agrees with what the file declares for `info`
/// (fixed dimensions and element type), else what differs. A disagreement
/// is an importer bug or a broken file; either way the import stops.
static std::string checkDeclaredType(const onnx::ValueInfoProto &info,
                                     Value value) {
  if (!info.type().has_tensor_type())
    return "";
  const auto &tensor = info.type().tensor_type();
  auto type = llvm::cast<RankedTensorType>(value.getType());
  Type declared = elementTypeFromOnnx(tensor.elem_type(), type.getContext());
  if (tensor.elem_type() != 0 && declared && declared != type.getElementType())
    return "is declared with another element type than the import computes";
  if (!tensor.has_shape())
    return "";
  auto computed = rt::Shape(type.getShape().begin(), type.getShape().end());
  const auto &dims = tensor.shape().dim();
  bool agree = dims.size() == static_cast<int>(computed.size());
  for (int d = 0; agree && d < dims.size(); ++d)
    agree = !dims[d].has_dim_value() || dims[d].dim_value() == computed[d];
  if (agree)
    return "";
  std::string declaredShape;
  for (const auto &dim : dims)
    declaredShape += (declaredShape.empty() ? "" : "x") +
                     (dim.has_dim_value() ? std::to_string(dim.dim_value())
                                          : std::string("?"));
  if (dims.empty())
    declaredShape = "scalar";
  return "has shape " + declaredShape +
         " in the file but the import computes " + rt::shapeString(computed);
}

bool GraphImporter::importNode(const onnx::NodeProto &node) {
  if (!node.domain().empty() && node.domain() != "ai.onnx") {
    recordNodeError(node, "ops of domain '" + node.domain() +
                              "' are not supported (only the default ONNX "
                              "domain)");
    return false;
  }
  const auto &lowerings = onnxLowerings();
  auto lowering = lowerings.find(node.op_type());
  if (lowering == lowerings.end()) {
    recordNodeError(node, "op type '" + node.op_type() +
                              "' is not supported by the importer");
    return false;
  }
  if (std::string why = checkNodeOperands(node, opset_,
                                          [&](const std::string &name) {
                                            return values_.count(name) ||
                                                   initializers_.count(name);
                                          });
      !why.empty()) {
    recordNodeError(node, why);
    return false;
  }
  paramReads_.clear();
  Block &body = function_.getBody().front();
  Operation *last = body.empty() ? nullptr : &body.back();
  OpBuilder builder = OpBuilder::atBlockEnd(&body);
  NodeImporter importer(*this, node, builder, opset_);
  if (failed(lowering->second(importer)) || importer.failed() ||
      !error_.empty()) {
    if (error_.empty())
      recordNodeError(node, "could not be imported");
    return false;
  }
  // Sizes computed from attributes and constant inputs (Expand, Tile,
  // Range, ...) are bounded before folding would allocate them.
  for (Operation &op : llvm::make_range(
           last ? std::next(last->getIterator()) : body.begin(), body.end()))
    for (Value result : op.getResults())
      if (auto type = dyn_cast<RankedTensorType>(result.getType()))
        if (std::string why = checkShapeBounds(type.getShape()); !why.empty()) {
          recordNodeError(node, "computes a tensor that " + why);
          return false;
        }
  llvm::DenseMap<Value, Value> replaced;
  if (!foldConstants(last, node, replaced))
    return false;
  for (const std::string &output : node.output()) {
    auto it = values_.find(output);
    if (it == values_.end())
      continue;
    while (replaced.count(it->second))
      it->second = replaced[it->second];
  }
  llvm::SmallVector<Operation *> created;
  for (Operation &op : llvm::make_range(
           last ? std::next(last->getIterator()) : body.begin(), body.end()))
    created.push_back(&op);
  layerTagger_.tagNodeOps(created, node, paramSources_);
  // Shapes the exporter recorded (value_info) must agree with ours, unless
  // --input-shape chose other sizes than the exporter traced with.
  for (const std::string &output : node.output()) {
    if (!options_.inputShapes.empty())
      break;
    auto info = valueInfos_.find(output);
    auto value = values_.find(output);
    if (info == valueInfos_.end() || value == values_.end())
      continue;
    if (std::string mismatch = checkDeclaredType(*info->second, value->second);
        !mismatch.empty()) {
      recordNodeError(node, "output '" + output + "' " + mismatch);
      return false;
    }
  }
  return true;
}

void GraphImporter::eraseDeadOps() {
  Block &body = function_.getBody().front();
  for (Operation &op : llvm::make_early_inc_range(llvm::reverse(body)))
    if (!op.hasTrait<mlir::OpTrait::IsTerminator>() && op.use_empty())
      op.erase();
}

OwningOpRef<ModuleOp> GraphImporter::run(std::string &error) {
  if (!load(error))
    return nullptr;
  OpBuilder builder(&context_);
  module_ = ModuleOp::create(builder.getUnknownLoc());
  // Absolute, so the IR can be moved and still find its weights.
  llvm::SmallString<256> absolute(path_);
  llvm::sys::fs::make_absolute(absolute);
  llvm::sys::path::remove_dots(absolute, /*remove_dot_dot=*/true);
  classifyInitializers();
  if (!error_.empty()) {
    error = error_;
    return nullptr;
  }
  findSuspectConstants();
  if (!options_.frameworkWeights.empty()) {
    absolute = options_.frameworkWeights;
    llvm::sys::fs::make_absolute(absolute);
    llvm::sys::path::remove_dots(absolute, /*remove_dot_dot=*/true);
  }
  (*module_)->setAttr(kWeightsAttrName, builder.getStringAttr(absolute));
  if (!foldedInitializers_.empty()) {
    llvm::SmallVector<Attribute> names;
    for (const std::string &name : foldedInitializers_)
      names.push_back(builder.getStringAttr(name));
    (*module_)->setAttr(kFoldedWeightsAttrName, builder.getArrayAttr(names));
  }
  if (!suspectConstants_.empty()) {
    llvm::SmallVector<NamedAttribute> entries;
    for (const auto &[name, why] : suspectConstants_)
      entries.push_back(builder.getNamedAttr(name, builder.getStringAttr(why)));
    (*module_)->setAttr(kSuspectConstantsAttrName,
                        builder.getDictionaryAttr(entries));
  }
  if (!declareParams(error) || !buildSignature(error))
    return nullptr;
  for (const auto &node : model_.graph().node()) {
    if (!importNode(node)) {
      error = error_;
      return nullptr;
    }
    ++currentNodeIndex_;
  }
  Block &body = function_.getBody().front();
  OpBuilder atEnd = OpBuilder::atBlockEnd(&body);
  llvm::SmallVector<Value> results;
  for (const auto &output : model_.graph().output()) {
    Value value = lookup(output.name(), atEnd);
    if (!value) {
      error =
          error_.empty()
              ? fail("graph output '" + output.name() + "' is never computed")
              : error_;
      return nullptr;
    }
    if (std::string mismatch = checkDeclaredType(output, value);
        !mismatch.empty()) {
      error = fail("graph output '" + output.name() + "' " + mismatch);
      return nullptr;
    }
    results.push_back(value);
  }
  func::ReturnOp::create(atEnd, atEnd.getUnknownLoc(), results);
  function_.setFunctionType(builder.getFunctionType(
      function_.getArgumentTypes(), ValueRange(results).getTypes()));
  for (auto [index, output] : llvm::enumerate(model_.graph().output()))
    function_.setResultAttr(index, kNameAttrName,
                            builder.getStringAttr(output.name()));
  eraseDeadOps();
  // With the framework's weights, layers take the framework's names too.
  if (!options_.frameworkWeights.empty())
    renameLayersByParams(*module_);
  std::string diagnostic;
  {
    ScopedDiagnosticHandler capture(&context_, [&](Diagnostic &diag) {
      if (diagnostic.empty()) {
        diagnostic = diag.str();
        if (auto name = llvm::dyn_cast<NameLoc>(diag.getLocation()))
          diagnostic = "at node '" + name.getName().str() + "': " + diagnostic;
      }
      return success();
    });
    if (failed(mlir::verify(*module_))) {
      error = fail("the imported IR does not verify (an importer bug): " +
                   diagnostic);
      return nullptr;
    }
  }
  return std::move(module_);
}

OwningOpRef<ModuleOp> importOnnxFile(MLIRContext &context,
                                     const std::string &path,
                                     const ImportOptions &options,
                                     std::string &error) {
  // Constant folding runs ops through the interpreter, which reads their
  // execution entries; the emitters read them later from the same context.
  DialectRegistry registry;
  exec::registerExecutionModels(registry);
  context.appendDialectRegistry(registry);
  context.loadDialect<StarchDialect, func::FuncDialect>();
  GraphImporter importer(context, path, options);
  OwningOpRef<ModuleOp> module = importer.run(error);
  error = rt::printableLine(error);
  return module;
}

std::vector<std::string> supportedOnnxOps() {
  std::vector<std::string> ops;
  for (const auto &entry : onnxLowerings())
    ops.push_back(entry.getKey().str());
  llvm::sort(ops);
  return ops;
}

} // namespace starch::import
