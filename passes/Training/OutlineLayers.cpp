//===- OutlineLayers.cpp - One function per distinct layer body -----------===//
//
// A run is a contiguous range of ops of one block from the first to the last
// op tagged with one layer. Outlining a contiguous range of a single block is
// always sound: whatever it reads is defined before it, whatever else reads
// its values comes after it, and the ops keep their order. Parameter reads
// are hoisted in front of the call (they read nothing, and runs that write
// parameters are left alone), which turns parameter symbols into arguments
// so that the layers of a stack have equal bodies. The same soundness lets
// the pass cut what is left of a long function into parts.
//
//===----------------------------------------------------------------------===//
#include "passes/Training/Passes.h"

#include "compiler/Codegen/Repeats.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringMap.h"

#include <string>

namespace starch {
#define GEN_PASS_DEF_STARCHOUTLINELAYERS
#include "passes/Training/Passes.h.inc"
} // namespace starch

using namespace mlir;
using namespace starch;

namespace {


struct LayerRun {
  StringAttr layer;
  /// Parameter reads of the run, hoisted in front of the call.
  SmallVector<ReadParamOp> reads;
  /// Every other op of the run, in order.
  SmallVector<Operation *> ops;
  /// forward, backward, part3...: which run of its layer this is.
  std::string part;
};

/// The layer family of a tag and its pattern: the tag without its layer
/// number ("model.layers.3" -> "model.layers", "model.layers.*"). A tag
/// without a number is its own family.
std::pair<std::string, std::string> familyOf(StringRef tag) {
  SmallVector<StringRef> parts;
  tag.split(parts, '.');
  for (size_t i = parts.size(); i-- > 0;) {
    if (parts[i].empty() || !llvm::all_of(parts[i], llvm::isDigit))
      continue;
    SmallVector<StringRef> name(parts), pattern(parts);
    name.erase(name.begin() + i);
    pattern[i] = "*";
    return {llvm::join(name, "."), llvm::join(pattern, ".")};
  }
  return {tag.str(), tag.str()};
}

/// Untagged ops in a row that a run takes in: the backward's residual
/// additions (one op) sit between ops of one layer; a longer stretch (the
/// loss between the last layer's forward and backward) ends the run.
constexpr size_t kMaxGlueOps = 2;

/// The runs of `block`: from the first to the last op with one tag, with the
/// short untagged stretches between them.
SmallVector<LayerRun> collectRuns(Block &block, bool gradient) {
  SmallVector<LayerRun> runs;
  SmallVector<Operation *> untaggedSinceLast;
  llvm::DenseMap<StringAttr, int> runsOfLayer;
  auto add = [&](LayerRun &run, Operation *op) {
    if (auto read = dyn_cast<ReadParamOp>(op))
      run.reads.push_back(read);
    else
      run.ops.push_back(op);
  };
  for (Operation &op : block.without_terminator()) {
    auto tag = op.getAttrOfType<StringAttr>(kLayerAttrName);
    if (!tag) {
      untaggedSinceLast.push_back(&op);
      continue;
    }
    if (runs.empty() || runs.back().layer != tag ||
        untaggedSinceLast.size() > kMaxGlueOps) {
      int index = runsOfLayer[tag]++;
      LayerRun run;
      run.layer = tag;
      run.part = !gradient ? (index ? "part" + std::to_string(index + 1) : "")
                 : index == 0 ? "forward"
                 : index == 1 ? "backward"
                              : "part" + std::to_string(index + 1);
      runs.push_back(std::move(run));
      untaggedSinceLast.clear();
    }
    for (Operation *glue : untaggedSinceLast)
      add(runs.back(), glue);
    untaggedSinceLast.clear();
    add(runs.back(), &op);
  }
  return runs;
}

/// Runs that stay inline: a single op gains nothing, a parameter write could
/// not be reordered after a hoisted read, and regions are not outlined.
bool isOutlinable(const LayerRun &run) {
  if (run.ops.size() < 2)
    return false;
  return llvm::none_of(run.ops, [](Operation *op) {
    return isa<WriteParamOp>(op) || op->getNumRegions() != 0;
  });
}

/// What a run reads from before it and what is read of it after it.
struct RunInterface {
  llvm::SetVector<Value> inputs;
  SmallVector<Value> outputs;
};

RunInterface interfaceOf(ArrayRef<Operation *> ops) {
  llvm::SmallPtrSet<Operation *, 32> inside(ops.begin(), ops.end());
  RunInterface interface;
  for (Operation *op : ops)
    for (Value operand : op->getOperands())
      if (!inside.contains(operand.getDefiningOp()))
        interface.inputs.insert(operand);
  for (Operation *op : ops)
    for (Value result : op->getResults())
      if (llvm::any_of(result.getUsers(),
                       [&](Operation *user) { return !inside.contains(user); }))
        interface.outputs.push_back(result);
  return interface;
}

/// Equal for runs with the same ops, wiring, types and attributes (the layer
/// tag aside): uniqued MLIR objects compared by address, values by position.
std::string structuralKey(const LayerRun &run, const RunInterface &interface) {
  std::string key;
  auto word = [&](const void *pointer) {
    key.append(reinterpret_cast<const char *>(&pointer), sizeof(pointer));
  };
  auto number = [&](uintptr_t value) {
    word(reinterpret_cast<const void *>(value));
  };
  llvm::DenseMap<Value, uintptr_t> position;
  for (Value input : interface.inputs) {
    position[input] = position.size();
    word(input.getType().getAsOpaquePointer());
  }
  for (Operation *op : run.ops) {
    word(op->getName().getAsOpaquePointer());
    number(op->getNumOperands());
    for (Value operand : op->getOperands())
      number(position.lookup(operand));
    NamedAttrList attributes(op->getAttrDictionary());
    attributes.erase(kLayerAttrName);
    word(attributes.getDictionary(op->getContext()).getAsOpaquePointer());
    number(op->getNumResults());
    for (Value result : op->getResults()) {
      word(result.getType().getAsOpaquePointer());
      position[result] = position.size();
    }
  }
  for (Value output : interface.outputs)
    number(position.lookup(output));
  return key;
}

/// A private function computing `ops` (cloned; arguments and results as
/// `interface` says), inserted in front of `caller`.
func::FuncOp createFunction(StringRef name, ArrayRef<Operation *> ops,
                            const RunInterface &interface, func::FuncOp caller,
                            SymbolTable &symbols) {
  MLIRContext *context = caller.getContext();
  SmallVector<Type> inputTypes, outputTypes;
  for (Value input : interface.inputs)
    inputTypes.push_back(input.getType());
  for (Value output : interface.outputs)
    outputTypes.push_back(output.getType());
  OpBuilder builder(caller);
  auto function =
      func::FuncOp::create(builder, ops.front()->getLoc(), name,
                           FunctionType::get(context, inputTypes, outputTypes));
  function.setPrivate();
  Block *body = function.addEntryBlock();
  IRMapping mapping;
  for (auto [input, argument] :
       llvm::zip(interface.inputs, body->getArguments()))
    mapping.map(input, argument);
  builder.setInsertionPointToStart(body);
  for (Operation *op : ops)
    builder.clone(*op, mapping);
  SmallVector<Value> results;
  for (Value output : interface.outputs)
    results.push_back(mapping.lookup(output));
  func::ReturnOp::create(builder, ops.back()->getLoc(), results);
  // SymbolTable::insert places it (renaming it on a clash); the builder only
  // made it.
  function->remove();
  symbols.insert(function, Block::iterator(caller));
  return function;
}

/// Replaces `ops` (contiguous in one block) by a call of `callee`.
void replaceByCall(ArrayRef<Operation *> ops, const RunInterface &interface,
                   func::FuncOp callee) {
  Operation *first = ops.front();
  OpBuilder builder(first);
  auto call = func::CallOp::create(builder, first->getLoc(), callee,
                                   interface.inputs.getArrayRef());
  for (auto [output, result] : llvm::zip(interface.outputs, call.getResults()))
    Value(output).replaceAllUsesWith(result);
  for (Operation *op : llvm::reverse(ops))
    op->erase();
}

struct StarchOutlineLayersPass
    : public starch::impl::StarchOutlineLayersBase<StarchOutlineLayersPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    SmallVector<func::FuncOp> functions(module.getOps<func::FuncOp>());
    for (func::FuncOp function : functions) {
      if (function.isExternal() || function->hasAttr(kFamilyAttrName))
        continue;
      bool gradient = function->hasAttr(kGradientOfAttrName);
      for (Block &block : function.getBody())
        for (LayerRun &run : collectRuns(block, gradient))
          if (isOutlinable(run))
            outline(run, function, symbols);
    }
    if (segmentOps > 0)
      for (func::FuncOp function : functions)
        if (!function.isExternal() && !function->hasAttr(kFamilyAttrName))
          splitIntoSegments(function, symbols);
  }

  void outline(LayerRun &run, func::FuncOp caller, SymbolTable &symbols) {
    RunInterface interface = interfaceOf(run.ops);
    std::string key = structuralKey(run, interface);
    auto [family, pattern] = familyOf(run.layer.getValue());
    func::FuncOp callee = layerFunctions.lookup(key);
    if (!callee) {
      std::string name = family + (run.part.empty() ? "" : "." + run.part);
      int variant = variantsOfName[name]++;
      if (variant)
        name += "." + std::to_string(variant);
      callee = createFunction(name, run.ops, interface, caller, symbols);
      describeLayerFunction(callee, pattern, run, interface);
      layerFunctions[key] = callee;
    }
    SmallVector<Attribute> callers;
    if (auto existing = callee->getAttrOfType<ArrayAttr>(kCallersAttrName))
      callers.assign(existing.begin(), existing.end());
    if (!llvm::is_contained(callers, run.layer))
      callers.push_back(run.layer);
    callee->setAttr(kCallersAttrName,
                    ArrayAttr::get(callee.getContext(), callers));
    for (ReadParamOp read : run.reads)
      read->moveBefore(run.ops.front());
    replaceByCall(run.ops, interface, callee);
  }

  /// The body serves every layer of the family: its ops carry no layer tag,
  /// and the function says which family and layers it serves. A parameter
  /// argument is named by its role in the layer ("self_attn.q_proj.weight"),
  /// so the generated function reads like the layer.
  void describeLayerFunction(func::FuncOp function, StringRef pattern,
                             const LayerRun &run,
                             const RunInterface &interface) {
    MLIRContext *context = function.getContext();
    function->setAttr(kFamilyAttrName, StringAttr::get(context, pattern));
    function.walk([](Operation *op) { op->removeAttr(kLayerAttrName); });
    std::string prefix = (run.layer.getValue() + ".").str();
    for (auto [i, input] : llvm::enumerate(interface.inputs))
      if (auto read = input.getDefiningOp<ReadParamOp>())
        if (read.getName().starts_with(prefix))
          function.setArgAttr(
              i, kNameAttrName,
              StringAttr::get(context,
                              read.getName().drop_front(prefix.size())));
  }

  /// Cuts what is left of a long function into consecutive segments of at
  /// most `segmentOps` ops as the C++ emitter writes them, each a function
  /// of its own: the host compiler's time grows faster than the length of a
  /// function. A run the emitter writes as a loop (compiler/Codegen/Repeats.h:
  /// the optimizer's ops per layer) counts as its one period and is never
  /// cut. Any contiguous range can be outlined, parameter writes included
  /// (the calls keep the order).
  void splitIntoSegments(func::FuncOp function, SymbolTable &symbols) {
    if (!function.getBody().hasOneBlock())
      return;
    Block &block = function.getBody().front();
    SmallVector<Operation *> ops, computing;
    SmallVector<size_t> positionOf; // of each computing op in `ops`
    for (Operation &op : block.without_terminator()) {
      if (op.getNumRegions())
        return;
      // The emitter writes constants at the top of a function (they read
      // nothing): they are not part of the repeats.
      if (!isa<ConstantOp>(op)) {
        positionOf.push_back(ops.size());
        computing.push_back(&op);
      }
      ops.push_back(&op);
    }
    SmallVector<codegen::Repeat> repeats = codegen::findRepeats(computing);
    SmallVector<SmallVector<Operation *>> segments;
    size_t length = 0;
    const codegen::Repeat *repeat = repeats.begin();
    for (size_t i = 0; i < ops.size();) {
      // The next unit: a repeat, or one op (a constant weighs nothing).
      size_t end = i + 1, weight = isa<ConstantOp>(ops[i]) ? 0 : 1;
      if (repeat != repeats.end() && positionOf[repeat->begin] == i) {
        end = positionOf[repeat->end() - 1] + 1;
        weight = repeat->period;
        ++repeat;
      }
      if (segments.empty() ||
          length + weight > static_cast<size_t>(segmentOps)) {
        segments.emplace_back();
        length = 0;
      }
      segments.back().append(ops.begin() + i, ops.begin() + end);
      length += weight;
      i = end;
    }
    if (segments.size() < 2)
      return;
    MLIRContext *context = function.getContext();
    for (auto [i, ops] : llvm::enumerate(segments)) {
      RunInterface interface = interfaceOf(ops);
      func::FuncOp segment = createFunction(
          (function.getSymName() + ".part" + std::to_string(i + 1)).str(), ops,
          interface, function, symbols);
      segment->setAttr(kSegmentOfAttrName,
                       FlatSymbolRefAttr::get(context, function.getSymName()));
      replaceByCall(ops, interface, segment);
    }
  }

  llvm::StringMap<func::FuncOp> layerFunctions;
  llvm::StringMap<int> variantsOfName;
};

} // namespace
