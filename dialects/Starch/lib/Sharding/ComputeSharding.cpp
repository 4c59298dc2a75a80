//===- ComputeSharding.cpp - Sharding rules of computing ops --------------===//
//
// What each op computes locally from shards, for Megatron-style tensor
// parallelism: elementwise ops keep a common split; a matmul keeps a split
// of its free dimensions and turns a split of the contracted dimension on
// both sides into a partial sum; normalisations, softmax, rotary embedding
// and attention keep splits of the dimensions they do not mix (attention:
// heads). Partial sums pass only through ops linear in them.
//
//===----------------------------------------------------------------------===//
#include "ShardingRules.h"

#include "mlir/IR/OpDefinition.h"

using namespace mlir;

namespace starch::sharding {
namespace {

/// Shardings of an op that keeps one split: every split operand split along
/// `dim` and the rest replicated gives a result split along `dim`.
std::optional<int64_t> commonSplit(Shardings operands) {
  std::optional<int64_t> dim;
  for (const TensorSharding &s : operands) {
    if (s.isPartial())
      return std::nullopt;
    if (!s.isSplit())
      continue;
    if (dim && *dim != s.dim)
      return std::nullopt;
    dim = s.dim;
  }
  return dim;
}

/// Elementwise ops (every op with the Elementwise trait; operands have the
/// result's shape): a common split stays, every operand must carry it (a
/// replicated operand would need slicing first). Sums and differences of
/// partial sums, and their negation, are partial sums.
struct ElementwiseModel
    : public ShardingOpInterface::FallbackModel<ElementwiseModel> {
  LogicalResult shardResults(Operation *op, Shardings operands, int64_t,
                             ResultShardings &results) const {
    if (allReplicated(operands)) {
      results.append(op->getNumResults(), TensorSharding::replicated());
      return success();
    }
    if (llvm::all_of(operands, [](auto &s) { return s.isPartial(); }) &&
        isa<AddOp, SubOp, NegOp>(op)) {
      results.push_back(TensorSharding::partial());
      return success();
    }
    std::optional<int64_t> dim = commonSplit(operands);
    if (!dim || llvm::any_of(operands, [](auto &s) { return !s.isSplit(); }))
      return failure();
    results.append(op->getNumResults(), TensorSharding::split(*dim));
    return success();
  }
};

LogicalResult matmulRule(MatmulOp op, Shardings operands, int64_t,
                         ResultShardings &results) {
  const TensorSharding &lhs = operands[0], &rhs = operands[1];
  int64_t rank = static_cast<int64_t>(shapeOf(op.getLhs()).size());
  // The result's M and N; where each operand holds M, K and N.
  int64_t m = rank - 2, n = rank - 1;
  int64_t lhsM = op.lhsRowDim(), lhsK = op.lhsContractedDim();
  int64_t rhsK = op.rhsContractedDim(), rhsN = op.rhsColumnDim();
  auto result = [&](TensorSharding s) {
    results.push_back(s);
    return success();
  };
  if (lhs.isReplicated() && rhs.isReplicated())
    return result(TensorSharding::replicated());
  // Linear in each operand: a partial sum times a replicated matrix.
  if ((lhs.isPartial() && rhs.isReplicated()) ||
      (lhs.isReplicated() && rhs.isPartial()))
    return result(TensorSharding::partial());
  if (lhs.isPartial() || rhs.isPartial())
    return failure();
  // Contracted dimension split on both sides: each rank sums its share.
  if (lhs.isSplit() && lhs.dim == lhsK && rhs.isSplit() && rhs.dim == rhsK)
    return result(TensorSharding::partial());
  // Column parallel: the weight's output dimension.
  if (lhs.isReplicated() && rhs.isSplit() && rhs.dim == rhsN)
    return result(TensorSharding::split(n));
  // Rows of the left operand.
  if (lhs.isSplit() && lhs.dim == lhsM && rhs.isReplicated())
    return result(TensorSharding::split(m));
  // A batch dimension split alike on both sides.
  if (lhs.isSplit() && lhs.dim < m && rhs == lhs)
    return result(lhs);
  return failure();
}

LogicalResult reduceRule(ReduceOp op, Shardings operands, int64_t,
                         ResultShardings &results) {
  const TensorSharding &input = operands[0];
  bool linear = op.getKind() == ReduceKind::sum || op.getKind() == ReduceKind::mean;
  if (input.isReplicated() || (input.isPartial() && linear)) {
    results.push_back(input);
    return success();
  }
  if (!input.isSplit())
    return failure();
  ArrayRef<int64_t> dims = op.getDims();
  if (llvm::is_contained(dims, input.dim)) {
    // Each rank sums its block; a mean would divide by the block's count.
    if (op.getKind() != ReduceKind::sum)
      return failure();
    results.push_back(TensorSharding::partial());
    return success();
  }
  int64_t removedBefore = llvm::count_if(dims, [&](int64_t d) { return d < input.dim; });
  results.push_back(TensorSharding::split(input.dim - removedBefore));
  return success();
}

/// The loss of logits split along their classes is formed from each rank's
/// block sums (starch.cross_entropy_block, which starch-tensor-parallel
/// makes from this op), and every rank gets the whole loss.
LogicalResult crossEntropyRule(CrossEntropyOp op, Shardings operands, int64_t,
                               ResultShardings &results) {
  const TensorSharding &logits = operands[0], &labels = operands[1];
  int64_t classes = static_cast<int64_t>(shapeOf(op.getLogits()).size()) - 1;
  if (!labels.isReplicated() || logits.isPartial() ||
      (logits.isSplit() && logits.dim != classes))
    return failure();
  results.push_back(TensorSharding::replicated());
  return success();
}

/// Softmax-like ops mix only `axis`.
template <typename OpT>
LogicalResult alongAxisRule(OpT op, Shardings operands, int64_t,
                            ResultShardings &results) {
  const TensorSharding &input = operands[0];
  if (input.isPartial() || (input.isSplit() && input.dim == op.getAxis()))
    return failure();
  results.push_back(input);
  return success();
}

/// Normalisations mix the trailing dimensions from `firstNormalized`; the
/// weight and bias (over those dimensions) must be replicated.
LogicalResult normalizationRule(Shardings operands, int64_t firstNormalized,
                                ResultShardings &results) {
  const TensorSharding &input = operands[0];
  if (!allReplicated(operands.drop_front()) || input.isPartial() ||
      (input.isSplit() && input.dim >= firstNormalized))
    return failure();
  results.push_back(input);
  return success();
}

LogicalResult rmsNormRule(RmsNormOp op, Shardings operands, int64_t,
                          ResultShardings &results) {
  int64_t rank = static_cast<int64_t>(shapeOf(op.getInput()).size());
  return normalizationRule(operands, rank - 1, results);
}

LogicalResult layerNormRule(LayerNormOp op, Shardings operands, int64_t,
                            ResultShardings &results) {
  return normalizationRule(operands, op.getAxis(), results);
}

/// input B x H x S x D with tables B x S x D shared by every head: a split
/// of the heads stays.
LogicalResult ropeRule(RopeOp op, Shardings operands, int64_t,
                       ResultShardings &results) {
  const TensorSharding &input = operands[0], &cos = operands[1],
                       &sin = operands[2];
  if (allReplicated(operands)) {
    results.push_back(input);
    return success();
  }
  if (input.isSplit() && input.dim == 1 && cos.isReplicated() &&
      sin.isReplicated()) {
    results.push_back(input);
    return success();
  }
  return failure();
}

/// query B x Hq x S x D, key/value B x Hkv x T x D: splitting both head
/// counts into the same number of contiguous blocks keeps every query
/// head with its key/value head (h / (Hq / Hkv)). A per-head bias must be
/// split alike; a broadcast one (size-1 heads) and the bitfield words are
/// replicated.
LogicalResult attentionRule(AttentionOp op, Shardings operands, int64_t parts,
                            ResultShardings &results) {
  if (allReplicated(operands)) {
    results.push_back(TensorSharding::replicated());
    return success();
  }
  auto heads = TensorSharding::split(1);
  if (operands[0] != heads || operands[1] != heads || operands[2] != heads ||
      !divides(shapeOf(op.getQuery())[1], parts) ||
      !divides(shapeOf(op.getKey())[1], parts))
    return failure();
  for (const TensorSharding &extra : operands.drop_front(3)) {
    bool broadcastHeads =
        op.getBias() && shapeOf(op.getBias())[1] == 1 && extra.isReplicated();
    bool perHeadBias = op.getBias() && extra == heads;
    bool bits = op.getBits() && extra.isReplicated();
    if (!broadcastHeads && !perHeadBias && !bits)
      return failure();
  }
  results.push_back(heads);
  return success();
}

} // namespace

void registerComputeSharding(MLIRContext &context) {
  for (RegisteredOperationName name :
       context.getRegisteredOperationsByDialect(StarchDialect::getDialectNamespace()))
    if (name.hasTrait<OpTrait::Elementwise>())
      name.attachInterface<ElementwiseModel>();
  attachRule<MatmulOp, matmulRule>(context);
  attachRule<ReduceOp, reduceRule>(context);
  attachRule<CrossEntropyOp, crossEntropyRule>(context);
  attachRule<SoftmaxOp, alongAxisRule<SoftmaxOp>>(context);
  attachRule<LogSoftmaxOp, alongAxisRule<LogSoftmaxOp>>(context);
  attachRule<RmsNormOp, rmsNormRule>(context);
  attachRule<LayerNormOp, layerNormRule>(context);
  attachRule<RopeOp, ropeRule>(context);
  attachRule<AttentionOp, attentionRule>(context);
}

} // namespace starch::sharding

namespace starch {

void registerShardingModels(StarchDialect &dialect) {
  sharding::registerShapeSharding(*dialect.getContext());
  sharding::registerComputeSharding(*dialect.getContext());
}

} // namespace starch
