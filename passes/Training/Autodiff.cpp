//===- Autodiff.cpp - Reverse-mode differentiation ------------------------===//
//
// A generic reverse walk: the math of every op's backward lives in its
// GradientOpInterface rule (dialects/Starch/lib/Gradients); this pass only
// decides which ops need one (activity analysis), accumulates cotangents and
// assembles the gradient function.
//
//===----------------------------------------------------------------------===//
#include "passes/Training/Passes.h"

#include "starch/Dialect/StarchInterfaces.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/IRMapping.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/StringSet.h"

namespace starch {
#define GEN_PASS_DEF_STARCHAUTODIFF
#include "passes/Training/Passes.h.inc"
} // namespace starch

using namespace mlir;
using namespace starch;

namespace {

bool isFloatTensor(Type type) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  return tensor && isa<FloatType>(tensor.getElementType());
}

/// Tags every op the rules build with the layer and module of the forward
/// op they differentiate.
struct LayerTagger : public OpBuilder::Listener {
  Attribute layer, module;
  void notifyOperationInserted(Operation *op, OpBuilder::InsertPoint) override {
    if (layer)
      op->setAttr(kLayerAttrName, layer);
    if (module)
      op->setAttr(kModuleAttrName, module);
  }
};

/// Builds the backward of one function body in place, before its return.
class GradientBuilder {
public:
  GradientBuilder(func::FuncOp function, ModuleOp module, bool wrtArguments,
                  ArrayRef<std::string> recompute)
      : function(function), module(module), wrtArguments(wrtArguments),
        recompute(recompute) {}

  LogicalResult build(unsigned resultIndex, StringRef gradientName);

private:
  bool isTrainable(ReadParamOp read) {
    auto param =
        SymbolTable::lookupNearestSymbolFrom<ParamOp>(read, read.getNameAttr());
    return param && param.isTrainable();
  }
  bool isDifferentiableArgument(BlockArgument arg) {
    return isFloatTensor(arg.getType()) &&
           (wrtArguments ||
            function.getArgAttr(arg.getArgNumber(), kDifferentiableAttrName));
  }
  /// Marks `output` as differentiated (before analyseActivity).
  void analyseOutput(Value output) { useful.insert(output); }
  void analyseActivity();
  bool needsGradient(Value v) {
    return varied.contains(v) && useful.contains(v);
  }
  void accumulate(OpBuilder &builder, Value value, Value cotangent);
  Value sumOrZeros(OpBuilder &builder, Location loc, ArrayRef<Value> values,
                   Type type);

  /// Whether the backward of `layer` reads a recomputed forward.
  bool recomputes(StringRef layer) const {
    return !layer.empty() && (llvm::is_contained(recompute, "all") ||
                              llvm::is_contained(recompute, layer.str()));
  }
  /// Copies the forward ops of `layer` (in order) at the builder's point;
  /// `copies` maps each copied op's values to the copy's.
  void copyLayerForward(OpBuilder &builder, StringRef layer,
                        ArrayRef<Operation *> forward);

  func::FuncOp function;
  ModuleOp module;
  bool wrtArguments;
  ArrayRef<std::string> recompute;
  /// Recomputed forward: original op -> its copy, and the copies.
  llvm::DenseMap<Operation *, Operation *> copyOf;
  SmallVector<Operation *> copies;
  /// Values that depend on a differentiated parameter or argument.
  llvm::DenseSet<Value> varied;
  /// Values the differentiated output depends on.
  llvm::DenseSet<Value> useful;
  llvm::DenseMap<Value, Value> cotangents;
};

void GradientBuilder::analyseActivity() {
  Block &body = function.getBody().front();
  for (BlockArgument arg : body.getArguments())
    if (isDifferentiableArgument(arg))
      varied.insert(arg);
  for (Operation &op : body.without_terminator()) {
    if (auto read = dyn_cast<ReadParamOp>(op)) {
      if (isTrainable(read))
        varied.insert(read.getResult());
      continue;
    }
    if (llvm::any_of(op.getOperands(),
                     [&](Value v) { return varied.contains(v); }))
      for (Value result : op.getResults())
        if (isFloatTensor(result.getType()))
          varied.insert(result);
  }
  for (Operation &op : llvm::reverse(body.without_terminator()))
    if (llvm::any_of(op.getResults(),
                     [&](Value v) { return useful.contains(v); }))
      for (Value operand : op.getOperands())
        if (isFloatTensor(operand.getType()))
          useful.insert(operand);
}

void GradientBuilder::accumulate(OpBuilder &builder, Value value,
                                 Value cotangent) {
  auto [it, inserted] = cotangents.try_emplace(value, cotangent);
  if (!inserted)
    it->second = AddOp::create(builder, cotangent.getLoc(), value.getType(),
                               it->second, cotangent);
}

void GradientBuilder::copyLayerForward(OpBuilder &builder, StringRef layer,
                                       ArrayRef<Operation *> forward) {
  IRMapping mapping;
  for (Operation *op : forward) {
    auto tag = op->getAttrOfType<StringAttr>(kLayerAttrName);
    // Parameters and constants live outside the activations: read them.
    if (!tag || tag.getValue() != layer || isa<ReadParamOp, ConstantOp>(op))
      continue;
    Operation *copy = builder.clone(*op, mapping);
    copyOf[op] = copy;
    copies.push_back(copy);
  }
}

Value GradientBuilder::sumOrZeros(OpBuilder &builder, Location loc,
                                  ArrayRef<Value> values, Type type) {
  Value total;
  for (Value v : values)
    total = total ? AddOp::create(builder, loc, type, total, v).getResult() : v;
  if (total)
    return total;
  auto tensor = cast<RankedTensorType>(type);
  return ConstantOp::create(
      builder, loc,
      DenseElementsAttr::get(tensor,
                             FloatAttr::get(tensor.getElementType(), 0.0)));
}

LogicalResult GradientBuilder::build(unsigned resultIndex,
                                     StringRef gradientName) {
  Block &body = function.getBody().front();
  auto ret = cast<func::ReturnOp>(body.getTerminator());
  unsigned originalArgs = body.getNumArguments();
  // The seeded results: those marked kCotangentInputAttrName, each with its
  // cotangent as a new argument (a pipeline stage's outputs, whose
  // gradients the next stage computes); else result #resultIndex, as the
  // sum of its elements.
  SmallVector<unsigned> seeded;
  for (unsigned i = 0; i < ret.getNumOperands(); ++i)
    if (function.getResultAttr(i, kCotangentInputAttrName))
      seeded.push_back(i);
  bool fromArguments = !seeded.empty();
  if (!fromArguments)
    seeded.push_back(resultIndex);
  for (unsigned i : seeded) {
    if (i >= ret.getNumOperands())
      return function.emitError()
             << "has no result #" << i << " to differentiate";
    if (!isFloatTensor(ret.getOperand(i).getType()))
      return function.emitError()
             << "result #" << i << " has type " << ret.getOperand(i).getType()
             << "; only float results can be differentiated";
  }
  for (unsigned i : seeded)
    analyseOutput(ret.getOperand(i));
  analyseActivity();

  OpBuilder builder(ret);
  LayerTagger tagger;
  builder.setListener(&tagger);
  Location loc = ret.getLoc();
  SmallVector<DictionaryAttr> seedAttrs;
  for (unsigned i : seeded) {
    Value output = ret.getOperand(i);
    auto type = cast<RankedTensorType>(output.getType());
    Value seed;
    if (fromArguments) {
      seed = body.addArgument(type, output.getLoc());
      auto name = function.getResultAttrOfType<StringAttr>(i, kNameAttrName);
      seedAttrs.push_back(builder.getDictionaryAttr(builder.getNamedAttr(
          kNameAttrName,
          builder.getStringAttr(
              "grad." + (name ? name.getValue().str()
                              : "result" + std::to_string(i))))));
      function.removeResultAttr(i, builder.getStringAttr(kCotangentInputAttrName));
    } else {
      // d(sum of the output's elements)/d(output) = 1.
      seed = ConstantOp::create(
          builder, loc,
          DenseElementsAttr::get(type,
                                 FloatAttr::get(type.getElementType(), 1.0)));
    }
    if (needsGradient(output))
      accumulate(builder, output, seed);
  }

  SmallVector<Operation *> forward = llvm::map_to_vector(
      body.without_terminator(), [](Operation &op) { return &op; });
  llvm::StringSet<> copiedLayers;
  for (Operation *op : llvm::reverse(forward)) {
    SmallVector<Value> resultCotangents;
    bool anyCotangent = false;
    for (Value result : op->getResults()) {
      resultCotangents.push_back(cotangents.lookup(result));
      anyCotangent |= static_cast<bool>(resultCotangents.back());
    }
    SmallVector<bool> needs = llvm::map_to_vector(
        op->getOperands(), [&](Value v) { return needsGradient(v); });
    if (!anyCotangent || llvm::none_of(needs, [](bool b) { return b; }))
      continue;
    // A recomputed layer's backward reads the copy of its forward, made
    // when the walk first reaches the layer. The copy's operands line up
    // with the original's, whose values the cotangents belong to.
    auto layer = op->getAttrOfType<StringAttr>(kLayerAttrName);
    if (layer && recomputes(layer.getValue()) &&
        copiedLayers.insert(layer.getValue()).second)
      copyLayerForward(builder, layer.getValue(), forward);
    Operation *differentiated = copyOf.lookup(op) ? copyOf.lookup(op) : op;
    auto rule = dyn_cast<GradientOpInterface>(differentiated);
    if (!rule)
      return op->emitOpError() << "has no gradient rule (GradientOpInterface)";
    tagger.layer = op->getAttr(kLayerAttrName);
    tagger.module = op->getAttr(kModuleAttrName);
    SmallVector<Value> operandCotangents;
    if (failed(rule.buildGradients(builder, resultCotangents, needs,
                                   operandCotangents)))
      return failure();
    tagger.layer = tagger.module = nullptr;
    for (auto [operand, cotangent, need] :
         llvm::zip(op->getOperands(), operandCotangents, needs))
      if (cotangent && need)
        accumulate(builder, operand, cotangent);
  }

  // Copies no rule read (an op's result its own rule does not need) go,
  // last first; every rank drops the same ones, so collectives still match.
  for (Operation *copy : llvm::reverse(copies))
    if (copy->use_empty())
      copy->erase();

  // Gradients per trainable parameter (module order), summed over reads.
  llvm::MapVector<StringRef, SmallVector<Value>> readsOfParam;
  for (auto param : module.getOps<ParamOp>())
    if (param.isTrainable())
      readsOfParam[param.getSymName()];
  llvm::StringMap<Type> paramTypes;
  for (auto read : body.getOps<ReadParamOp>()) {
    auto it = readsOfParam.find(read.getName());
    if (it == readsOfParam.end())
      continue;
    paramTypes[read.getName()] = read.getType();
    if (Value cotangent = cotangents.lookup(read.getResult()))
      it->second.push_back(cotangent);
  }

  SmallVector<Value> results(ret.getOperands());
  SmallVector<std::string> gradientNames;
  for (auto &[name, reads] : readsOfParam) {
    auto type = paramTypes.find(name);
    if (type == paramTypes.end())
      continue; // not read by this function
    results.push_back(sumOrZeros(builder, loc, reads, type->second));
    gradientNames.push_back(("grad." + name).str());
  }
  for (BlockArgument arg : body.getArguments().take_front(originalArgs)) {
    if (!isDifferentiableArgument(arg))
      continue;
    SmallVector<Value> own;
    if (Value cotangent = cotangents.lookup(arg))
      own.push_back(cotangent);
    results.push_back(sumOrZeros(builder, loc, own, arg.getType()));
    auto argName = function.getArgAttrOfType<StringAttr>(arg.getArgNumber(),
                                                         kNameAttrName);
    gradientNames.push_back(
        "grad." + (argName ? argName.getValue().str()
                           : "arg" + std::to_string(arg.getArgNumber())));
  }

  unsigned originalCount = ret.getNumOperands();
  func::ReturnOp::create(builder, loc, results);
  ret.erase();
  function.setName(gradientName);
  function.setType(FunctionType::get(function.getContext(),
                                     body.getArgumentTypes(),
                                     ValueRange(results).getTypes()));
  for (auto [i, attrs] : llvm::enumerate(seedAttrs))
    function.setArgAttrs(originalArgs + i, attrs);
  SmallVector<DictionaryAttr> resultAttrs;
  for (unsigned i = 0; i < originalCount; ++i)
    resultAttrs.push_back(function.getResultAttrDict(i));
  for (const std::string &name : gradientNames)
    resultAttrs.push_back(DictionaryAttr::get(
        function.getContext(),
        {NamedAttribute(StringAttr::get(function.getContext(), kNameAttrName),
                        StringAttr::get(function.getContext(), name))}));
  function.setAllResultAttrs(resultAttrs);
  return success();
}

struct StarchAutodiffPass
    : public starch::impl::StarchAutodiffBase<StarchAutodiffPass> {
  using StarchAutodiffBase::StarchAutodiffBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    SmallVector<func::FuncOp> selected;
    for (auto function : module.getOps<func::FuncOp>()) {
      if (function.isExternal() || function->hasAttr(kGradientOfAttrName))
        continue;
      if (!functions.empty() &&
          !llvm::is_contained(functions, function.getSymName().str()))
        continue;
      selected.push_back(function);
    }
    for (const std::string &name : functions)
      if (!symbols.lookup<func::FuncOp>(name)) {
        module.emitError() << "starch-autodiff: no function @" << name;
        return signalPassFailure();
      }
    // Every layer named for recompute must be one some function has.
    llvm::StringSet<> layers;
    for (func::FuncOp function : selected)
      function.walk([&](Operation *op) {
        if (auto tag = op->getAttrOfType<StringAttr>(kLayerAttrName))
          layers.insert(tag.getValue());
      });
    for (const std::string &name : recompute)
      if (name != "all" && !layers.contains(name)) {
        module.emitError() << "starch-autodiff: recompute names layer '" << name
                           << "', which no differentiated function has";
        return signalPassFailure();
      }
    for (func::FuncOp function : selected) {
      std::string gradientName = (function.getSymName() + suffix).str();
      if (symbols.lookup(gradientName)) {
        function.emitError()
            << "cannot create @" << gradientName << ": the name is taken";
        return signalPassFailure();
      }
      if (!function.getBody().hasOneBlock()) {
        function.emitError() << "has several blocks; starch-autodiff "
                                "differentiates straight-line bodies";
        return signalPassFailure();
      }
      func::FuncOp gradient = function.clone();
      gradient->setAttr(kGradientOfAttrName,
                        FlatSymbolRefAttr::get(function.getSymNameAttr()));
      module.getBody()->getOperations().insertAfter(function->getIterator(),
                                                    gradient);
      GradientBuilder builder(gradient, module, wrtArguments, recompute);
      if (failed(builder.build(resultIndex, gradientName)))
        return signalPassFailure();
      symbols.insert(gradient);
    }
  }
};

} // namespace
