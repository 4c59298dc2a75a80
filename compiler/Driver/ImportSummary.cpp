//===- ImportSummary.cpp - What an import made of a graph's data ----------===//
#include "compiler/Driver/ImportSummary.h"

#include "starch/Dialect/StarchDialect.h"
#include "starch/Dialect/StarchOps.h"

#include "mlir/IR/SymbolTable.h"

namespace starch::driver {

using namespace mlir;

void warnFoldedWeights(ModuleOp module, const std::string &onnx,
                       llvm::raw_ostream &os) {
  if (auto suspects =
          module->getAttrOfType<DictionaryAttr>(kSuspectConstantsAttrName)) {
    std::string list;
    for (NamedAttribute entry : suspects)
      list += (list.empty() ? "" : "; ") + entry.getName().str() + " (" +
              cast<StringAttr>(entry.getValue()).str() + ")";
    os << "warning: " << onnx
       << ": constants without a parameter's name that look folded by the "
          "exporter from parameters, which then stay constants and do not "
          "train: "
       << list
       << ". The framework's weights (model.json llm.weights or "
          "encoders[].weights) turn the ones that equal its tensors back "
          "into its parameters; an export with constant folding off keeps "
          "the others parameters (docs/import.md)\n";
  }
  auto folded = module->getAttrOfType<ArrayAttr>(kFoldedWeightsAttrName);
  if (!folded || folded.empty())
    return;
  std::string names;
  for (auto name : folded.getAsValueRange<StringAttr>())
    names += (names.empty() ? "" : ", ") + name.str();
  os << "warning: " << onnx << ": initializers " << names
     << " scale activations channel-wise but have no parameter's name: the "
        "exporter folded them from parameters (Gemma's `1 + weight` norms). "
        "They train as the folded values, so weight decay and checkpoints "
        "apply to those values, not to the framework's parameters; give the "
        "framework's weights (model.json llm.weights), whose `1 + weight` "
        "they are then read as, or export with constant folding off to "
        "train those exactly "
        "(torch.onnx.export(..., dynamo=False, do_constant_folding=False); "
        "docs/import.md)\n";
}

static std::string typeText(Type type) {
  std::string text;
  llvm::raw_string_ostream os(text);
  auto tensor = cast<RankedTensorType>(type);
  os << tensor.getElementType() << "[";
  llvm::interleave(tensor.getShape(), os, "x");
  os << "]";
  return text;
}

void printImportSummary(ModuleOp module, llvm::raw_ostream &os) {
  int64_t trainable = 0, frozen = 0, buffers = 0, values = 0;
  for (auto param : module.getOps<ParamOp>()) {
    auto type = cast<RankedTensorType>(param.getType());
    StringRef role = param.getBuffer()   ? "buffer"
                     : param.getFrozen() ? "frozen"
                                         : "trainable";
    (param.getBuffer() ? buffers : param.getFrozen() ? frozen : trainable)++;
    if (param.isTrainable())
      values += type.getNumElements();
    os << "import: param " << param.getSymName() << " " << typeText(type)
       << " " << role;
    if (param.getSource() && *param.getSource() != param.getSymName())
      os << " (" << *param.getSource() << ")";
    os << "\n";
  }
  module.walk([&](GatherOp gather) {
    if (auto pad = gather.getPaddingIdx())
      if (auto read = gather.getData().getDefiningOp<ReadParamOp>())
        os << "import: padding_idx " << *pad << " of " << read.getName()
           << " (its row gets no gradient)\n";
  });
  int64_t constants = 0, constantValues = 0, floatConstants = 0;
  module.walk([&](ConstantOp constant) {
    auto type = cast<RankedTensorType>(constant.getType());
    ++constants;
    constantValues += type.getNumElements();
    if (isa<FloatType>(type.getElementType()) && type.getNumElements() > 1)
      ++floatConstants;
  });
  os << "import: " << trainable << " trainable params (" << values
     << " values), " << frozen << " frozen, " << buffers << " buffers; "
     << constants << " constants (" << constantValues << " values, "
     << floatConstants << " of them float tensors of more than one element)\n";
}

} // namespace starch::driver
