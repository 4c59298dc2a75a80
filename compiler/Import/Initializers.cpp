//===- Initializers.cpp - Which ONNX initializers are parameters ---------===//
//
// GraphImporter's initializer handling: an initializer a contraction,
// convolution, embedding or norm uses as a weight (whatever an exporter
// named it), or one named by a module path, becomes a `starch.param`; a
// vector an exporter folded out of a weight (Gemma's `1 + w`) trains too;
// matched against the framework's own weights file, parameters take the
// framework's names. Everything else stays a constant, so that it folds.
//
//===----------------------------------------------------------------------===//
#include "compiler/Import/FrameworkNames.h"
#include "compiler/Import/GraphImporter.h"
#include "compiler/Import/TiedWeights.h"
#include "runtime/io/OnnxTensor.h"
#include "starch/Dialect/StarchOps.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringRef.h"

#include <cctype>

using namespace mlir;

namespace starch::import {

namespace {

bool isFloatType(int onnxDataType) {
  using P = onnx::TensorProto;
  return onnxDataType == P::FLOAT || onnxDataType == P::DOUBLE ||
         onnxDataType == P::FLOAT16 || onnxDataType == P::BFLOAT16;
}

int64_t elementCount(const onnx::TensorProto &proto) {
  int64_t count = 1;
  for (int64_t size : proto.dims())
    count *= size;
  return count;
}

/// Valid, readable MLIR symbol text for an initializer name.
std::string symbolFor(const std::string &name) {
  std::string symbol;
  for (char c : name)
    symbol += (std::isalnum(static_cast<unsigned char>(c)) || c == '_' ||
               c == '.' || c == '$')
                  ? c
                  : '_';
  if (symbol.empty() || std::isdigit(static_cast<unsigned char>(symbol[0])))
    symbol = "p_" + symbol;
  return symbol;
}

/// Data a framework keeps as a buffer, not a parameter, by its name:
/// rotary tables, masks, position ids.
bool isRecognisedBuffer(const std::string &name) {
  static const char *const kBufferNames[] = {
      "inv_freq", "rotary", "cos_cached", "sin_cached", "position_ids",
      "mask",     "embed_scale"};
  std::string lower = llvm::StringRef(name).lower();
  return llvm::any_of(kBufferNames, [&](const char *part) {
    return lower.find(part) != std::string::npos;
  });
}

} // namespace

void GraphImporter::classifyInitializers() {
  // Weights of contractions, convolutions, embeddings and norms are model
  // data even when an exporter names them "onnx::MatMul_12" or "val_110";
  // everything else with a module path name is too. Scalars, masks, rotary
  // tables and shape constants stay constants so that they fold.
  static const std::map<std::string, std::vector<int>> weightOperands = {
      {"MatMul", {0, 1}},
      {"Gemm", {1, 2}},
      {"Conv", {1, 2}},
      {"Gather", {0}},
      {"LayerNormalization", {1, 2}},
      // A table an encoder resizes to its input's grid (DINOv2's position
      // embeddings, interpolated at another resolution).
      {"Resize", {0}}};
  for (const auto &node : model_.graph().node()) {
    auto it = weightOperands.find(node.op_type());
    if (it == weightOperands.end())
      continue;
    for (int index : it->second)
      if (index < node.input_size() && initializers_.count(node.input(index)))
        paramInitializers_.insert(node.input(index));
  }
  for (auto &[name, proto] : initializers_) {
    bool modulePath =
        name.find('.') != std::string::npos && name.rfind("onnx::", 0) != 0;
    if (modulePath && !isRecognisedBuffer(name))
      paramInitializers_.insert(name);
  }
  // A vector scaling activations channel-wise is a weight even when an
  // exporter made it: both exporters fold Gemma's `1 + weight` into a new
  // initializer ("add_4", "onnx::Mul_618"), which must not silently freeze.
  for (const auto &node : model_.graph().node()) {
    if (node.op_type() != "Mul")
      continue;
    for (const std::string &input : node.input()) {
      auto it = initializers_.find(input);
      if (it == initializers_.end() || paramInitializers_.count(input) ||
          isRecognisedBuffer(input) || it->second->dims_size() != 1 ||
          !isFloatType(it->second->data_type()) ||
          elementCount(*it->second) <= 1)
        continue;
      paramInitializers_.insert(input);
      foldedInitializers_.insert(input);
    }
  }
  for (auto it = paramInitializers_.begin(); it != paramInitializers_.end();) {
    const onnx::TensorProto *proto = initializers_[*it];
    if (!isFloatType(proto->data_type()) || elementCount(*proto) <= 1)
      it = paramInitializers_.erase(it);
    else
      ++it;
  }
  if (!options_.frameworkWeights.empty()) {
    std::string error;
    if (!matchFrameworkWeights(
            initializers_, paramInitializers_, foldedInitializers_, baseDir_,
            options_.frameworkWeights, frameworkMatches_, error)) {
      error_ = error;
      return;
    }
    for (const std::string &name : paramInitializers_)
      if (!frameworkMatches_.count(name) && !foldedInitializers_.count(name)) {
        error_ = fail("initializer '" + name +
                      "' is a weight by its use but equals no tensor of '" +
                      options_.frameworkWeights +
                      "' (as is, reshaped or transposed); is that file the "
                      "framework's weights of this export?");
        return;
      }
    // Folded values that are no framework tensor (nor one plus one) keep
    // the exporter's name.
    std::set<std::string> folded;
    for (const std::string &name : foldedInitializers_)
      if (!frameworkMatches_.count(name))
        folded.insert(name);
    foldedInitializers_ = folded;
    paramInitializers_ = folded;
    for (const auto &[name, match] : frameworkMatches_)
      paramInitializers_.insert(name);
    return;
  }
  transposedCopies_ =
      findTransposedCopies(initializers_, paramInitializers_, baseDir_);
  for (const auto &[copy, original] : transposedCopies_)
    paramInitializers_.erase(copy);
}

void GraphImporter::findSuspectConstants() {
  // Float constants an Add or a Concat meets with a computed value (a
  // position table, or its class-token row beside the interpolated rest).
  std::set<std::string> added;
  for (const auto &node : model_.graph().node()) {
    if (node.op_type() != "Add" && node.op_type() != "Concat")
      continue;
    bool computed = false;
    for (const std::string &input : node.input())
      computed |= !input.empty() && !initializers_.count(input);
    for (const std::string &input : node.input())
      if (computed && initializers_.count(input))
        added.insert(input);
  }
  for (const auto &[name, proto] : initializers_) {
    if (paramInitializers_.count(name) || frameworkMatches_.count(name) ||
        transposedCopies_.count(name) || isRecognisedBuffer(name) ||
        !isFloatType(proto->data_type()) || proto->dims_size() < 2 ||
        absentData_.count(name))
      continue;
    bool batched = proto->dims(0) > 1;
    if (!batched && !added.count(name))
      continue;
    rt::Tensor data;
    std::string ignored;
    if (!rt::decodeOnnxTensor(*proto, baseDir_, data, ignored) ||
        data.numElements() == 0)
      continue;
    int64_t slice = data.numElements() / data.shape()[0];
    bool repeated = batched, varied = false, maskLike = true;
    for (int64_t i = 0; i < data.numElements(); ++i) {
      double value = rt::elementAsDouble(data, i);
      repeated &= value == rt::elementAsDouble(data, i % slice);
      varied |= value != rt::elementAsDouble(data, 0);
      // An additive mask holds 0 and large negative numbers only.
      maskLike &= value == 0.0 || value <= -1.0e4;
    }
    if (!varied || maskLike)
      continue;
    if (repeated)
      suspectConstants_[name] =
          "repeats one slice along dimension 0: a parameter expanded over a "
          "static batch, such as a class token";
    else if (added.count(name))
      suspectConstants_[name] = "is added to or concatenated with activations: "
                                "a table such as (interpolated) position "
                                "embeddings";
  }
}

bool GraphImporter::declareParams(std::string &error) {
  OpBuilder builder(&context_);
  builder.setInsertionPointToEnd(module_->getBody());
  if (!frameworkMatches_.empty()) {
    // One parameter per framework tensor, however many initializers hold it.
    std::map<std::string, std::string> symbols;
    for (const auto &[initializer, match] : frameworkMatches_) {
      auto [it, fresh] = symbols.emplace(match.name, symbolFor(match.name));
      const onnx::TensorProto &proto = *initializers_[initializer];
      paramSymbols_[initializer] = it->second;
      paramTypes_[initializer] = RankedTensorType::get(
          llvm::SmallVector<int64_t>(proto.dims().begin(), proto.dims().end()),
          elementTypeFromOnnx(proto.data_type(), &context_));
      if (!fresh)
        continue;
      paramSources_[it->second] = match.name;
      auto type = RankedTensorType::get(
          llvm::SmallVector<int64_t>(match.shape.begin(), match.shape.end()),
          paramTypes_[initializer].getElementType());
      ParamOp::create(builder, builder.getUnknownLoc(), it->second, type,
                      it->second == match.name
                          ? StringAttr()
                          : builder.getStringAttr(match.name),
                      /*frozen=*/false, /*buffer=*/false);
    }
  }
  std::set<std::string> used;
  for (const auto &[initializer, symbol] : paramSymbols_)
    used.insert(symbol);
  for (const std::string &name : paramInitializers_) {
    if (frameworkMatches_.count(name))
      continue;
    const onnx::TensorProto &proto = *initializers_[name];
    Type elementType = elementTypeFromOnnx(proto.data_type(), &context_);
    llvm::SmallVector<int64_t> shape(proto.dims().begin(), proto.dims().end());
    std::string symbol = symbolFor(name);
    while (!used.insert(symbol).second)
      symbol += "_";
    paramSymbols_[name] = symbol;
    paramSources_[symbol] = name;
    paramTypes_[name] = RankedTensorType::get(shape, elementType);
    auto param = ParamOp::create(
        builder, builder.getUnknownLoc(), symbol, paramTypes_[name],
        symbol == name ? StringAttr() : builder.getStringAttr(name),
        /*frozen=*/false, /*buffer=*/false);
    (void)param;
  }
  return true;
}

} // namespace starch::import
