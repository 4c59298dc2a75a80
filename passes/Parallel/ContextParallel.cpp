//===- ContextParallel.cpp - Shard the LLM's tokens over ranks ------------===//
//
// Context parallelism on the loss function, before autodiff: every rank of
// a group computes the LLM's layers for its share of the tokens (dealt by
// starch.token_distribution), its attentions reading every rank's keys and
// values. One walk from the LLM's first layer on tracks which dimension of
// each value runs over the tokens ("token values", already cut to the
// rank's share and retyped in place); a value entering that computation is
// gathered at the rank's positions. Ops have per-token rules here rather
// than a ShardingOpInterface because the share is a gathered subset, not a
// contiguous block: any op that treats tokens independently keeps it.
//
//===----------------------------------------------------------------------===//
#include "passes/Parallel/Passes.h"
#include "runtime/kernels/TokenDistribution.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/DenseMap.h"

namespace starch {
#define GEN_PASS_DEF_STARCHCONTEXTPARALLEL
#include "passes/Parallel/Passes.h.inc"
} // namespace starch

using namespace mlir;
using namespace starch;

namespace {

RankedTensorType typeOf(Value v) { return cast<RankedTensorType>(v.getType()); }

/// Gives `made` the module tag of `like`, and its layer tag when `layer`.
void tagLike(Operation *made, Operation *like, bool layer) {
  if (Attribute module = like->getAttr(kModuleAttrName))
    made->setAttr(kModuleAttrName, module);
  if (Attribute tag = like->getAttr(kLayerAttrName); tag && layer)
    made->setAttr(kLayerAttrName, tag);
}

/// Where the tokens are in a value over them: dimension `dim`, whose size
/// is (outer factor) x tokens x `inner` (a reshape may merge the batch
/// before the tokens, or dimensions after them, into it).
struct TokenDim {
  int64_t dim;
  int64_t inner = 1;
  bool operator==(const TokenDim &o) const {
    return dim == o.dim && inner == o.inner;
  }
  bool operator!=(const TokenDim &o) const { return !(*this == o); }
};

/// `type` with dimension `dim` divided by `parts` (a token dimension's
/// share) or multiplied (back to the whole).
RankedTensorType scaled(RankedTensorType type, int64_t dim, int64_t parts,
                        bool divide) {
  SmallVector<int64_t> shape(type.getShape());
  shape[dim] = divide ? shape[dim] / parts : shape[dim] * parts;
  return RankedTensorType::get(shape, type.getElementType());
}

/// The rewrite of one loss function.
class TokenWalk {
public:
  TokenWalk(func::FuncOp function, int64_t cp, ArrayAttr groups,
            StringRef llmModule)
      : function(function), builder(function.getContext()), cp(cp),
        groups(groups), llmModule(llmModule) {}

  /// Shards the function's LLM; `block` and `strategy` deal the tokens.
  LogicalResult run(int64_t block, TokenStrategy strategy);

private:
  bool inLlmLayer(Operation *op) const {
    if (!op->hasAttr(kLayerAttrName))
      return false;
    auto module = op->getAttrOfType<StringAttr>(kModuleAttrName);
    return !module || module.getValue() == llmModule;
  }
  /// A float value laid out as [B|1, S, ...]: the LLM's activations and
  /// per-position tables before they enter the token computation.
  bool tokenShaped(Value v) const {
    auto type = dyn_cast<RankedTensorType>(v.getType());
    return type && type.getRank() >= 2 &&
           isa<FloatType>(type.getElementType()) &&
           (type.getDimSize(0) == batch || type.getDimSize(0) == 1) &&
           type.getDimSize(1) == tokens;
  }
  std::optional<TokenDim> tokenDimOf(Value v) const {
    auto it = tokenDims.find(v);
    return it == tokenDims.end() ? std::nullopt
                                 : std::optional<TokenDim>(it->second);
  }
  /// Whether `v` runs over exactly the rank's tokens along `dim`.
  bool plainTokens(Value v, int64_t dim) const {
    return tokenDimOf(v) == std::optional<TokenDim>(TokenDim{dim}) &&
           typeOf(v).getDimSize(dim) * cp == tokens;
  }
  /// `v` (the whole tokens) as this rank's share along `dim`, made before
  /// `user`.
  Value enter(Value v, int64_t dim, Operation *user);
  /// Marks `op`'s single result a token value at `where` and retypes it.
  void cut(Operation *op, TokenDim where) {
    Value result = op->getResult(0);
    result.setType(scaled(typeOf(result), where.dim, cp, true));
    tokenDims[result] = where;
  }
  LogicalResult fail(Operation *op, const Twine &why) {
    return op->emitOpError() << "starch-context-parallel: " << why;
  }

  LogicalResult visit(Operation *op);
  LogicalResult visitSameShape(Operation *op);
  LogicalResult visitAttention(AttentionOp op);
  LogicalResult visitLoss(CrossEntropyOp op);
  /// The operand `index` of `op` as a token value: already one, or entered
  /// along dimension 1 when it is token-shaped. Fails otherwise.
  FailureOr<TokenDim> needTokens(Operation *op, unsigned index);

  func::FuncOp function;
  OpBuilder builder;
  int64_t cp;
  ArrayAttr groups;
  StringRef llmModule;
  int64_t batch = 0, tokens = 0;
  Value bits, positions, inverse;
  llvm::DenseMap<Value, TokenDim> tokenDims;
  llvm::DenseMap<std::pair<Value, int64_t>, Value> entered;
  /// Slices that drop the last token of a token value (the logits of the
  /// shifted loss): the slice's result -> the whole share.
  llvm::DenseMap<Value, Value> shiftedLogits;
};

Value TokenWalk::enter(Value v, int64_t dim, Operation *user) {
  auto key = std::make_pair(v, dim);
  if (Value known = entered.lookup(key))
    return known;
  OpBuilder::InsertionGuard guard(builder);
  builder.setInsertionPoint(user);
  RankedTensorType local = scaled(typeOf(v), dim, cp, true);
  Value share;
  // A broadcast along the tokens is rebuilt at the share's size.
  auto broadcast = v.getDefiningOp<BroadcastOp>();
  if (broadcast && !llvm::is_contained(broadcast.getDims(), dim)) {
    share = BroadcastOp::create(builder, broadcast.getLoc(), local,
                                broadcast.getInput(), broadcast.getDimsAttr());
    share.getDefiningOp()->setAttrs(broadcast->getAttrs());
  } else {
    // Untagged by layer, as the tables and masks it cuts: a pipeline stage
    // that needs it makes its own.
    share = GatherOp::create(builder, user->getLoc(), local, v, positions, dim);
    tagLike(share.getDefiningOp(), user, /*layer=*/false);
  }
  entered[key] = share;
  return share;
}

FailureOr<TokenDim> TokenWalk::needTokens(Operation *op, unsigned index) {
  Value v = op->getOperand(index);
  if (std::optional<TokenDim> where = tokenDimOf(v))
    return *where;
  if (!tokenShaped(v))
    return failure();
  op->setOperand(index, enter(v, 1, op));
  return TokenDim{1};
}

LogicalResult TokenWalk::visitSameShape(Operation *op) {
  std::optional<TokenDim> where;
  for (Value operand : op->getOperands())
    if (std::optional<TokenDim> own = tokenDimOf(operand)) {
      if (where && *where != *own)
        return fail(op, "its operands run over the tokens along different "
                        "dimensions");
      where = own;
    }
  if (!where) {
    // Inside a layer, an op over the whole tokens starts the share.
    if (!inLlmLayer(op) || op->getNumResults() != 1 ||
        !tokenShaped(op->getResult(0)))
      return success();
    where = TokenDim{1};
  }
  for (OpOperand &operand : op->getOpOperands())
    if (!tokenDimOf(operand.get())) {
      if (where->inner != 1 || typeOf(operand.get()).getShape() !=
                                   typeOf(op->getResult(0)).getShape())
        return fail(op, "an operand without the tokens has another shape");
      operand.set(enter(operand.get(), where->dim, op));
    }
  cut(op, *where);
  return success();
}

LogicalResult TokenWalk::visitAttention(AttentionOp op) {
  if (op.getMask() != AttentionMaskKind::causal &&
      op.getMask() != AttentionMaskKind::bitfield)
    return fail(op, "context parallelism needs a causal or bitfield mask, "
                    "not " +
                        stringifyAttentionMaskKind(op.getMask()));
  if (op.getPositions())
    return fail(op, "the attention is context-parallel already");
  for (unsigned i = 0; i < 3; ++i)
    if (!plainTokens(op->getOperand(i), 2))
      return fail(op, "query, key and value must run over the tokens along "
                      "dimension 2");
  builder.setInsertionPoint(op);
  Location loc = op.getLoc();
  // Every rank's keys and values, back in token order.
  auto whole = [&](Value share) -> Value {
    RankedTensorType type = scaled(typeOf(share), 2, cp, false);
    auto gathered =
        AllGatherOp::create(builder, loc, type, share, /*dim=*/2, groups);
    auto ordered =
        GatherOp::create(builder, loc, type, gathered.getResult(), inverse, 2);
    tagLike(gathered, op, /*layer=*/true);
    tagLike(ordered, op, /*layer=*/true);
    return ordered.getResult();
  };
  Value key = whole(op.getKey()), value = whole(op.getValue());
  auto sharded = AttentionOp::create(
      builder, loc, op.getQuery().getType(), op.getQuery(), key, value,
      /*bias=*/Value(), op.getBits(), positions, op.getMaskAttr(),
      op.getScaleAttr(), op.getWindowAttr(), op.getSoftcapAttr());
  for (NamedAttribute attr : op->getDiscardableAttrs())
    sharded->setAttr(attr.getName(), attr.getValue());
  op.getResult().replaceAllUsesWith(sharded.getResult());
  tokenDims[sharded.getResult()] = TokenDim{2};
  op.erase();
  return success();
}

LogicalResult TokenWalk::visitLoss(CrossEntropyOp op) {
  Value logits = op.getLogits(), labels = op.getLabels();
  Value share;
  Value wholeLabels; // the labels of every token, aligned with the logits
  builder.setInsertionPoint(op);
  Location loc = op.getLoc();
  RankedTensorType labelsType = typeOf(labels);
  int64_t ignore = op.getIgnoreIndex();
  auto splatLabels = [&](ArrayRef<int64_t> shape) -> Value {
    auto type = RankedTensorType::get(shape, labelsType.getElementType());
    return ConstantOp::create(builder, loc,
                              DenseElementsAttr::get(type, ignore));
  };
  if (Value shifted = shiftedLogits.lookup(logits)) {
    // The causal-LM shift (logits[:, :-1] against labels[:, 1:]), done on
    // the whole labels: token t is scored against label t + 1, the last
    // token against nothing.
    auto slice = labels.getDefiningOp<SliceOp>();
    RankedTensorType whole =
        slice ? typeOf(slice.getInput()) : RankedTensorType();
    if (!slice || tokenDimOf(slice.getInput()) || whole.getRank() != 2 ||
        whole.getDimSize(1) != tokens ||
        slice.getStart() != ArrayRef<int64_t>{0, 1} ||
        slice.getLimit() != whole.getShape())
      return fail(op, "the shifted logits need labels[:, 1:] of the whole "
                      "sequence");
    wholeLabels = ConcatOp::create(
        builder, loc, whole, ValueRange{labels, splatLabels({batch, 1})}, 1);
    share = shifted;
  } else if (plainTokens(logits, 1) && labelsType.getRank() == 2 &&
             labelsType.getDimSize(1) == tokens && !tokenDimOf(labels)) {
    wholeLabels = labels;
    share = logits;
  } else {
    return fail(op, "the loss must read the LLM's logits over the tokens");
  }
  Value ownLabels = GatherOp::create(
      builder, loc,
      RankedTensorType::get({batch, tokens / cp}, labelsType.getElementType()),
      wholeLabels, positions, 1);
  auto lossType = cast<RankedTensorType>(op.getType());
  Value own = CrossEntropyOp::create(builder, loc, lossType, share, ownLabels,
                                     op.getIgnoreIndexAttr());
  // This rank's share of the mean over every scored label, times cp: the
  // mean over the group is the loss of the whole micro-batch.
  auto scored = [&](Value l) -> Value {
    RankedTensorType type = typeOf(l);
    Value flags = CompareOp::create(
        builder, loc,
        RankedTensorType::get(type.getShape(), builder.getI1Type()),
        CompareDirection::ne, l, splatLabels(type.getShape()));
    Value counts = ConvertOp::create(
        builder, loc,
        RankedTensorType::get(type.getShape(), lossType.getElementType()),
        flags);
    return ReduceOp::create(builder, loc, lossType, ReduceKind::sum, counts,
                            builder.getDenseI64ArrayAttr({0, 1}));
  };
  auto constant = [&](double v) -> Value {
    return ConstantOp::create(
        builder, loc,
        DenseElementsAttr::get(
            lossType,
            FloatAttr::get(cast<FloatType>(lossType.getElementType()), v)));
  };
  Value all =
      MaxOp::create(builder, loc, lossType, scored(wholeLabels), constant(1.0));
  Value weight = DivOp::create(
      builder, loc, lossType,
      MulOp::create(builder, loc, lossType, scored(ownLabels), constant(cp)),
      all);
  Value loss = MulOp::create(builder, loc, lossType, own, weight);
  op.getResult().replaceAllUsesWith(loss);
  op.erase();
  return success();
}

LogicalResult TokenWalk::visit(Operation *op) {
  if (auto attention = dyn_cast<AttentionOp>(op))
    return visitAttention(attention);
  if (auto loss = dyn_cast<CrossEntropyOp>(op))
    return visitLoss(loss);
  bool anyTokens = llvm::any_of(
      op->getOperands(), [&](Value v) { return tokenDims.count(v) != 0; });
  if (!anyTokens && !inLlmLayer(op))
    return success();
  if (op->hasTrait<OpTrait::Elementwise>() ||
      isa<AllReduceOp, EnterShardsOp>(op))
    return visitSameShape(op);
  if (isa<RmsNormOp, LayerNormOp>(op)) {
    FailureOr<TokenDim> where = needTokens(op, 0);
    if (failed(where))
      return anyTokens ? fail(op, "its input must run over the tokens")
                       : success();
    int64_t normed = typeOf(op->getOperand(0)).getRank() - 1;
    if (auto norm = dyn_cast<LayerNormOp>(op))
      normed = norm.getAxis();
    if (where->dim >= normed)
      return fail(op, "it normalises over the token dimension");
    cut(op, *where);
    return success();
  }
  if (auto matmul = dyn_cast<MatmulOp>(op)) {
    std::optional<TokenDim> where = tokenDimOf(matmul.getLhs());
    if (tokenDimOf(matmul.getRhs()) ||
        (where && (matmul.getTransposeLhs() ||
                   where->dim >= typeOf(matmul.getLhs()).getRank() - 1)))
      return fail(op, "only the rows of its left operand may run over the "
                      "tokens");
    if (where)
      cut(op, *where);
    return success();
  }
  if (auto reshape = dyn_cast<ReshapeOp>(op)) {
    std::optional<TokenDim> where = tokenDimOf(reshape.getInput());
    if (!where)
      return success();
    // In the flat layout each token's elements sit between `outer` blocks
    // before and `inner` elements after it; the output dimension whose size
    // holds the tokens with whole factors of both around them keeps tokens
    // independent rows.
    RankedTensorType input =
        scaled(typeOf(reshape.getInput()), where->dim, cp, false);
    ArrayRef<int64_t> in = input.getShape();
    ArrayRef<int64_t> out = typeOf(reshape.getResult()).getShape();
    int64_t inner = where->inner;
    for (int64_t i = where->dim + 1; i < input.getRank(); ++i)
      inner *= in[i];
    int64_t outer = input.getNumElements() / (tokens * inner);
    int64_t prefix = 1;
    for (int64_t e = 0; e < static_cast<int64_t>(out.size()); ++e) {
      int64_t suffix = 1;
      for (int64_t i = e + 1; i < static_cast<int64_t>(out.size()); ++i)
        suffix *= out[i];
      if (outer % prefix == 0 && inner % suffix == 0 &&
          out[e] == (outer / prefix) * tokens * (inner / suffix)) {
        cut(op, TokenDim{e, inner / suffix});
        return success();
      }
      prefix *= out[e];
    }
    return fail(op, "it splits the token dimension");
  }
  if (auto transpose = dyn_cast<TransposeOp>(op)) {
    std::optional<TokenDim> where = tokenDimOf(transpose.getInput());
    if (!where)
      return success();
    for (auto [i, p] : llvm::enumerate(transpose.getPerm()))
      if (p == where->dim) {
        cut(op, TokenDim{static_cast<int64_t>(i), where->inner});
        return success();
      }
    return failure();
  }
  if (auto broadcast = dyn_cast<BroadcastOp>(op)) {
    FailureOr<TokenDim> where = needTokens(op, 0);
    if (failed(where))
      return success(); // over parameters, or along new dimensions
    cut(op, TokenDim{broadcast.getDims()[where->dim], where->inner});
    return success();
  }
  if (auto rope = dyn_cast<RopeOp>(op)) {
    if (!plainTokens(rope.getInput(), 2))
      return fail(op, "its input must run over the tokens along dimension 2");
    for (unsigned table : {1u, 2u})
      if (failed(needTokens(op, table)) ||
          !plainTokens(op->getOperand(table), 1))
        return fail(op, "its rotary tables must be B x S x D");
    cut(op, TokenDim{2});
    return success();
  }
  if (auto slice = dyn_cast<SliceOp>(op)) {
    std::optional<TokenDim> where = tokenDimOf(slice.getInput());
    ArrayRef<int64_t> shape = typeOf(slice.getInput()).getShape();
    bool dropsLastToken = where && plainTokens(slice.getInput(), where->dim);
    for (int64_t i = 0;
         dropsLastToken && i < static_cast<int64_t>(shape.size()); ++i) {
      int64_t whole = i == where->dim ? tokens : shape[i];
      int64_t limit = i == where->dim ? whole - 1 : whole;
      dropsLastToken &= slice.getStart()[i] == 0 &&
                        slice.getStrides()[i] == 1 &&
                        slice.getLimit()[i] == limit;
    }
    if (!dropsLastToken)
      return anyTokens ? fail(op, "it slices the tokens") : success();
    shiftedLogits[slice.getResult()] = slice.getInput();
    return success();
  }
  if (!anyTokens)
    return success();
  return fail(op, "it has no per-token rule");
}

LogicalResult TokenWalk::run(int64_t block, TokenStrategy strategy) {
  Block &body = function.getBody().front();
  Operation *start = nullptr;
  SmallVector<AttentionOp> attentions;
  for (Operation &op : body) {
    if (!start && inLlmLayer(&op))
      start = &op;
    if (auto attention = dyn_cast<AttentionOp>(op);
        attention && inLlmLayer(&op))
      attentions.push_back(attention);
  }
  if (!start || attentions.empty())
    return function.emitOpError()
           << "starch-context-parallel: no attention in a layer of module '"
           << llmModule << "' to shard";
  RankedTensorType query = typeOf(attentions.front().getQuery());
  batch = query.getDimSize(0);
  tokens = query.getDimSize(2);
  bits = attentions.front().getBits();
  for (AttentionOp attention : attentions)
    if (attention.getBits() != bits)
      return fail(attention, "every attention must read the same mask words");
  if (tokens % cp != 0)
    return fail(attentions.front(), Twine(tokens) +
                                        " tokens do not split over " +
                                        Twine(cp) + " ranks");
  // Only zigzag's two chunks per rank change the block.
  block = rt::queryBlockFor(tokens, cp, block,
                            strategy == TokenStrategy::zigzag
                                ? rt::TokenStrategy::zigzag
                                : rt::TokenStrategy::makespan);
  if (block == 0)
    return fail(attentions.front(),
                Twine(tokens) + " tokens do not make " +
                    Twine(strategy == TokenStrategy::zigzag ? 2 * cp : cp) +
                    " equal chunks");

  builder.setInsertionPoint(start);
  Location loc = start->getLoc();
  auto words = RankedTensorType::get({batch, tokens}, builder.getI64Type());
  Value dealt = bits;
  if (!dealt) // a causal LLM: every token is text
    dealt = ConstantOp::create(builder, loc,
                               DenseElementsAttr::get(words, int64_t(1)));
  else if (Operation *def = dealt.getDefiningOp();
           def && start->isBeforeInBlock(def))
    return fail(def, "the mask words must be made before the LLM's layers");
  auto order = RankedTensorType::get({tokens}, builder.getI64Type());
  auto deal = TokenDistributionOp::create(
      builder, loc, order, order, dealt, builder.getI64IntegerAttr(cp),
      builder.getI64IntegerAttr(block),
      TokenStrategyAttr::get(builder.getContext(), strategy));
  inverse = deal.getInverse();
  tagLike(deal, start, /*layer=*/false);
  positions = LocalBlockOp::create(
      builder, loc, RankedTensorType::get({tokens / cp}, builder.getI64Type()),
      deal.getOrder(), /*dim=*/0, groups);
  tagLike(positions.getDefiningOp(), start, /*layer=*/false);

  SmallVector<Operation *> ops;
  for (Operation *op = start; op; op = op->getNextNode())
    ops.push_back(op);
  for (Operation *op : ops)
    if (failed(visit(op)))
      return failure();
  // The dropped-last-token slices of the logits and labels.
  for (Operation &op : llvm::make_early_inc_range(llvm::reverse(body)))
    if (isa<SliceOp, ConstantOp, ReshapeOp>(op) && op.use_empty())
      op.erase();
  for (Value v : function.getBody().front().getTerminator()->getOperands())
    if (tokenDims.count(v))
      return fail(function.getBody().front().getTerminator(),
                  "the function returns a value over this rank's tokens");
  return success();
}

struct StarchContextParallelPass
    : public starch::impl::StarchContextParallelBase<
          StarchContextParallelPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (degree < 1 || replicas < 1 || tp < 1 || block < 1) {
      module.emitError() << "starch-context-parallel: cp, replicas, tp and "
                            "block must be >= 1";
      return signalPassFailure();
    }
    std::optional<TokenStrategy> strategyKind =
        symbolizeTokenStrategy(strategy);
    if (!strategyKind) {
      module.emitError() << "starch-context-parallel: strategy '" << strategy
                         << "' is not makespan, uniform or zigzag";
      return signalPassFailure();
    }
    if (degree == 1)
      return;
    auto loss = module.lookupSymbol<func::FuncOp>(function);
    if (!loss) {
      module.emitError() << "starch-context-parallel: no function @"
                         << function;
      return signalPassFailure();
    }
    // Replica k, context rank c, tensor-parallel rank t: rank
    // (k * cp + c) * tp + t; a group is one (k, t).
    OpBuilder builder(module.getContext());
    SmallVector<Attribute> groups;
    for (int64_t k = 0; k < replicas; ++k)
      for (int64_t t = 0; t < tp; ++t) {
        SmallVector<int64_t> ranks;
        for (int64_t c = 0; c < degree; ++c)
          ranks.push_back((k * degree + c) * tp + t);
        groups.push_back(builder.getDenseI64ArrayAttr(ranks));
      }
    TokenWalk walk(loss, degree, builder.getArrayAttr(groups), llmModule);
    if (failed(walk.run(block, *strategyKind)))
      return signalPassFailure();
    module->setAttr("starch.context_parallel",
                    builder.getI64IntegerAttr(degree));
  }
};

} // namespace
