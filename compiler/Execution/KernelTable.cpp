//===- KernelTable.cpp - The runtime call of every starch op --------------===//
//
// One entry per op: the kernel it calls and the argument recipe, read by
// the interpreter (compiler/Interpreter), the C++ emitter and the CUDA
// emitter (compiler/Codegen). Adding an op's execution is one entry here
// plus its kernel on each target (runtime/kernels, runtime/cuda); the
// compiler checks the recipe against both kernels' signatures.
//
//===----------------------------------------------------------------------===//
#include "compiler/Execution/ExecutionInterface.h"

#include "runtime/cuda/Kernels.h"
#include "runtime/kernels/Kernels.h"
#include "starch/Dialect/StarchDialect.h"
#include "starch/Dialect/StarchOps.h"

#include <atomic>

using namespace mlir;

namespace starch::exec {
namespace {

template <typename OpT> using Recipe = KernelCall (*)(OpT op);

/// MLIR default-constructs external models, so a model cannot carry its
/// recipe: each op type keeps it here, set once by attach().
template <typename OpT> struct RecipeOf {
  static inline std::atomic<Recipe<OpT>> recipe{nullptr};
};

template <typename OpT>
struct KernelCallModel
    : public ExecutableOpInterface::ExternalModel<KernelCallModel<OpT>, OpT> {
  KernelCall getKernelCall(Operation *op) const {
    return RecipeOf<OpT>::recipe.load()(cast<OpT>(op));
  }
};

/// The table's entry for `OpT`: its kernel call, built by `recipe`.
template <typename OpT> void attach(MLIRContext &context, Recipe<OpT> recipe) {
  RecipeOf<OpT>::recipe.store(recipe);
  OpT::template attachInterface<KernelCallModel<OpT>>(context);
}

//===--- Enumerators of the dialect's enum attributes ---------------------===//

arg::Enumerator<rt::UnaryKind> geluKind(GeluApproximation approximation) {
  switch (approximation) {
  case GeluApproximation::tanh:
    return STARCH_ENUM(UnaryKind, geluTanh);
  case GeluApproximation::sigmoid:
    return STARCH_ENUM(UnaryKind, geluSigmoid);
  case GeluApproximation::none:
    break;
  }
  return STARCH_ENUM(UnaryKind, geluErf);
}

arg::Enumerator<rt::CompareKind> compareKind(CompareDirection direction) {
  switch (direction) {
  case CompareDirection::eq:
    return STARCH_ENUM(CompareKind, eq);
  case CompareDirection::ne:
    return STARCH_ENUM(CompareKind, ne);
  case CompareDirection::lt:
    return STARCH_ENUM(CompareKind, lt);
  case CompareDirection::le:
    return STARCH_ENUM(CompareKind, le);
  case CompareDirection::gt:
    return STARCH_ENUM(CompareKind, gt);
  case CompareDirection::ge:
    return STARCH_ENUM(CompareKind, ge);
  }
  return STARCH_ENUM(CompareKind, eq);
}

arg::Enumerator<rt::ReduceKind> reduceKind(ReduceKind kind) {
  switch (kind) {
  case ReduceKind::sum:
    return STARCH_ENUM(ReduceKind, sum);
  case ReduceKind::mean:
    return STARCH_ENUM(ReduceKind, mean);
  case ReduceKind::max:
    return STARCH_ENUM(ReduceKind, max);
  case ReduceKind::min:
    return STARCH_ENUM(ReduceKind, min);
  case ReduceKind::prod:
    return STARCH_ENUM(ReduceKind, prod);
  }
  return STARCH_ENUM(ReduceKind, sum);
}

arg::Enumerator<rt::AttentionMask> attentionMask(AttentionMaskKind kind) {
  switch (kind) {
  case AttentionMaskKind::full:
    return STARCH_ENUM(AttentionMask, full);
  case AttentionMaskKind::causal:
    return STARCH_ENUM(AttentionMask, causal);
  case AttentionMaskKind::additive:
    return STARCH_ENUM(AttentionMask, additive);
  case AttentionMaskKind::bitfield:
    return STARCH_ENUM(AttentionMask, bitfield);
  }
  return STARCH_ENUM(AttentionMask, full);
}

arg::Enumerator<rt::ResizeMode> resizeMode(ResizeMode mode) {
  switch (mode) {
  case ResizeMode::nearest:
    return STARCH_ENUM(ResizeMode, nearest);
  case ResizeMode::linear:
    return STARCH_ENUM(ResizeMode, linear);
  case ResizeMode::cubic:
    return STARCH_ENUM(ResizeMode, cubic);
  }
  return STARCH_ENUM(ResizeMode, nearest);
}

arg::Enumerator<rt::ResizeCoordinates>
resizeCoordinates(ResizeCoordinates coordinates) {
  switch (coordinates) {
  case ResizeCoordinates::half_pixel:
    return STARCH_ENUM(ResizeCoordinates, halfPixel);
  case ResizeCoordinates::pytorch_half_pixel:
    return STARCH_ENUM(ResizeCoordinates, pytorchHalfPixel);
  case ResizeCoordinates::align_corners:
    return STARCH_ENUM(ResizeCoordinates, alignCorners);
  case ResizeCoordinates::asymmetric:
    return STARCH_ENUM(ResizeCoordinates, asymmetric);
  case ResizeCoordinates::tf_half_pixel_for_nn:
    return STARCH_ENUM(ResizeCoordinates, tfHalfPixelForNn);
  }
  return STARCH_ENUM(ResizeCoordinates, halfPixel);
}

arg::Enumerator<rt::ResizeNearest> resizeNearest(ResizeNearest nearest) {
  switch (nearest) {
  case ResizeNearest::round_prefer_floor:
    return STARCH_ENUM(ResizeNearest, roundPreferFloor);
  case ResizeNearest::round_prefer_ceil:
    return STARCH_ENUM(ResizeNearest, roundPreferCeil);
  case ResizeNearest::floor:
    return STARCH_ENUM(ResizeNearest, floor);
  case ResizeNearest::ceil:
    return STARCH_ENUM(ResizeNearest, ceil);
  }
  return STARCH_ENUM(ResizeNearest, roundPreferFloor);
}

/// starch.resize or starch.resize_grad (`gradient`): one tensor in, one
/// out, and the sampling the two share, read from the op once.
template <typename Op> KernelCall resizeCall(Op op, bool gradient) {
  auto mode = resizeMode(op.getMode());
  auto coordinates = resizeCoordinates(op.getCoordinates());
  auto nearest = resizeNearest(op.getNearest());
  auto cubicA = f64(op.getCubicCoeffA());
  auto excludeOutside = flag("excludeOutside", op.getExcludeOutside());
  auto scales = f64s(op.getScales());
  if (gradient)
    return STARCH_KERNEL(resizeGrad, in(0), mode, coordinates, nearest, cubicA,
                         excludeOutside, scales, out());
  return STARCH_KERNEL(resize, in(0), mode, coordinates, nearest, cubicA,
                       excludeOutside, scales, out());
}

/// The window and softcap of an attention op as the kernels take them: 0
/// when absent.
template <typename Op> int64_t windowOf(Op op) {
  return op.getWindowAttr() ? op.getWindowAttr().getInt() : 0;
}
template <typename Op> double softcapOf(Op op) {
  return op.getSoftcapAttr() ? op.getSoftcapAttr().getValueAsDouble() : 0.0;
}

arg::Enumerator<rt::TokenStrategy> tokenStrategy(TokenStrategy strategy) {
  switch (strategy) {
  case TokenStrategy::makespan:
    return STARCH_ENUM(TokenStrategy, makespan);
  case TokenStrategy::uniform:
    return STARCH_ENUM(TokenStrategy, uniform);
  case TokenStrategy::zigzag:
    return STARCH_ENUM(TokenStrategy, zigzag);
  }
  return STARCH_ENUM(TokenStrategy, makespan);
}

arg::Enumerator<rt::CollectiveOp> collectiveKind(CollectiveKind kind) {
  switch (kind) {
  case CollectiveKind::sum:
    return STARCH_ENUM(CollectiveOp, sum);
  case CollectiveKind::max:
    return STARCH_ENUM(CollectiveOp, max);
  case CollectiveKind::min:
    return STARCH_ENUM(CollectiveOp, min);
  }
  return STARCH_ENUM(CollectiveOp, sum);
}

//===--- Recipes shared by op families ------------------------------------===//

KernelCall unary(arg::Enumerator<rt::UnaryKind> kind) {
  return STARCH_KERNEL(unary, kind, in(0), out());
}

KernelCall binary(arg::Enumerator<rt::BinaryKind> kind) {
  return STARCH_KERNEL(binary, kind, in(0), in(1), out());
}

//===--- The table --------------------------------------------------------===//

void attachElementwise(MLIRContext &c) {
  // clang-format off
  attach<NegOp>(c, [](NegOp) { return unary(STARCH_ENUM(UnaryKind, neg)); });
  attach<AbsOp>(c, [](AbsOp) { return unary(STARCH_ENUM(UnaryKind, abs)); });
  attach<ExpOp>(c, [](ExpOp) { return unary(STARCH_ENUM(UnaryKind, exp)); });
  attach<LogOp>(c, [](LogOp) { return unary(STARCH_ENUM(UnaryKind, log)); });
  attach<SqrtOp>(c, [](SqrtOp) { return unary(STARCH_ENUM(UnaryKind, sqrt)); });
  attach<RsqrtOp>(c, [](RsqrtOp) { return unary(STARCH_ENUM(UnaryKind, rsqrt)); });
  attach<ReciprocalOp>(c, [](ReciprocalOp) { return unary(STARCH_ENUM(UnaryKind, reciprocal)); });
  attach<TanhOp>(c, [](TanhOp) { return unary(STARCH_ENUM(UnaryKind, tanh)); });
  attach<ErfOp>(c, [](ErfOp) { return unary(STARCH_ENUM(UnaryKind, erf)); });
  attach<SinOp>(c, [](SinOp) { return unary(STARCH_ENUM(UnaryKind, sin)); });
  attach<CosOp>(c, [](CosOp) { return unary(STARCH_ENUM(UnaryKind, cos)); });
  attach<SigmoidOp>(c, [](SigmoidOp) { return unary(STARCH_ENUM(UnaryKind, sigmoid)); });
  attach<ReluOp>(c, [](ReluOp) { return unary(STARCH_ENUM(UnaryKind, relu)); });
  attach<FloorOp>(c, [](FloorOp) { return unary(STARCH_ENUM(UnaryKind, floor)); });
  attach<CeilOp>(c, [](CeilOp) { return unary(STARCH_ENUM(UnaryKind, ceil)); });
  attach<SignOp>(c, [](SignOp) { return unary(STARCH_ENUM(UnaryKind, sign)); });
  attach<NotOp>(c, [](NotOp) { return unary(STARCH_ENUM(UnaryKind, logicalNot)); });
  attach<SiluOp>(c, [](SiluOp) { return unary(STARCH_ENUM(UnaryKind, silu)); });
  attach<GeluOp>(c, [](GeluOp op) { return unary(geluKind(op.getApproximate())); });

  attach<AddOp>(c, [](AddOp) { return binary(STARCH_ENUM(BinaryKind, add)); });
  attach<SubOp>(c, [](SubOp) { return binary(STARCH_ENUM(BinaryKind, sub)); });
  attach<MulOp>(c, [](MulOp) { return binary(STARCH_ENUM(BinaryKind, mul)); });
  attach<DivOp>(c, [](DivOp) { return binary(STARCH_ENUM(BinaryKind, div)); });
  attach<RemOp>(c, [](RemOp) { return binary(STARCH_ENUM(BinaryKind, rem)); });
  attach<PowOp>(c, [](PowOp) { return binary(STARCH_ENUM(BinaryKind, pow)); });
  attach<MaxOp>(c, [](MaxOp) { return binary(STARCH_ENUM(BinaryKind, max)); });
  attach<MinOp>(c, [](MinOp) { return binary(STARCH_ENUM(BinaryKind, min)); });
  attach<AndOp>(c, [](AndOp) { return binary(STARCH_ENUM(BinaryKind, logicalAnd)); });
  attach<OrOp>(c, [](OrOp) { return binary(STARCH_ENUM(BinaryKind, logicalOr)); });
  attach<XorOp>(c, [](XorOp) { return binary(STARCH_ENUM(BinaryKind, logicalXor)); });
  // clang-format on

  attach<CompareOp>(c, [](CompareOp op) {
    return STARCH_KERNEL(compare, compareKind(op.getDirection()), in(0), in(1),
                         out());
  });
  attach<SelectOp>(c, [](SelectOp) {
    return STARCH_KERNEL(select, in(0), in(1), in(2), out());
  });
  attach<ConvertOp>(
      c, [](ConvertOp) { return STARCH_KERNEL(convert, in(0), out()); });
  attach<IotaOp>(c, [](IotaOp op) {
    return STARCH_KERNEL(iota, i64(op.getDim()), out());
  });
}

void attachDataMovement(MLIRContext &c) {
  attach<BroadcastOp>(c, [](BroadcastOp op) {
    return STARCH_KERNEL(broadcast, in(0), i64s(op.getDims()), out());
  });
  attach<TransposeOp>(c, [](TransposeOp op) {
    return STARCH_KERNEL(transpose, in(0), i64s(op.getPerm()), out());
  });
  attach<ConcatOp>(c, [](ConcatOp op) {
    return STARCH_KERNEL(concat, ins(), i64(op.getAxis()), out());
  });
  attach<SliceOp>(c, [](SliceOp op) {
    return STARCH_KERNEL(slice, in(0), i64s(op.getStart()),
                         i64s(op.getStrides()), out());
  });
  attach<PadOp>(c, [](PadOp op) {
    return STARCH_KERNEL(pad, in(0), i64s(op.getLow()), i64s(op.getHigh()),
                         f64(op.getValue()), out());
  });
  attach<GatherOp>(c, [](GatherOp op) {
    return STARCH_KERNEL(gather, in(0), in(1), i64(op.getAxis()), out(),
                         inIf(op.getOffset() != nullptr, 2));
  });
  attach<ScatterAddOp>(c, [](ScatterAddOp op) {
    return STARCH_KERNEL(scatterAdd, in(0), in(1), i64(op.getAxis()), out(),
                         inIf(op.getOffset() != nullptr, 2));
  });
}

void attachContractions(MLIRContext &c) {
  attach<MatmulOp>(c, [](MatmulOp op) {
    return STARCH_KERNEL(matmul, in(0), in(1),
                         flag("transposeLhs", op.getTransposeLhs()),
                         flag("transposeRhs", op.getTransposeRhs()), out(),
                         flag("bf16", op.getBf16()));
  });
  attach<ReduceOp>(c, [](ReduceOp op) {
    return STARCH_KERNEL(reduce, reduceKind(op.getKind()), in(0),
                         i64s(op.getDims()), out());
  });
  attach<ArgMaxOp>(c, [](ArgMaxOp op) {
    return STARCH_KERNEL(argmax, in(0), i64(op.getAxis()), out());
  });
  attach<CumSumOp>(c, [](CumSumOp op) {
    return STARCH_KERNEL(cumsum, in(0), i64(op.getAxis()),
                         flag("exclusive", op.getExclusive()),
                         flag("reverse", op.getReverse()), out());
  });
  attach<SoftmaxOp>(c, [](SoftmaxOp op) {
    return STARCH_KERNEL(softmax, in(0), i64(op.getAxis()),
                         flag("logarithm", false), out());
  });
  attach<LogSoftmaxOp>(c, [](LogSoftmaxOp op) {
    return STARCH_KERNEL(softmax, in(0), i64(op.getAxis()),
                         flag("logarithm", true), out());
  });
  attach<ConvOp>(c, [](ConvOp op) {
    return STARCH_KERNEL(
        conv, in(0), in(1),
        STARCH_AGGREGATE(ConvParams, i64s(op.getStrides()),
                         i64s(op.getPadLow()), i64s(op.getPadHigh()),
                         i64s(op.getDilations()), i64(op.getGroups())),
        out());
  });
}

void attachFused(MLIRContext &c) {
  attach<RmsNormOp>(c, [](RmsNormOp op) {
    return STARCH_KERNEL(rmsNorm, in(0), in(1), f64(op.getEpsilon()), out());
  });
  attach<LayerNormOp>(c, [](LayerNormOp op) {
    return STARCH_KERNEL(layerNorm, in(0), in(1), in(2), i64(op.getAxis()),
                         f64(op.getEpsilon()), out());
  });
  // A resize and its gradient: the same sampling arguments.
  attach<ResizeOp>(c, [](ResizeOp op) { return resizeCall(op, false); });
  attach<ResizeGradOp>(c, [](ResizeGradOp op) { return resizeCall(op, true); });
  attach<RopeOp>(c, [](RopeOp) {
    return STARCH_KERNEL(rope, in(0), in(1), in(2), out());
  });
  // Operand 3, when there, is what the mask reads: the bias or the bits;
  // the positions follow it.
  attach<AttentionOp>(c, [](AttentionOp op) {
    bool masked = op.getBias() || op.getBits();
    unsigned positions = masked ? 4 : 3;
    return STARCH_KERNEL(attention, in(0), in(1), in(2), inIf(masked, 3),
                         inIf(static_cast<bool>(op.getPositions()), positions),
                         attentionMask(op.getMask()), f64(op.getScale()), out(),
                         i64(windowOf(op)), f64(softcapOf(op)));
  });
}

// The fused backward ops skip results without uses (null pointers).
void attachFusedGrad(MLIRContext &c) {
  attach<RmsNormGradOp>(c, [](RmsNormGradOp op) {
    return STARCH_KERNEL(rmsNormGrad, in(0), in(1), in(2), f64(op.getEpsilon()),
                         outIfUsed(op, 0), outIfUsed(op, 1));
  });
  attach<LayerNormGradOp>(c, [](LayerNormGradOp op) {
    return STARCH_KERNEL(layerNormGrad, in(0), in(1), in(2), i64(op.getAxis()),
                         f64(op.getEpsilon()), outIfUsed(op, 0),
                         outIfUsed(op, 1), outIfUsed(op, 2));
  });
  // Operands: query, key, value, [bias or bits], [positions], out, d_out;
  // d_bias exists only with a bias.
  attach<AttentionGradOp>(c, [](AttentionGradOp op) {
    bool additive = static_cast<bool>(op.getBias());
    bool masked = additive || op.getBits();
    bool positioned = static_cast<bool>(op.getPositions());
    unsigned positions = masked ? 4 : 3;
    unsigned outIndex = positions + (positioned ? 1 : 0);
    return STARCH_KERNEL(attentionGrad, in(0), in(1), in(2), inIf(masked, 3),
                         inIf(positioned, positions), in(outIndex),
                         in(outIndex + 1), attentionMask(op.getMask()),
                         f64(op.getScale()), outIfUsed(op, 0), outIfUsed(op, 1),
                         outIfUsed(op, 2),
                         additive ? outIfUsed(op, 3) : noOut(),
                         i64(windowOf(op)), f64(softcapOf(op)));
  });
}

/// Rank groups (or pairs) as one flat list of ranks.
SmallVector<int64_t> flatRanks(ArrayAttr groups) {
  SmallVector<int64_t> ranks;
  for (Attribute group : groups) {
    ArrayRef<int64_t> members = cast<DenseI64ArrayAttr>(group).asArrayRef();
    ranks.append(members.begin(), members.end());
  }
  return ranks;
}

/// Ranks per group of `groups` (all groups have one size).
int64_t groupSizeOf(ArrayAttr groups) {
  return cast<DenseI64ArrayAttr>(groups[0]).size();
}

void attachCollectives(MLIRContext &c) {
  attach<AllReduceOp>(c, [](AllReduceOp op) {
    SmallVector<int64_t> ranks;
    int64_t groupSize = 0;
    if (auto groups = op.getGroups()) {
      ranks = flatRanks(*groups);
      groupSize = cast<DenseI64ArrayAttr>((*groups)[0]).size();
    }
    return STARCH_KERNEL(allReduce, in(0), collectiveKind(op.getReduce()),
                         i64s(ranks), i64(groupSize), out());
  });
  attach<ReduceScatterOp>(c, [](ReduceScatterOp op) {
    return STARCH_KERNEL(reduceScatter, in(0), collectiveKind(op.getReduce()),
                         i64(op.getDim()), i64s(flatRanks(op.getGroups())),
                         i64(groupSizeOf(op.getGroups())), out());
  });
  attach<AllGatherOp>(c, [](AllGatherOp op) {
    return STARCH_KERNEL(allGather, in(0), i64(op.getDim()),
                         i64s(flatRanks(op.getGroups())),
                         i64(groupSizeOf(op.getGroups())), out());
  });
  attach<LocalBlockOp>(c, [](LocalBlockOp op) {
    return STARCH_KERNEL(localBlock, in(0), i64(op.getDim()),
                         i64s(flatRanks(op.getGroups())),
                         i64(groupSizeOf(op.getGroups())), out());
  });
  attach<TokenDistributionOp>(c, [](TokenDistributionOp op) {
    return STARCH_KERNEL(tokenDistribution, in(0), i64(op.getParts()),
                         i64(op.getBlock()), tokenStrategy(op.getStrategy()),
                         out(0), out(1));
  });
  attach<SendOp>(c, [](SendOp op) {
    return STARCH_KERNEL(send, in(0), i64s(flatRanks(op.getPairs())));
  });
  attach<RecvOp>(c, [](RecvOp op) {
    return STARCH_KERNEL(recv, i64s(flatRanks(op.getPairs())), out());
  });
}

void attachTraining(MLIRContext &c) {
  attach<CrossEntropyOp>(c, [](CrossEntropyOp op) {
    return STARCH_KERNEL(crossEntropy, in(0), in(1),
                         i64(static_cast<int64_t>(op.getIgnoreIndex())), out());
  });
  attach<CrossEntropyGradOp>(c, [](CrossEntropyGradOp op) {
    return STARCH_KERNEL(crossEntropyGrad, in(0), in(1), in(2),
                         i64(static_cast<int64_t>(op.getIgnoreIndex())), out());
  });
  attach<CrossEntropyBlockOp>(c, [](CrossEntropyBlockOp) {
    return STARCH_KERNEL(crossEntropyBlock, in(0), in(1), in(2), in(3), out());
  });
  attach<CrossEntropyBlockGradOp>(c, [](CrossEntropyBlockGradOp) {
    return STARCH_KERNEL(crossEntropyBlockGrad, in(0), in(1), in(2), in(3),
                         in(4), out());
  });
  // lr and step are 0-d tensors computed by the step's schedule.
  attach<AdamWOp>(c, [](AdamWOp op) {
    return STARCH_KERNEL(
               adamw, in(0), in(1), inIf(op.getGradScale() != nullptr, 6),
               in(2), in(3), scalarOf<double>(4), scalarOf<int64_t>(5),
               STARCH_AGGREGATE(AdamWHyper, f64(op.getBeta1()),
                                f64(op.getBeta2()), f64(op.getEpsilon()),
                                f64(op.getWeightDecay())),
               out(0), out(1), out(2))
        // The parameter and its moments.
        .updatesInPlace(0, 0)
        .updatesInPlace(1, 2)
        .updatesInPlace(2, 3);
  });
}

} // namespace

void registerExecutionModels(DialectRegistry &registry) {
  registry.addExtension(+[](MLIRContext *context, StarchDialect *) {
    attachElementwise(*context);
    attachDataMovement(*context);
    attachContractions(*context);
    attachFused(*context);
    attachFusedGrad(*context);
    attachTraining(*context);
    attachCollectives(*context);
  });
}

} // namespace starch::exec
