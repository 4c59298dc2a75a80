//===- AssembleModules.cpp - Every module's graph in one IR module --------===//
#include "compiler/Driver/AssembleModules.h"

#include "runtime/io/Safetensors.h"
#include "starch/Dialect/StarchOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/Support/GlobPattern.h"

namespace starch::driver {

using namespace mlir;

namespace {

/// What one imported graph contributes.
struct ModuleSource {
  std::string name;
  std::string onnx;
  std::string weights;
  const config::InputShapes *shapes;
  bool frozen;
  const std::vector<std::string> *freeze;
  /// The model.json field that configures the module, for messages.
  std::string field;
};

/// Renames `module`'s params to `<name>.<symbol>` (source: the framework's
/// name), marks them with their module and freezes what model.json asks.
bool renameParams(ModuleOp module, const ModuleSource &source,
                  std::string &error) {
  std::vector<llvm::GlobPattern> patterns;
  std::vector<bool> used(source.freeze->size(), false);
  for (const std::string &text : *source.freeze) {
    llvm::Expected<llvm::GlobPattern> pattern = llvm::GlobPattern::create(text);
    if (!pattern) {
      error = source.field + ".freeze: '" + text +
              "' is not a glob: " + llvm::toString(pattern.takeError());
      return false;
    }
    patterns.push_back(std::move(*pattern));
  }
  Builder builder(module.getContext());
  StringAttr moduleName = builder.getStringAttr(source.name);
  for (auto param : llvm::make_early_inc_range(module.getOps<ParamOp>())) {
    std::string framework = param.getSource() ? param.getSource()->str()
                                              : param.getSymName().str();
    StringAttr renamed = builder.getStringAttr(source.name + "." +
                                               param.getSymName().str());
    if (failed(SymbolTable::replaceAllSymbolUses(param, renamed, module))) {
      error = source.onnx + ": cannot rename parameter '" + framework + "'";
      return false;
    }
    param.setSymName(renamed);
    param.setSource(framework);
    param->setAttr(kModuleAttrName, moduleName);
    bool freeze = source.frozen;
    for (size_t i = 0; i < patterns.size(); ++i)
      if (patterns[i].match(framework)) {
        used[i] = true;
        freeze = true;
      }
    if (freeze && !param.getBuffer())
      param.setFrozen(true);
  }
  for (size_t i = 0; i < used.size(); ++i)
    if (!used[i]) {
      error = source.field + ".freeze: '" + (*source.freeze)[i] +
              "' matches no parameter of " + source.onnx;
      return false;
    }
  return true;
}

/// The index of the graph output named `name` (by its `starch.name`).
bool findOutput(func::FuncOp function, const config::EncoderConfig &encoder,
                const std::string &field, unsigned &index, std::string &error) {
  if (encoder.outputName.empty()) {
    if (encoder.outputIndex >= function.getNumResults()) {
      error = field + ".output: " + encoder.onnx + " has " +
              std::to_string(function.getNumResults()) +
              " outputs; there is no output " +
              std::to_string(encoder.outputIndex);
      return false;
    }
    index = encoder.outputIndex;
    return true;
  }
  std::string names;
  for (unsigned i = 0; i < function.getNumResults(); ++i) {
    auto name = function.getResultAttrOfType<StringAttr>(i, "starch.name");
    if (name && name.getValue() == encoder.outputName) {
      index = i;
      return true;
    }
    names += (names.empty() ? "" : ", ") +
             (name ? name.getValue().str() : std::to_string(i));
  }
  error = field + ".output: " + encoder.onnx + " has no output '" +
          encoder.outputName + "' (its outputs: " + names + ")";
  return false;
}

} // namespace

OwningOpRef<ModuleOp> assembleModules(MLIRContext &context,
                                      const config::ModelConfig &model,
                                      const import::ImportOptions &options,
                                      std::string &error) {
  std::vector<ModuleSource> sources;
  for (size_t i = 0; i < model.encoders.size(); ++i) {
    const config::EncoderConfig &encoder = model.encoders[i];
    sources.push_back({encoder.name, encoder.onnx, encoder.weights,
                       &encoder.inputShapes,
                       encoder.frozen, &encoder.freeze,
                       "encoders[" + std::to_string(i) + "]"});
  }
  sources.push_back({kLlmModuleName, model.llmOnnx, model.llmWeights,
                     &model.inputShapes,
                     model.llmFrozen, &model.llmFreeze, "llm"});

  OpBuilder builder(&context);
  OwningOpRef<ModuleOp> result = ModuleOp::create(builder.getUnknownLoc());
  SmallVector<NamedAttribute> weights;
  SmallVector<Attribute> encoderSpecs;
  for (size_t i = 0; i < sources.size(); ++i) {
    const ModuleSource &source = sources[i];
    import::ImportOptions moduleOptions = options;
    moduleOptions.frameworkWeights = source.weights;
    for (const auto &[name, shape] : *source.shapes)
      moduleOptions.inputShapes[name] = shape;
    OwningOpRef<ModuleOp> imported =
        import::importOnnxFile(context, source.onnx, moduleOptions, error);
    if (!imported)
      return nullptr;
    if (!renameParams(*imported, source, error)) {
      error = model.path + ": " + error;
      return nullptr;
    }
    auto forward = imported->lookupSymbol<func::FuncOp>("forward");
    forward.setSymName(source.name);
    StringAttr moduleName = builder.getStringAttr(source.name);
    forward.walk([&](Operation *op) {
      if (op != forward)
        op->setAttr(kModuleAttrName, moduleName);
    });
    if (auto file = (*imported)->getAttrOfType<StringAttr>("starch.weights"))
      weights.push_back(builder.getNamedAttr(source.name, file));

    if (i < model.encoders.size()) {
      const config::EncoderConfig &encoder = model.encoders[i];
      unsigned output = 0;
      if (!findOutput(forward, encoder, source.field, output, error)) {
        error = model.path + ": " + error;
        return nullptr;
      }
      std::string projector = encoder.name + "_projector";
      weights.push_back(builder.getNamedAttr(
          projector, builder.getStringAttr(encoder.projector.weights)));
      encoderSpecs.push_back(builder.getDictionaryAttr({
          builder.getNamedAttr("name", moduleName),
          builder.getNamedAttr("modality",
                               builder.getStringAttr(encoder.modality)),
          builder.getNamedAttr("output", builder.getI64IntegerAttr(output)),
          builder.getNamedAttr("drop_first",
                               builder.getI64IntegerAttr(encoder.dropFirst)),
          builder.getNamedAttr("features",
                               builder.getI64IntegerAttr(encoder.features)),
          builder.getNamedAttr(
              "placeholder",
              builder.getI64IntegerAttr(encoder.placeholderToken)),
          builder.getNamedAttr(
              "projector",
              builder.getStringAttr(encoder.projector.kind ==
                                            config::ProjectorConfig::Kind::mlp
                                        ? "mlp"
                                        : "linear")),
          builder.getNamedAttr("projector_frozen",
                               builder.getBoolAttr(encoder.projector.frozen)),
      }));
    }
    Block *body = result->getBody();
    for (Operation &op :
         llvm::make_early_inc_range(imported->getBody()->getOperations())) {
      op.remove();
      body->push_back(&op);
    }
  }
  (*result)->setAttr("starch.weights", builder.getDictionaryAttr(weights));
  (*result)->setAttr(
      "starch.compose",
      builder.getDictionaryAttr({
          builder.getNamedAttr("llm", builder.getStringAttr(kLlmModuleName)),
          builder.getNamedAttr(
              "attention_mask",
              builder.getStringAttr(model.attentionMask ==
                                            config::AttentionMaskKind::bitfield
                                        ? "bitfield"
                                        : "causal")),
          builder.getNamedAttr("encoders", builder.getArrayAttr(encoderSpecs)),
      }));
  return result;
}

static std::string typeText(rt::DType dtype, const rt::Shape &shape) {
  return std::string(rt::dtypeName(dtype)) + "[" + rt::shapeString(shape) + "]";
}

bool checkProjectorWeights(ModuleOp module, const config::ModelConfig &model,
                           std::string &error) {
  for (size_t i = 0; i < model.encoders.size(); ++i) {
    const config::EncoderConfig &encoder = model.encoders[i];
    std::string field =
        model.path + ": encoders[" + std::to_string(i) + "].projector.weights";
    rt::SafetensorsFile file;
    if (!file.open(encoder.projector.weights, error)) {
      error = field + ": " + error;
      return false;
    }
    std::string projector = encoder.name + "_projector";
    for (auto param : module.getOps<ParamOp>()) {
      auto owner = param->getAttrOfType<StringAttr>(kModuleAttrName);
      if (!owner || owner.getValue() != projector || !param.getSource())
        continue;
      std::string name = param.getSource()->str();
      auto type = cast<RankedTensorType>(param.getType());
      rt::Shape shape(type.getShape().begin(), type.getShape().end());
      std::string expected = typeText(rt::DType::f32, shape) +
                             " (from encoder '" + encoder.name +
                             "''s feature width and the LLM's hidden size)";
      rt::Tensor tensor;
      if (!file.contains(name)) {
        error = field + ": '" + encoder.projector.weights + "' has no tensor '" +
                name + "'; expected " + expected;
        return false;
      }
      if (!file.load(name, tensor, error)) {
        error = field + ": " + error;
        return false;
      }
      if (tensor.shape() != shape || tensor.dtype() != rt::DType::f32) {
        error = field + ": '" + name + "' is " +
                typeText(tensor.dtype(), tensor.shape()) +
                " but the composition needs " + expected;
        return false;
      }
    }
  }
  return true;
}

} // namespace starch::driver
