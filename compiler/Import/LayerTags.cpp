//===- LayerTags.cpp - Transformer layer of each imported op --------------===//
#include "compiler/Import/LayerTags.h"
#include "starch/Dialect/StarchDialect.h"
#include "starch/Dialect/StarchOps.h"

#include "llvm/Support/Regex.h"

using namespace mlir;

namespace starch::import {
namespace {

constexpr llvm::StringLiteral kNameScopesKey = "pkg.torch.onnx.name_scopes";

/// NodeProto.metadata_props (field 9) is newer than Debian's libonnx, so it
/// arrives as unknown fields; each is a serialized StringStringEntryProto.
std::vector<std::pair<std::string, std::string>>
nodeMetadata(const onnx::NodeProto &node) {
  constexpr int kMetadataPropsField = 9;
  std::vector<std::pair<std::string, std::string>> entries;
  const auto &unknown = node.unknown_fields();
  for (int i = 0; i < unknown.field_count(); ++i) {
    const auto &field = unknown.field(i);
    if (field.number() != kMetadataPropsField ||
        field.type() != google::protobuf::UnknownField::TYPE_LENGTH_DELIMITED)
      continue;
    onnx::StringStringEntryProto entry;
    if (entry.ParseFromString(field.length_delimited()))
      entries.emplace_back(entry.key(), entry.value());
  }
  return entries;
}

} // namespace

std::optional<std::string> layerOfParamPath(llvm::StringRef name) {
  static llvm::Regex layerPrefix(
      "^((.*\\.)?(layers|layer|h|blocks)\\.[0-9]+)\\.");
  llvm::SmallVector<llvm::StringRef> groups;
  if (!layerPrefix.match(name, &groups))
    return std::nullopt;
  return groups[1].str();
}

NodeScope scopeOfNode(const onnx::NodeProto &node) {
  static llvm::Regex layerPath("^(.*\\.)?(layers|layer|h|blocks)\\.[0-9]+$");
  static llvm::Regex layerComponent("^(layers|layer|h|blocks)\\.[0-9]+$");
  NodeScope scope;
  // The dynamo exporter: a Python list literal of scope names, outermost
  // first; the innermost one that names a layer wins.
  for (const auto &[key, value] : nodeMetadata(node)) {
    if (key != kNameScopesKey)
      continue;
    scope.scoped = true;
    llvm::SmallVector<llvm::StringRef> parts;
    llvm::StringRef(value).split(parts, ',');
    for (llvm::StringRef part : parts) {
      llvm::StringRef name = part.trim(" []'\"");
      if (layerPath.match(name))
        scope.layer = name.str();
    }
    if (scope.layer)
      return scope;
  }
  // The TorchScript exporter: "/model/model/layers.3/mlp/Mul".
  if (node.name().find('/') == std::string::npos)
    return scope;
  scope.scoped = true;
  llvm::SmallVector<llvm::StringRef> components;
  llvm::StringRef(node.name()).split(components, '/', -1, false);
  std::string prefix;
  for (llvm::StringRef component : components) {
    prefix += (prefix.empty() ? "" : ".") + component.str();
    if (layerComponent.match(component)) {
      scope.layer = prefix;
      break;
    }
  }
  return scope;
}

void renameLayersByParams(ModuleOp module) {
  llvm::StringMap<std::string> sources;
  // A parameter's framework name: its source, or its symbol when equal.
  for (auto param : module.getOps<ParamOp>())
    sources[param.getSymName()] = param.getSource()
                                      ? param.getSource()->str()
                                      : param.getSymName().str();
  // The framework layer each tag's parameters name; "" once they disagree.
  llvm::DenseMap<StringAttr, std::optional<std::string>> renamed;
  module.walk([&](ReadParamOp read) {
    auto tag = read->getAttrOfType<StringAttr>(kLayerAttrName);
    auto source = sources.find(read.getName());
    if (!tag || source == sources.end())
      return;
    // Parameters outside every layer (a shared rotary table) say nothing.
    std::optional<std::string> layer = layerOfParamPath(source->second);
    if (!layer)
      return;
    auto [it, fresh] = renamed.try_emplace(tag, *layer);
    if (!fresh && *it->second != *layer)
      it->second = "";
  });
  // Two tags may not become one.
  llvm::StringMap<int> targets;
  for (auto &[tag, layer] : renamed)
    if (layer && !layer->empty())
      ++targets[*layer];
  MLIRContext *context = module.getContext();
  module.walk([&](Operation *op) {
    auto tag = op->getAttrOfType<StringAttr>(kLayerAttrName);
    if (!tag)
      return;
    auto it = renamed.find(tag);
    if (it == renamed.end() || !it->second || it->second->empty() ||
        targets.lookup(*it->second) != 1 || tag.getValue() == *it->second)
      return;
    op->setAttr(kLayerAttrName, StringAttr::get(context, *it->second));
  });
}

void LayerTagger::tag(Operation *op, StringAttr layer) {
  order_.try_emplace(layer, static_cast<int>(order_.size()));
  op->setAttr(kLayerAttrName, layer);
}

StringAttr LayerTagger::latestLayerOfOperands(Operation *op) {
  StringAttr latest;
  for (Value operand : op->getOperands()) {
    Operation *producer = operand.getDefiningOp();
    auto layer = producer ? producer->getAttrOfType<StringAttr>(kLayerAttrName)
                          : StringAttr();
    if (layer && (!latest || order_.lookup(layer) > order_.lookup(latest)))
      latest = layer;
  }
  return latest;
}

void LayerTagger::tagNodeOps(ArrayRef<Operation *> ops,
                             const onnx::NodeProto &node,
                             const llvm::StringMap<std::string> &paramSources) {
  if (ops.empty())
    return;
  MLIRContext *context = ops.front()->getContext();
  NodeScope scope = scopeOfNode(node);
  for (Operation *op : ops) {
    if (isa<ConstantOp>(op))
      continue;
    if (scope.scoped) {
      if (scope.layer)
        tag(op, StringAttr::get(context, *scope.layer));
      continue; // a scope outside every layer
    }
    if (auto read = dyn_cast<ReadParamOp>(op)) {
      auto source = paramSources.find(read.getName());
      if (source != paramSources.end())
        if (auto layer = layerOfParamPath(source->second)) {
          tag(op, StringAttr::get(context, *layer));
          continue;
        }
    }
    if (StringAttr layer = latestLayerOfOperands(op))
      tag(op, layer);
  }
  // A read of a parameter without a path (onnx::MatMul_12) joins the layer
  // of the op that uses it.
  for (Operation *op : ops) {
    if (!isa<ReadParamOp>(op) || op->hasAttr(kLayerAttrName) || scope.scoped)
      continue;
    for (Operation *user : op->getUsers())
      if (auto layer = user->getAttrOfType<StringAttr>(kLayerAttrName)) {
        tag(op, layer);
        break;
      }
  }
}

} // namespace starch::import
