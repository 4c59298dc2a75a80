//===- StarchCost.cpp - CostOpInterface of the starch ops -----------------===//
//
// FLOPs and bytes of one execution of each op; the formulas are listed in
// the interface description (StarchInterfaces.td). The elementwise unary and
// binary families define theirs in their ODS class.
//
//===----------------------------------------------------------------------===//
#include "starch/Dialect/StarchOps.h"

#include <algorithm>

using namespace mlir;
using namespace starch;

namespace {

int64_t numel(Value value) {
  return llvm::cast<RankedTensorType>(value.getType()).getNumElements();
}

/// Storage size of one element; `i1` is stored as one byte.
int64_t elementBytes(Type type) {
  if (auto complex = llvm::dyn_cast<ComplexType>(type))
    return 2 * elementBytes(complex.getElementType());
  if (type.isIndex())
    return 8;
  if (type.isIntOrFloat())
    return (type.getIntOrFloatBitWidth() + 7) / 8;
  return 0;
}

/// Product of the sizes in `shape`.
int64_t product(ArrayRef<int64_t> shape) {
  int64_t result = 1;
  for (int64_t size : shape)
    result *= size;
  return result;
}

} // namespace

int64_t starch::tensorBytes(Value value) {
  auto type = llvm::cast<RankedTensorType>(value.getType());
  return type.getNumElements() * elementBytes(type.getElementType());
}

int64_t starch::operandAndResultBytes(Operation *op) {
  int64_t bytes = 0;
  for (Value operand : op->getOperands())
    bytes += tensorBytes(operand);
  for (Value result : op->getResults())
    bytes += tensorBytes(result);
  return bytes;
}

int64_t starch::elementwiseFlops(Operation *op) {
  return numel(op->getResult(0));
}

//===----------------------------------------------------------------------===//
// Parameters and constants: the data is counted where it is read.
//===----------------------------------------------------------------------===//

int64_t ParamOp::getFlops() { return 0; }
int64_t ParamOp::getBytesAccessed() { return 0; }
int64_t ReadParamOp::getFlops() { return 0; }
int64_t ReadParamOp::getBytesAccessed() { return 0; }
int64_t WriteParamOp::getFlops() { return 0; }
int64_t WriteParamOp::getBytesAccessed() { return tensorBytes(getValue()); }
int64_t ConstantOp::getFlops() { return 0; }
int64_t ConstantOp::getBytesAccessed() { return 0; }
int64_t IotaOp::getFlops() { return 0; }
int64_t IotaOp::getBytesAccessed() { return tensorBytes(getResult()); }

//===----------------------------------------------------------------------===//
// Elementwise ops outside the unary/binary classes
//===----------------------------------------------------------------------===//

int64_t GeluOp::getFlops() { return elementwiseFlops(*this); }
int64_t GeluOp::getBytesAccessed() { return operandAndResultBytes(*this); }
int64_t CompareOp::getFlops() { return elementwiseFlops(*this); }
int64_t CompareOp::getBytesAccessed() { return operandAndResultBytes(*this); }
int64_t SelectOp::getFlops() { return elementwiseFlops(*this); }
int64_t SelectOp::getBytesAccessed() { return operandAndResultBytes(*this); }
int64_t ConvertOp::getFlops() { return elementwiseFlops(*this); }
int64_t ConvertOp::getBytesAccessed() { return operandAndResultBytes(*this); }

//===----------------------------------------------------------------------===//
// Data movement: no arithmetic
//===----------------------------------------------------------------------===//

int64_t BroadcastOp::getFlops() { return 0; }
int64_t BroadcastOp::getBytesAccessed() { return operandAndResultBytes(*this); }
int64_t TransposeOp::getFlops() { return 0; }
int64_t TransposeOp::getBytesAccessed() { return operandAndResultBytes(*this); }
int64_t ConcatOp::getFlops() { return 0; }
int64_t ConcatOp::getBytesAccessed() { return operandAndResultBytes(*this); }
int64_t PadOp::getFlops() { return 0; }
int64_t PadOp::getBytesAccessed() { return operandAndResultBytes(*this); }

// A reshape is a view of the same row-major buffer.
int64_t ReshapeOp::getFlops() { return 0; }
int64_t ReshapeOp::getBytesAccessed() { return 0; }

// A slice reads only its window.
int64_t SliceOp::getFlops() { return 0; }
int64_t SliceOp::getBytesAccessed() { return 2 * tensorBytes(getResult()); }

// A gather reads the indices and the gathered rows only.
// One addition per update element.
int64_t ScatterAddOp::getFlops() { return numel(getUpdates()); }
int64_t ScatterAddOp::getBytesAccessed() {
  return operandAndResultBytes(*this);
}
int64_t GatherOp::getFlops() { return 0; }
int64_t GatherOp::getBytesAccessed() {
  return tensorBytes(getIndices()) + 2 * tensorBytes(getResult());
}

//===----------------------------------------------------------------------===//
// Contractions, reductions, normalisations
//===----------------------------------------------------------------------===//

int64_t MatmulOp::getFlops() {
  // 2 * batch * M * N * K = 2 * numel(result) * K.
  int64_t contraction = getLhs().getType().getDimSize(lhsContractedDim());
  return 2 * numel(getResult()) * contraction;
}
int64_t MatmulOp::getBytesAccessed() { return operandAndResultBytes(*this); }

int64_t ReduceOp::getFlops() {
  int64_t flops = numel(getInput());
  if (getKind() == ReduceKind::mean)
    flops += numel(getResult());
  return flops;
}
int64_t ReduceOp::getBytesAccessed() { return operandAndResultBytes(*this); }

int64_t ArgMaxOp::getFlops() { return numel(getInput()); }
int64_t ArgMaxOp::getBytesAccessed() { return operandAndResultBytes(*this); }

// One addition per element.
int64_t CumSumOp::getFlops() { return numel(getInput()); }
int64_t CumSumOp::getBytesAccessed() { return operandAndResultBytes(*this); }

int64_t SoftmaxOp::getFlops() { return 5 * numel(getInput()); }
int64_t SoftmaxOp::getBytesAccessed() { return operandAndResultBytes(*this); }
int64_t LogSoftmaxOp::getFlops() { return 5 * numel(getInput()); }
int64_t LogSoftmaxOp::getBytesAccessed() {
  return operandAndResultBytes(*this);
}

int64_t ConvOp::getFlops() {
  // Each result element (N x O x R...) is a dot product over the
  // C/groups x K... window of its group.
  ArrayRef<int64_t> filter = getFilter().getType().getShape();
  return 2 * numel(getResult()) * product(filter.drop_front(1));
}
int64_t ConvOp::getBytesAccessed() { return operandAndResultBytes(*this); }

int64_t RmsNormOp::getFlops() { return 4 * numel(getInput()); }
int64_t RmsNormOp::getBytesAccessed() { return operandAndResultBytes(*this); }
int64_t LayerNormOp::getFlops() { return 7 * numel(getInput()); }
int64_t LayerNormOp::getBytesAccessed() { return operandAndResultBytes(*this); }
int64_t RopeOp::getFlops() { return 3 * numel(getInput()); }
int64_t RopeOp::getBytesAccessed() { return operandAndResultBytes(*this); }

/// The scores an attention computes: B * Hq * S queries times the keys
/// each scores. Every mask counts all T keys (dense), also where a bitfield
/// mask hides most of them, but a sliding window, whose kernels skip the
/// keys outside it, counts min(T, window) for a causal query and
/// min(T, 2 window - 1) for a full one (edges ignored).
template <typename Op> static int64_t attentionScores(Op op) {
  ArrayRef<int64_t> query = op.getQuery().getType().getShape();
  int64_t keys = op.getKey().getType().getDimSize(2);
  if (IntegerAttr window = op.getWindowAttr()) {
    int64_t span = op.getMask() == AttentionMaskKind::causal
                       ? window.getInt()
                       : 2 * window.getInt() - 1;
    keys = std::min(keys, span);
  }
  return query[0] * query[1] * query[2] * keys;
}

int64_t AttentionOp::getFlops() {
  // q k^T and p v are 2 * D per score each; the softmax costs 5 per score,
  // the additive bias 1, a softcap 3 (divide, tanh, multiply).
  ArrayRef<int64_t> query = getQuery().getType().getShape();
  int64_t scores = attentionScores(*this);
  int64_t flops = 4 * scores * query[3] + 5 * scores;
  if (getMask() == AttentionMaskKind::additive)
    flops += scores;
  if (getSoftcapAttr())
    flops += 3 * scores;
  return flops;
}
int64_t AttentionOp::getBytesAccessed() { return operandAndResultBytes(*this); }

// Up to four taps (a multiply and an add each) per output element of each
// resized dimension's pass; counted as 8 per result element and dimension.
static int64_t resizeFlops(Value large, int64_t rank) {
  return 8 * numel(large) * rank;
}
int64_t ResizeOp::getFlops() {
  return resizeFlops(getResult(), getResult().getType().getRank());
}
int64_t ResizeOp::getBytesAccessed() { return operandAndResultBytes(*this); }
int64_t ResizeGradOp::getFlops() {
  return resizeFlops(getDOut(), getDOut().getType().getRank());
}
int64_t ResizeGradOp::getBytesAccessed() {
  return operandAndResultBytes(*this);
}

//===----------------------------------------------------------------------===//
// Fused backward ops
//===----------------------------------------------------------------------===//

// Recomputed statistics and xhat (4), g = d_out * weight (1), the dot with
// xhat and its sum (2), d_input (3), d_weight's product and sum (2) = 12.
int64_t RmsNormGradOp::getFlops() { return 12 * numel(getInput()); }
int64_t RmsNormGradOp::getBytesAccessed() {
  return operandAndResultBytes(*this);
}
// Recomputed mean, centring, variance and xhat (5), g (1), sums of g and
// g * xhat (3), d_input (4), d_weight (2), d_bias (1) = 16.
int64_t LayerNormGradOp::getFlops() { return 16 * numel(getInput()); }
int64_t LayerNormGradOp::getBytesAccessed() {
  return operandAndResultBytes(*this);
}

int64_t AttentionGradOp::getFlops() {
  // Per (batch, query head): the recomputed q k^T, dp = d_out v^T,
  // d_value = p^T d_out, d_query = ds k and d_key = ds^T q are 2 * S * T * D
  // each; the recomputed softmax costs 5 per score and ds = p (dp - D) 2;
  // the additive bias is added once more per score; a softcap is recomputed
  // (3) and its slope 1 - tanh^2 applied to ds (3). Scores as the forward's.
  ArrayRef<int64_t> query = getQuery().getType().getShape();
  int64_t scores = attentionScores(*this);
  int64_t flops = 10 * scores * query[3] + 7 * scores;
  if (getMask() == AttentionMaskKind::additive)
    flops += scores;
  if (getSoftcapAttr())
    flops += 6 * scores;
  return flops;
}
int64_t AttentionGradOp::getBytesAccessed() {
  return operandAndResultBytes(*this);
}

//===----------------------------------------------------------------------===//
// Training: loss and optimizer
//===----------------------------------------------------------------------===//

// The loss is a log-softmax per row (5 per logit) plus one term per label.
int64_t CrossEntropyOp::getFlops() {
  return 5 * numel(getLogits()) + numel(getLabels());
}
int64_t CrossEntropyOp::getBytesAccessed() {
  return operandAndResultBytes(*this);
}
// Recomputed softmax (5 per logit), then subtract and scale (2 per logit).
int64_t CrossEntropyGradOp::getFlops() { return 7 * numel(getLogits()); }
int64_t CrossEntropyGradOp::getBytesAccessed() {
  return operandAndResultBytes(*this);
}
// A block's exp-sum (3 per logit: shift, exp, add) and one label term.
int64_t CrossEntropyBlockOp::getFlops() {
  return 3 * numel(getLogits()) + numel(getLabels());
}
int64_t CrossEntropyBlockOp::getBytesAccessed() {
  return operandAndResultBytes(*this);
}
// Shift, exp and scale per logit.
int64_t CrossEntropyBlockGradOp::getFlops() { return 3 * numel(getLogits()); }
int64_t CrossEntropyBlockGradOp::getBytesAccessed() {
  return operandAndResultBytes(*this);
}
// Decay 2, first moment 3, second moment 4, sqrt/scale/eps 3, update 3.
int64_t AdamWOp::getFlops() { return 15 * numel(getParam()); }

// Communication, not arithmetic: the bytes are the tensor sent and received.
int64_t AllReduceOp::getFlops() { return numel(getInput()); }
int64_t AllReduceOp::getBytesAccessed() { return operandAndResultBytes(*this); }
int64_t ReduceScatterOp::getFlops() { return numel(getInput()); }
int64_t ReduceScatterOp::getBytesAccessed() {
  return operandAndResultBytes(*this);
}
int64_t AllGatherOp::getFlops() { return 0; }
int64_t AllGatherOp::getBytesAccessed() { return operandAndResultBytes(*this); }
int64_t LocalBlockOp::getFlops() { return 0; }
// Integer bookkeeping once per micro-batch: no floating-point work.
int64_t TokenDistributionOp::getFlops() { return 0; }
int64_t TokenDistributionOp::getBytesAccessed() {
  return operandAndResultBytes(*this);
}
int64_t LocalBlockOp::getBytesAccessed() {
  return operandAndResultBytes(*this);
}
int64_t AdamWOp::getBytesAccessed() { return operandAndResultBytes(*this); }
// A view: its cost is the all-reduce of its gradient.
int64_t EnterShardsOp::getFlops() { return 0; }
int64_t EnterShardsOp::getBytesAccessed() { return 0; }
// Point-to-point transfers compute nothing; they move their tensor once.
int64_t SendOp::getFlops() { return 0; }
int64_t SendOp::getBytesAccessed() { return operandAndResultBytes(*this); }
int64_t RecvOp::getFlops() { return 0; }
int64_t RecvOp::getBytesAccessed() { return operandAndResultBytes(*this); }
