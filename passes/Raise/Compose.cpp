//===- Compose.cpp - Encoders, projectors and the LLM as one model --------===//
//
// Builds a multimodal model's @forward from one function per module (made by
// starchc from model.json, see compiler/Driver/AssembleModules.h): each
// encoder's features go through its projector and replace the LLM's input
// embeddings at that modality's placeholder tokens, then the LLM runs with
// the bitfield attention mask of the token layout. Everything is ordinary
// ops, so autodiff, the interpreter and code generation need nothing new;
// every op keeps the module it came from in `starch.module`.
//
//===----------------------------------------------------------------------===//
#include "passes/Raise/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/SymbolTable.h"

namespace starch {
#define GEN_PASS_DEF_STARCHCOMPOSE
#include "passes/Raise/Passes.h.inc"
} // namespace starch

using namespace mlir;
using namespace starch;

namespace {


/// One entry of the module's `starch.compose` attribute.
struct EncoderSpec {
  std::string name;
  std::string modality;
  int64_t output = 0;
  int64_t dropFirst = 0;
  int64_t features = -1;
  int64_t placeholder = -1;
  /// "linear", "mlp" (built here) or "onnx" (the function
  /// @<name>_projector, imported from the projector's graph).
  std::string projector = "mlp";
  bool projectorFrozen = false;
  func::FuncOp function;
  func::FuncOp projectorFunction;
  /// Set while composing: inputs per micro-batch and per sequence, and
  /// features per input.
  int64_t inputs = 0, inputsPerSequence = 0, featuresPerInput = 0;
};

struct ComposeSpec {
  std::string llm;
  bool bitfield = true;
  SmallVector<EncoderSpec> encoders;
};

/// Builds ops at one place, each tagged with the module it belongs to.
struct TaggedBuilder {
  OpBuilder &b;
  Location loc;
  StringAttr module;
  StringAttr layer;

  template <typename OpT, typename... Args> Value make(Args &&...args) {
    auto op = OpT::create(b, loc, std::forward<Args>(args)...);
    op->setAttr(kModuleAttrName, module);
    if (layer)
      op->setAttr(kLayerAttrName, layer);
    return op->getResult(0);
  }
  static RankedTensorType typeOf(Value v) {
    return cast<RankedTensorType>(v.getType());
  }
  static RankedTensorType like(Value v, ArrayRef<int64_t> shape) {
    return RankedTensorType::get(shape, typeOf(v).getElementType());
  }
  Value splatI64(ArrayRef<int64_t> shape, int64_t value) {
    auto type = RankedTensorType::get(shape, b.getI64Type());
    return make<ConstantOp>(DenseElementsAttr::get(type, value));
  }
  Value reshape(Value v, ArrayRef<int64_t> shape) {
    return make<ReshapeOp>(like(v, shape), v);
  }
  Value equals(Value v, int64_t value) {
    RankedTensorType type = typeOf(v);
    return make<CompareOp>(RankedTensorType::get(type.getShape(), b.getI1Type()),
                           CompareDirection::eq, v,
                           splatI64(type.getShape(), value));
  }
  /// `x W^T + b` with W [out, in] as torch.nn.Linear stores it; `x` is 2-d.
  Value linear(Value x, Value weight, Value bias) {
    RankedTensorType w = typeOf(weight);
    int64_t rows = typeOf(x).getDimSize(0), out = w.getDimSize(0),
            in = w.getDimSize(1);
    Value wt = make<TransposeOp>(like(weight, {in, out}), weight,
                                 b.getDenseI64ArrayAttr({1, 0}));
    Value y = make<MatmulOp>(like(x, {rows, out}), x, wt);
    Value bb = make<BroadcastOp>(like(bias, {rows, out}), bias,
                                 b.getDenseI64ArrayAttr({1}));
    return make<AddOp>(y.getType(), y, bb);
  }
};

Operation *tagModule(Operation *op, StringRef module);

struct StarchComposePass
    : public starch::impl::StarchComposeBase<StarchComposePass> {
  using StarchComposeBase::StarchComposeBase;

  LogicalResult parseSpec(ModuleOp module, ComposeSpec &spec);
  /// The token embedding of the LLM: a gather of a parameter at an i64
  /// argument of `llm`.
  GatherOp findEmbedding(func::FuncOp llm);
  /// Declares a projector parameter (module level, framework name as source).
  FailureOr<ParamOp> declareParam(ModuleOp module, SymbolTable &symbols,
                                  const EncoderSpec &encoder, StringRef source,
                                  RankedTensorType type);
  /// Projects one encoder's features: [N x T x De] -> [N*F x D].
  FailureOr<Value> project(ModuleOp module, SymbolTable &symbols,
                           TaggedBuilder &tb, EncoderSpec &encoder,
                           Value features, int64_t hidden);
  /// The projector graph @<encoder>_projector applied to `features` (N x F x
  /// De), inlined: [N*F x D].
  FailureOr<Value> projectWithGraph(EncoderSpec &encoder, TaggedBuilder &tb,
                                    Value features, int64_t hidden);
  /// Writes `features` (K x D) into `embeds` (B x S x D) at the positions
  /// where `ids` equals the placeholder, in row-major order.
  Value mergeFeatures(TaggedBuilder &tb, Value embeds, Value ids,
                      Value features, int64_t placeholder);
  /// One int64 per token: modality i's placeholders carry bit i + 1, text
  /// carries bit 0 and every modality bit.
  Value tokenBits(TaggedBuilder &tb, Value ids, const ComposeSpec &spec);

  void runOnOperation() override;
};

LogicalResult StarchComposePass::parseSpec(ModuleOp module, ComposeSpec &spec) {
  auto fail = [&](const Twine &what) {
    return module.emitError() << "starch-compose: " << what;
  };
  auto dict = module->getAttrOfType<DictionaryAttr>("starch.compose");
  if (!dict)
    return fail("the module has no starch.compose attribute (starchc makes "
                "it from a model.json with encoders)");
  auto llm = dict.getAs<StringAttr>("llm");
  auto mask = dict.getAs<StringAttr>("attention_mask");
  auto encoders = dict.getAs<ArrayAttr>("encoders");
  if (!llm || !mask || !encoders ||
      (mask.getValue() != "bitfield" && mask.getValue() != "causal"))
    return fail("starch.compose needs llm (a function name), attention_mask "
                "(\"bitfield\" or \"causal\") and encoders (a list)");
  spec.llm = llm.str();
  spec.bitfield = mask.getValue() == "bitfield";
  for (Attribute entry : encoders) {
    auto e = dyn_cast<DictionaryAttr>(entry);
    auto name = e ? e.getAs<StringAttr>("name") : nullptr;
    auto output = e ? e.getAs<IntegerAttr>("output") : nullptr;
    auto drop = e ? e.getAs<IntegerAttr>("drop_first") : nullptr;
    auto placeholder = e ? e.getAs<IntegerAttr>("placeholder") : nullptr;
    auto projector = e ? e.getAs<StringAttr>("projector") : nullptr;
    if (!name || !output || !drop || !placeholder || !projector ||
        (projector.getValue() != "mlp" && projector.getValue() != "linear" &&
         projector.getValue() != "onnx"))
      return fail("each encoder needs name, output, drop_first, placeholder "
                  "and projector (\"mlp\", \"linear\" or \"onnx\")");
    EncoderSpec spec1;
    spec1.name = name.str();
    spec1.output = output.getInt();
    spec1.dropFirst = drop.getInt();
    spec1.placeholder = placeholder.getInt();
    spec1.projector = projector.str();
    if (auto features = e.getAs<IntegerAttr>("features"))
      spec1.features = features.getInt();
    if (auto modality = e.getAs<StringAttr>("modality"))
      spec1.modality = modality.str();
    if (auto frozen = e.getAs<BoolAttr>("projector_frozen"))
      spec1.projectorFrozen = frozen.getValue();
    spec.encoders.push_back(spec1);
  }
  if (spec.encoders.size() > 61)
    return fail("at most 61 encoders (one attention-mask bit each)");
  return success();
}

GatherOp StarchComposePass::findEmbedding(func::FuncOp llm) {
  GatherOp found;
  llm.walk([&](GatherOp gather) {
    auto ids = dyn_cast<BlockArgument>(gather.getIndices());
    if (!found && gather.getAxis() == 0 && ids &&
        ids.getOwner()->getParentOp() == llm &&
        gather.getData().getDefiningOp<ReadParamOp>() &&
        gather.getType().getRank() == 3)
      found = gather;
  });
  return found;
}

FailureOr<ParamOp> StarchComposePass::declareParam(ModuleOp module,
                                                   SymbolTable &symbols,
                                                   const EncoderSpec &encoder,
                                                   StringRef source,
                                                   RankedTensorType type) {
  std::string projector = encoder.name + "_projector";
  std::string name = projector + "." + source.str();
  if (symbols.lookup(name)) {
    module.emitError() << "starch-compose: cannot declare @" << name
                       << ": the name is taken";
    return failure();
  }
  OpBuilder builder(module.getContext());
  builder.setInsertionPointToStart(module.getBody());
  // After the last parameter, so parameters stay together in module order.
  for (auto param : module.getOps<ParamOp>())
    builder.setInsertionPointAfter(param);
  auto param = ParamOp::create(builder, module.getLoc(), name, type,
                               builder.getStringAttr(source),
                               encoder.projectorFrozen, /*buffer=*/false,
                               /*state=*/false);
  param->setAttr(kModuleAttrName, builder.getStringAttr(projector));
  symbols.insert(param);
  return param;
}

FailureOr<Value> StarchComposePass::project(ModuleOp module,
                                            SymbolTable &symbols,
                                            TaggedBuilder &tb,
                                            EncoderSpec &encoder,
                                            Value features, int64_t hidden) {
  auto type = dyn_cast<RankedTensorType>(features.getType());
  auto fail = [&]() -> FailureOr<Value> {
    return encoder.function.emitError()
           << "starch-compose: encoder '" << encoder.name << "' output #"
           << encoder.output << " is " << features.getType()
           << "; features are float N x T x D with T > drop_first ("
           << encoder.dropFirst << ")";
  };
  if (!type || type.getRank() != 3 || !isa<FloatType>(type.getElementType()) ||
      type.getDimSize(1) <= encoder.dropFirst)
    return fail();
  int64_t n = type.getDimSize(0), t = type.getDimSize(1),
          width = type.getDimSize(2), f = t - encoder.dropFirst;
  if (encoder.features >= 0 && encoder.features != f)
    return encoder.function.emitError()
           << "starch-compose: encoder '" << encoder.name << "' gives " << f
           << " feature vectors per input (" << t << " - drop_first "
           << encoder.dropFirst << ") but model.json says features = "
           << encoder.features;
  encoder.inputs = n;
  encoder.featuresPerInput = f;
  Value x = features;
  if (encoder.dropFirst)
    x = tb.make<SliceOp>(
        tb.like(x, {n, f, width}), x, tb.b.getDenseI64ArrayAttr({0, encoder.dropFirst, 0}),
        tb.b.getDenseI64ArrayAttr({n, t, width}),
        tb.b.getDenseI64ArrayAttr({1, 1, 1}));
  if (encoder.projector == "onnx")
    return projectWithGraph(encoder, tb, x, hidden);
  x = tb.reshape(x, {n * f, width});
  Type element = type.getElementType();
  auto layerParams = [&](StringRef layer, int64_t in)
      -> FailureOr<std::pair<Value, Value>> {
    std::string prefix = ("multi_modal_projector." + layer + ".").str();
    FailureOr<ParamOp> w = declareParam(
        module, symbols, encoder, prefix + "weight",
        RankedTensorType::get({hidden, in}, element));
    FailureOr<ParamOp> b = declareParam(module, symbols, encoder,
                                        prefix + "bias",
                                        RankedTensorType::get({hidden}, element));
    if (failed(w) || failed(b))
      return failure();
    Value wv = tb.make<ReadParamOp>(w->getType(), w->getSymName());
    Value bv = tb.make<ReadParamOp>(b->getType(), b->getSymName());
    return std::make_pair(wv, bv);
  };
  auto first = layerParams("linear_1", width);
  if (failed(first))
    return failure();
  x = tb.linear(x, first->first, first->second);
  if (encoder.projector == "mlp") {
    x = tb.make<GeluOp>(x.getType(), x, GeluApproximation::none);
    auto second = layerParams("linear_2", hidden);
    if (failed(second))
      return failure();
    x = tb.linear(x, second->first, second->second);
  }
  return x;
}

FailureOr<Value> StarchComposePass::projectWithGraph(EncoderSpec &encoder,
                                                    TaggedBuilder &tb,
                                                    Value features,
                                                    int64_t hidden) {
  func::FuncOp graph = encoder.projectorFunction;
  ArrayRef<int64_t> shape = TaggedBuilder::typeOf(features).getShape();
  int64_t rows = shape[0] * shape[1], width = shape[2];
  auto input = dyn_cast<RankedTensorType>(graph.getArgumentTypes()[0]);
  auto output = dyn_cast<RankedTensorType>(graph.getResultTypes()[0]);
  // Per feature vector: N x F x De or N*F x De in, the same with D out.
  bool fits = input && output && input.hasStaticShape() &&
              output.hasStaticShape() && input.getRank() >= 2 &&
              input.getRank() <= 3 && output.getRank() == input.getRank() &&
              input.getNumElements() == rows * width &&
              input.getShape().back() == width &&
              input.getElementType() ==
                  TaggedBuilder::typeOf(features).getElementType() &&
              output.getNumElements() == rows * hidden &&
              output.getShape().back() == hidden &&
              output.getShape().drop_back() == input.getShape().drop_back();
  if (!fits)
    return graph.emitError()
           << "starch-compose: projector graph of encoder '" << encoder.name
           << "' maps " << graph.getArgumentTypes()[0] << " to "
           << graph.getResultTypes()[0] << "; it must take the " << rows
           << " feature vectors of width " << width << " (N x F x " << width
           << " or " << rows << " x " << width << ", "
           << TaggedBuilder::typeOf(features).getElementType()
           << ") and give the LLM's hidden size " << hidden
           << " for each (set projector.input_shapes for symbolic sizes)";
  Value x = TaggedBuilder::typeOf(features).getShape() == input.getShape()
                ? features
                : tb.reshape(features, input.getShape());
  IRMapping mapping;
  mapping.map(graph.getArgument(0), x);
  StringRef module = tb.module.getValue();
  for (Operation &op : graph.getBody().front()) {
    if (auto ret = dyn_cast<func::ReturnOp>(op))
      return tb.reshape(mapping.lookup(ret.getOperand(0)), {rows, hidden});
    Operation *copy = tagModule(tb.b.clone(op, mapping), module);
    if (tb.layer && !copy->hasAttr(kLayerAttrName))
      copy->setAttr(kLayerAttrName, tb.layer);
  }
  return failure();
}

Value StarchComposePass::mergeFeatures(TaggedBuilder &tb, Value embeds,
                                       Value ids, Value features,
                                       int64_t placeholder) {
  ArrayRef<int64_t> tokens = TaggedBuilder::typeOf(ids).getShape();
  int64_t count = tokens[0] * tokens[1];
  Type i64 = tb.b.getI64Type();
  Value isPlaceholder = tb.equals(ids, placeholder);
  // Row index of each position's feature: the number of placeholders up to
  // and including it, minus one (a prefix sum over the flattened tokens).
  Value flags = tb.make<ConvertOp>(RankedTensorType::get(tokens, i64),
                                   isPlaceholder);
  Value flat = tb.reshape(flags, {count});
  Value prefix = tb.make<CumSumOp>(flat.getType(), flat,
                                   tb.b.getI64IntegerAttr(0),
                                   /*exclusive=*/tb.b.getUnitAttr(),
                                   /*reverse=*/UnitAttr());
  Value rows = tb.reshape(prefix, tokens);
  // Text positions read row 0 (always present) and are discarded below.
  Value index = tb.make<SelectOp>(rows.getType(), isPlaceholder, rows,
                                  tb.splatI64(tokens, 0));
  RankedTensorType embedsType = TaggedBuilder::typeOf(embeds);
  Value gathered = tb.make<GatherOp>(embedsType, features, index,
                                     tb.b.getI64IntegerAttr(0));
  Value where = tb.make<BroadcastOp>(
      RankedTensorType::get(embedsType.getShape(), tb.b.getI1Type()),
      isPlaceholder, tb.b.getDenseI64ArrayAttr({0, 1}));
  return tb.make<SelectOp>(embedsType, where, gathered, embeds);
}

Value StarchComposePass::tokenBits(TaggedBuilder &tb, Value ids,
                                   const ComposeSpec &spec) {
  ArrayRef<int64_t> tokens = TaggedBuilder::typeOf(ids).getShape();
  int64_t text = 1;
  for (size_t i = 0; i < spec.encoders.size(); ++i)
    text |= int64_t(1) << (i + 1);
  Value bits = tb.splatI64(tokens, text);
  for (size_t i = 0; i < spec.encoders.size(); ++i)
    bits = tb.make<SelectOp>(bits.getType(),
                             tb.equals(ids, spec.encoders[i].placeholder),
                             tb.splatI64(tokens, int64_t(1) << (i + 1)), bits);
  return bits;
}

/// Ops that passes before composition made (starch-raise's fused ops) carry
/// no module yet: they belong to the function they are cloned from.
Operation *tagModule(Operation *op, StringRef module) {
  if (!op->hasAttr(kModuleAttrName))
    op->setAttr(kModuleAttrName, StringAttr::get(op->getContext(), module));
  return op;
}

/// The attention's mask becomes the token layout's bitfield.
void useBitfieldMask(AttentionOp attention, Value bits) {
  attention.setMask(AttentionMaskKind::bitfield);
  attention.getBitsMutable().assign(bits);
}

void StarchComposePass::runOnOperation() {
  ModuleOp module = getOperation();
  ComposeSpec spec;
  if (failed(parseSpec(module, spec)))
    return signalPassFailure();
  SymbolTable symbols(module);
  auto fail = [&](Operation *at, const Twine &what) {
    at->emitError() << "starch-compose: " << what;
    signalPassFailure();
  };
  if (symbols.lookup("forward"))
    return fail(module, "@forward exists already");
  auto llm = symbols.lookup<func::FuncOp>(spec.llm);
  if (!llm || llm.isExternal())
    return fail(module, "no function @" + spec.llm + " (the LLM)");
  for (EncoderSpec &encoder : spec.encoders) {
    encoder.function = symbols.lookup<func::FuncOp>(encoder.name);
    if (!encoder.function || encoder.function.isExternal())
      return fail(module, "no function @" + encoder.name + " (an encoder)");
    if (encoder.function.getNumArguments() != 1)
      return fail(encoder.function,
                  "encoder '" + encoder.name + "' takes " +
                      Twine(encoder.function.getNumArguments()) +
                      " inputs; an encoder takes exactly one (its pixel "
                      "values or audio features)");
    if (encoder.output < 0 ||
        encoder.output >= int64_t(encoder.function.getNumResults()))
      return fail(encoder.function,
                  "encoder '" + encoder.name + "' has no output #" +
                      Twine(encoder.output));
    if (encoder.projector == "onnx") {
      std::string name = encoder.name + "_projector";
      encoder.projectorFunction = symbols.lookup<func::FuncOp>(name);
      if (!encoder.projectorFunction || encoder.projectorFunction.isExternal())
        return fail(module, "no function @" + name + " (the projector graph "
                            "of encoder '" + encoder.name + "')");
      if (encoder.projectorFunction.getNumArguments() != 1 ||
          encoder.projectorFunction.getNumResults() < 1)
        return fail(encoder.projectorFunction,
                    "the projector graph of encoder '" + encoder.name +
                        "' must take one input (the features) and give the "
                        "projected features first");
    }
  }
  GatherOp embedding = findEmbedding(llm);
  if (!embedding)
    return fail(llm, "cannot find the token embedding of @" + spec.llm +
                         " (a starch.gather of a parameter at the token ids)");
  auto idsArg = cast<BlockArgument>(embedding.getIndices());
  if (!cast<RankedTensorType>(idsArg.getType()).getElementType().isInteger(64) ||
      cast<RankedTensorType>(idsArg.getType()).getRank() != 2)
    return fail(llm, "the token ids of @" + spec.llm + " are " +
                         Twine("not i64 B x S"));
  int64_t hidden = embedding.getType().getDimSize(2);

  // The signature: the LLM's arguments (token ids first), then each
  // encoder's, named <encoder>.<input>.
  MLIRContext *context = &getContext();
  OpBuilder builder(context);
  SmallVector<Type> argTypes;
  SmallVector<DictionaryAttr> argAttrs;
  auto addArg = [&](BlockArgument arg, StringRef prefix) {
    argTypes.push_back(arg.getType());
    auto owner = cast<func::FuncOp>(arg.getOwner()->getParentOp());
    auto name = owner.getArgAttrOfType<StringAttr>(arg.getArgNumber(),
                                                   kNameAttrName);
    std::string text = name ? name.str() : "arg" + std::to_string(arg.getArgNumber());
    if (!prefix.empty())
      text = prefix.str() + "." + text;
    argAttrs.push_back(builder.getDictionaryAttr(
        builder.getNamedAttr(kNameAttrName, builder.getStringAttr(text))));
  };
  SmallVector<BlockArgument> llmArgs{idsArg};
  for (BlockArgument arg : llm.getArguments())
    if (arg != idsArg)
      llmArgs.push_back(arg);
  for (BlockArgument arg : llmArgs)
    addArg(arg, "");
  for (EncoderSpec &encoder : spec.encoders)
    for (BlockArgument arg : encoder.function.getArguments())
      addArg(arg, encoder.name);

  builder.setInsertionPoint(llm);
  auto forward = func::FuncOp::create(
      builder, llm.getLoc(), "forward",
      FunctionType::get(context, argTypes, llm.getResultTypes()));
  forward.setAllArgAttrs(argAttrs);
  for (unsigned i = 0; i < llm.getNumResults(); ++i)
    forward.setResultAttrs(i, llm.getResultAttrDict(i));
  Block *body = forward.addEntryBlock();
  builder.setInsertionPointToStart(body);

  IRMapping mapping;
  unsigned next = 0;
  for (BlockArgument arg : llmArgs)
    mapping.map(arg, body->getArgument(next++));
  // Encoders, then their projectors.
  SmallVector<Value> projected;
  for (EncoderSpec &encoder : spec.encoders) {
    IRMapping encoderMapping;
    for (BlockArgument arg : encoder.function.getArguments())
      encoderMapping.map(arg, body->getArgument(next++));
    Value output;
    for (Operation &op : encoder.function.getBody().front()) {
      if (auto ret = dyn_cast<func::ReturnOp>(op)) {
        output = encoderMapping.lookup(ret.getOperand(encoder.output));
        break;
      }
      tagModule(builder.clone(op, encoderMapping), encoder.name);
    }
    TaggedBuilder tb{builder, encoder.function.getLoc(),
                     builder.getStringAttr(encoder.name + "_projector"),
                     builder.getStringAttr(encoder.name + "_projector")};
    FailureOr<Value> features =
        project(module, symbols, tb, encoder, output, hidden);
    if (failed(features))
      return signalPassFailure();
    projected.push_back(*features);
  }

  // Every sequence holds the same number of each encoder's inputs, every
  // placeholder is a token of the vocabulary, and the placeholders of one
  // sequence leave room for text.
  {
    auto idsType = cast<RankedTensorType>(idsArg.getType());
    int64_t batch = idsType.getDimSize(0), length = idsType.getDimSize(1);
    int64_t vocab = cast<RankedTensorType>(embedding.getData().getType())
                        .getDimSize(0);
    int64_t placeholders = 0;
    for (EncoderSpec &encoder : spec.encoders) {
      if (batch == 0 || encoder.inputs % batch != 0)
        return fail(encoder.function,
                    "encoder '" + encoder.name + "' takes " +
                        Twine(encoder.inputs) +
                        " inputs per micro-batch, not a multiple of the LLM's "
                        "batch of " + Twine(batch) +
                        " sequences (each sequence holds the same number)");
      encoder.inputsPerSequence = encoder.inputs / batch;
      if (encoder.placeholder >= vocab)
        return fail(encoder.function,
                    "encoder '" + encoder.name + "''s placeholder token " +
                        Twine(encoder.placeholder) +
                        " is outside the LLM's vocabulary of " + Twine(vocab));
      placeholders += encoder.inputsPerSequence * encoder.featuresPerInput;
    }
    if (placeholders >= length)
      return fail(llm, "each sequence of " + Twine(length) +
                           " tokens would hold " + Twine(placeholders) +
                           " placeholder tokens (encoder inputs per sequence "
                           "x features), leaving no text");
  }

  // The LLM, with its input embeddings merged and its attention masked by
  // the token layout.
  TaggedBuilder tb{builder, embedding.getLoc(), builder.getStringAttr(spec.llm),
                   nullptr};
  Value ids = mapping.lookup(idsArg);
  Value bits = spec.bitfield && !spec.encoders.empty()
                   ? tokenBits(tb, ids, spec)
                   : Value();
  func::ReturnOp llmReturn;
  for (Operation &op : llm.getBody().front()) {
    if (auto ret = dyn_cast<func::ReturnOp>(op)) {
      llmReturn = ret;
      break;
    }
    Operation *copy = tagModule(builder.clone(op, mapping), spec.llm);
    if (&op == embedding.getOperation()) {
      Value embeds = copy->getResult(0);
      for (size_t i = 0; i < spec.encoders.size(); ++i)
        embeds = mergeFeatures(tb, embeds, ids, projected[i],
                               spec.encoders[i].placeholder);
      mapping.map(embedding.getResult(), embeds);
    }
    if (auto attention = dyn_cast<AttentionOp>(copy); attention && bits) {
      if (attention.getMask() != AttentionMaskKind::causal) {
        attention.emitError()
            << "starch-compose: the bitfield mask replaces the LLM's causal "
               "attention, but this attention's mask is "
            << stringifyAttentionMaskKind(attention.getMask());
        return signalPassFailure();
      }
      if (attention.getWindowAttr()) {
        attention.emitError()
            << "starch-compose: the bitfield mask replaces the LLM's causal "
               "attention, but this attention has a sliding window of "
            << attention.getWindowAttr().getInt()
            << " keys, which the bitfield mask does not have";
        return signalPassFailure();
      }
      useBitfieldMask(attention, bits);
    }
  }
  SmallVector<Value> results;
  for (Value value : llmReturn.getOperands())
    results.push_back(mapping.lookup(value));
  func::ReturnOp::create(builder, llmReturn.getLoc(), results);

  // Label positions holding a placeholder are not scored (starch-lm-loss).
  SmallVector<int64_t> placeholders;
  for (const EncoderSpec &encoder : spec.encoders)
    placeholders.push_back(encoder.placeholder);
  forward->setAttr("starch.unscored_tokens",
                   builder.getDenseI64ArrayAttr(placeholders));

  // How each encoder's inputs sit in the sequences, for the data loader.
  SmallVector<Attribute> modalities;
  for (const EncoderSpec &encoder : spec.encoders) {
    auto arg = forward.getArgAttrOfType<StringAttr>(
        &encoder - spec.encoders.begin() + llmArgs.size(), kNameAttrName);
    modalities.push_back(builder.getDictionaryAttr({
        builder.getNamedAttr("encoder", builder.getStringAttr(encoder.name)),
        builder.getNamedAttr("modality",
                             builder.getStringAttr(encoder.modality)),
        builder.getNamedAttr("input", arg),
        builder.getNamedAttr("placeholder",
                             builder.getI64IntegerAttr(encoder.placeholder)),
        builder.getNamedAttr(
            "inputs_per_sequence",
            builder.getI64IntegerAttr(encoder.inputsPerSequence)),
        builder.getNamedAttr(
            "tokens_per_input",
            builder.getI64IntegerAttr(encoder.featuresPerInput)),
    }));
  }
  module->setAttr("starch.modalities", builder.getArrayAttr(modalities));

  llm.erase();
  for (EncoderSpec &encoder : spec.encoders) {
    encoder.function.erase();
    if (encoder.projectorFunction)
      encoder.projectorFunction.erase();
  }
  module->removeAttr("starch.compose");
}

} // namespace
