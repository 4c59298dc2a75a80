//===- DataContract.cpp - The data a model.json's program takes -----------===//
#include "compiler/Driver/DataContract.h"

#include "starch/Dialect/StarchDialect.h"

#include "compiler/Driver/Driver.h"
#include "compiler/Driver/Pipelines.h"
#include "compiler/Interpreter/Interpreter.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/Pass/PassManager.h"

namespace starch::driver {

using namespace mlir;

namespace {

/// The forward function: the composed `@forward`, or a text-only import's
/// single function.
func::FuncOp forwardOf(ModuleOp module) {
  if (auto forward = module.lookupSymbol<func::FuncOp>("forward"))
    return forward;
  func::FuncOp only;
  for (auto function : module.getOps<func::FuncOp>()) {
    if (only)
      return nullptr;
    only = function;
  }
  return only;
}

} // namespace

bool deriveDataContract(MLIRContext &context, const config::ModelConfig &model,
                        rt::DataContract &contract, std::string &error) {
  std::string diagnostic;
  ScopedDiagnosticHandler capture(&context, [&](Diagnostic &diag) {
    if (diag.getSeverity() == DiagnosticSeverity::Error && diagnostic.empty())
      diagnostic = diag.str();
    return success();
  });
  OwningOpRef<ModuleOp> module = importModel(context, model, {}, error);
  if (!module)
    return false;
  PassManager pm(&context);
  buildPipeline(pm, EmitStage::raised, model);
  if (failed(pm.run(*module))) {
    error = model.path + ": the model does not compile: " +
            (diagnostic.empty() ? "(no diagnostic)" : diagnostic);
    return false;
  }
  func::FuncOp forward = forwardOf(*module);
  if (!forward || forward.getNumArguments() < 1 ||
      forward.getNumResults() <= model.logitsOutput) {
    error = model.path + ": no forward function with token ids and logits";
    return false;
  }
  auto tokens = dyn_cast<RankedTensorType>(forward.getArgumentTypes()[0]);
  auto logits = dyn_cast<RankedTensorType>(
      forward.getResultTypes()[model.logitsOutput]);
  if (!tokens || tokens.getRank() != 2 || !tokens.hasStaticShape() ||
      !logits || !logits.hasStaticShape()) {
    error = model.path + ": the token input must be [batch, sequence] and "
                         "the logits static (set llm.input_shapes)";
    return false;
  }
  contract = {};
  contract.sequenceLength = tokens.getDimSize(1);
  contract.vocabSize = logits.getShape().back();
  auto modalities = (*module)->getAttrOfType<ArrayAttr>("starch.modalities");
  for (Attribute entry : modalities ? modalities : ArrayAttr()) {
    auto m = cast<DictionaryAttr>(entry);
    StringRef input = m.getAs<StringAttr>("input").getValue();
    RankedTensorType type;
    for (unsigned i = 0; i < forward.getNumArguments(); ++i)
      if (auto name = forward.getArgAttrOfType<StringAttr>(i, kNameAttrName);
          name && name.getValue() == input)
        type = dyn_cast<RankedTensorType>(forward.getArgumentTypes()[i]);
    if (!type || !type.hasStaticShape()) {
      error = model.path + ": the forward function has no static input '" +
              input.str() + "'";
      return false;
    }
    rt::EncoderInputContract encoder;
    encoder.encoder = m.getAs<StringAttr>("encoder").str();
    encoder.modality = m.getAs<StringAttr>("modality").str();
    encoder.input = input.str();
    std::optional<rt::DType> dtype = interp::dtypeOf(type.getElementType());
    if (!dtype) {
      error = model.path + ": input '" + input.str() +
              "' has an element type the runtime cannot hold";
      return false;
    }
    encoder.dtype = *dtype;
    encoder.shape.assign(type.getShape().begin() + 1, type.getShape().end());
    encoder.slots = m.getAs<IntegerAttr>("inputs_per_sequence").getInt();
    encoder.placeholderToken = m.getAs<IntegerAttr>("placeholder").getInt();
    encoder.tokensPerInput = m.getAs<IntegerAttr>("tokens_per_input").getInt();
    contract.inputs.push_back(std::move(encoder));
  }
  return true;
}

} // namespace starch::driver
