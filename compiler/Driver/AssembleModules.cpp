//===- AssembleModules.cpp - Every module's graph in one IR module --------===//
#include "compiler/Driver/AssembleModules.h"

#include "compiler/Driver/ImportSummary.h"
#include "compiler/Interpreter/Interpreter.h"
#include "runtime/io/Safetensors.h"
#include "starch/Dialect/StarchOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/AttrTypeSubElements.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/Support/GlobPattern.h"

#include <optional>

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
  const config::PaddingIdxConfig *paddingIdx;
  /// The model.json field that configures the module, for messages.
  std::string field;
  /// The encoder this module is (or projects for); -1 for the LLM.
  int encoder = -1;
  bool isProjector = false;
};

/// Renames `module`'s params to `<name>.<symbol>` (source: the framework's
/// name) and marks them with their module. The references are rewritten in
/// one walk: SymbolTable::replaceAllSymbolUses walks the module once per
/// parameter, which was most of a full-size import.
void renameParams(ModuleOp module, const ModuleSource &source) {
  Builder builder(module.getContext());
  StringAttr moduleName = builder.getStringAttr(source.name);
  llvm::DenseMap<StringAttr, FlatSymbolRefAttr> renamed;
  for (auto param : module.getOps<ParamOp>()) {
    std::string framework =
        param.getSource() ? param.getSource()->str() : param.getSymName().str();
    StringAttr name =
        builder.getStringAttr(source.name + "." + param.getSymName().str());
    renamed[param.getSymNameAttr()] = FlatSymbolRefAttr::get(name);
    param.setSymName(name);
    param.setSource(framework);
    param->setAttr(kModuleAttrName, moduleName);
  }
  AttrTypeReplacer replacer;
  replacer.addReplacement([&](SymbolRefAttr ref) -> std::optional<Attribute> {
    if (!ref.getNestedReferences().empty())
      return std::nullopt;
    auto found = renamed.find(ref.getRootReference());
    if (found == renamed.end())
      return std::nullopt;
    return found->second;
  });
  module.walk([&](Operation *op) {
    if (!isa<ParamOp>(op))
      replacer.replaceElementsIn(op);
  });
}

/// The projector kinds as `starch.compose` spells them.
llvm::StringRef projectorKindName(config::ProjectorConfig::Kind kind) {
  switch (kind) {
  case config::ProjectorConfig::Kind::linear:
    return "linear";
  case config::ProjectorConfig::Kind::mlp:
    return "mlp";
  case config::ProjectorConfig::Kind::onnx:
    return "onnx";
  }
  return "mlp";
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
    auto name = function.getResultAttrOfType<StringAttr>(i, kNameAttrName);
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

bool freezeParams(ModuleOp module, bool frozen,
                  const std::vector<std::string> &freeze,
                  const std::string &field, const std::string &onnx,
                  std::string &error) {
  std::vector<llvm::GlobPattern> patterns;
  std::vector<bool> used(freeze.size(), false);
  for (const std::string &text : freeze) {
    llvm::Expected<llvm::GlobPattern> pattern = llvm::GlobPattern::create(text);
    if (!pattern) {
      error = field + ".freeze: '" + text +
              "' is not a glob: " + llvm::toString(pattern.takeError());
      return false;
    }
    patterns.push_back(std::move(*pattern));
  }
  for (auto param : module.getOps<ParamOp>()) {
    std::string framework = param.getSource() ? param.getSource()->str()
                                              : param.getSymName().str();
    bool freezeIt = frozen;
    for (size_t i = 0; i < patterns.size(); ++i)
      if (patterns[i].match(framework)) {
        used[i] = true;
        freezeIt = true;
      }
    if (freezeIt && !param.getBuffer() && !param.getState())
      param.setFrozen(true);
  }
  for (size_t i = 0; i < used.size(); ++i)
    if (!used[i]) {
      error = field + ".freeze: '" + freeze[i] + "' matches no parameter of " +
              onnx;
      return false;
    }
  return true;
}

/// The token embedding: an axis-0 gather of a parameter at an integer graph
/// input (the token ids).
static GatherOp findTokenEmbedding(ModuleOp module) {
  GatherOp found;
  module.walk([&](GatherOp gather) {
    auto ids = dyn_cast<BlockArgument>(gather.getIndices());
    if (!found && gather.getAxis() == 0 && ids &&
        isa<func::FuncOp>(ids.getOwner()->getParentOp()) &&
        gather.getData().getDefiningOp<ReadParamOp>())
      found = gather;
  });
  return found;
}

bool markPaddingRow(ModuleOp module, const config::PaddingIdxConfig &padding,
                    const std::string &onnx, std::string &error) {
  if (padding.index < 0)
    return true;
  GatherOp embedding = findTokenEmbedding(module);
  if (!embedding) {
    if (!padding.fromModelJson)
      return true; // config.json's pad_token_id, but no token embedding
    error = padding.origin + ": " + onnx +
            " has no token embedding (a Gather of a weight at the token ids)";
    return false;
  }
  auto read = embedding.getData().getDefiningOp<ReadParamOp>();
  auto param = SymbolTable::lookupNearestSymbolFrom<ParamOp>(
      read, read.getNameAttr());
  std::string name = param && param.getSource() ? param.getSource()->str()
                                                : read.getName().str();
  int64_t rows = embedding.getData().getType().getDimSize(0);
  if (padding.index >= rows) {
    error = padding.origin + ": " + std::to_string(padding.index) +
            " is not a row of the token embedding '" + name + "' (" +
            std::to_string(rows) + " rows)";
    return false;
  }
  Builder builder(module.getContext());
  embedding.setPaddingIdxAttr(builder.getI64IntegerAttr(padding.index));
  return true;
}

bool setNoWeightDecay(ModuleOp module, const config::TrainingConfig &training,
                      std::string &error) {
  std::vector<std::string> globs = training.noWeightDecay;
  if (training.huggingFaceNoDecay)
    llvm::append_range(globs, config::huggingFaceNoDecayGlobs());
  if (globs.empty())
    return true;
  Builder builder(module.getContext());
  SmallVector<Attribute> texts;
  for (const std::string &text : globs) {
    llvm::Expected<llvm::GlobPattern> pattern = llvm::GlobPattern::create(text);
    if (!pattern) {
      error = "training.no_weight_decay: '" + text +
              "' is not a glob: " + llvm::toString(pattern.takeError());
      return false;
    }
    texts.push_back(builder.getStringAttr(text));
  }
  module->setAttr(kNoWeightDecayAttrName, builder.getArrayAttr(texts));
  return true;
}

bool checkNoWeightDecay(ModuleOp module, const config::TrainingConfig &training,
                        std::string &error) {
  for (const std::string &text : training.noWeightDecay) {
    llvm::GlobPattern pattern = cantFail(llvm::GlobPattern::create(text));
    bool matched = false;
    for (auto param : module.getOps<ParamOp>())
      matched |= param->hasAttr(kNoWeightDecayAttrName) &&
                 pattern.match(param.getSource() ? *param.getSource()
                                                 : param.getSymName());
    if (!matched) {
      error = "training.no_weight_decay: '" + text +
              "' matches no trainable parameter";
      return false;
    }
  }
  return true;
}

OwningOpRef<ModuleOp> assembleModules(MLIRContext &context,
                                      const config::ModelConfig &model,
                                      const import::ImportOptions &options,
                                      std::string &error) {
  static const std::vector<std::string> kNoGlobs;
  static const config::PaddingIdxConfig kNoPadding;
  std::vector<ModuleSource> sources;
  for (size_t i = 0; i < model.encoders.size(); ++i) {
    const config::EncoderConfig &encoder = model.encoders[i];
    std::string field = "encoders[" + std::to_string(i) + "]";
    sources.push_back({encoder.name, encoder.onnx, encoder.weights,
                       &encoder.inputShapes, encoder.frozen, &encoder.freeze,
                       &encoder.paddingIdx, field, static_cast<int>(i)});
    // A projector given as a graph is a module of its own.
    const config::ProjectorConfig &projector = encoder.projector;
    if (projector.kind == config::ProjectorConfig::Kind::onnx)
      sources.push_back({encoder.name + "_projector", projector.onnx,
                         projector.weights, &projector.inputShapes,
                         projector.frozen, &kNoGlobs, &kNoPadding,
                         field + ".projector",
                         static_cast<int>(i), /*isProjector=*/true});
  }
  sources.push_back({kLlmModuleName, model.llmOnnx, model.llmWeights,
                     &model.inputShapes,
                     model.llmFrozen, &model.llmFreeze, &model.llmPaddingIdx,
                     "llm"});

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
    renameParams(*imported, source);
    if (!freezeParams(*imported, source.frozen, *source.freeze, source.field,
                      source.onnx, error) ||
        !markPaddingRow(*imported, *source.paddingIdx, source.onnx, error)) {
      error = model.path + ": " + error;
      return nullptr;
    }
    warnFoldedWeights(*imported, source.onnx, llvm::errs());
    auto forward = imported->lookupSymbol<func::FuncOp>("forward");
    forward.setSymName(source.name);
    StringAttr moduleName = builder.getStringAttr(source.name);
    forward.walk([&](Operation *op) {
      if (op != forward)
        op->setAttr(kModuleAttrName, moduleName);
    });
    if (auto file = (*imported)->getAttrOfType<StringAttr>("starch.weights"))
      weights.push_back(builder.getNamedAttr(source.name, file));

    if (source.encoder >= 0 && !source.isProjector) {
      const config::EncoderConfig &encoder = model.encoders[source.encoder];
      unsigned output = 0;
      if (!findOutput(forward, encoder, source.field, output, error)) {
        error = model.path + ": " + error;
        return nullptr;
      }
      // A linear or mlp projector's parameters are made by starch-compose
      // and read from its weights file.
      if (encoder.projector.kind != config::ProjectorConfig::Kind::onnx)
        weights.push_back(builder.getNamedAttr(
            encoder.name + "_projector",
            builder.getStringAttr(encoder.projector.weights)));
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
              "projector", builder.getStringAttr(projectorKindName(
                               encoder.projector.kind))),
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
    // A graph's parameters are its own, checked by the importer.
    if (encoder.projector.kind == config::ProjectorConfig::Kind::onnx)
      continue;
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
      std::optional<rt::DType> dtype = interp::dtypeOf(type.getElementType());
      std::string expected =
          (dtype ? typeText(*dtype, shape) : "tensor of shape [" +
                                                 rt::shapeString(shape) + "]") +
          " (the LLM's hidden size " + std::to_string(shape[0]) +
          (shape.size() != 2 ? std::string()
           : llvm::StringRef(name).contains("linear_1")
               ? " by encoder '" + encoder.name + "''s feature width " +
                     std::to_string(shape[1])
               : " by the LLM's hidden size") +
          ")";
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
      if (tensor.shape() != shape || !dtype || tensor.dtype() != *dtype) {
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
