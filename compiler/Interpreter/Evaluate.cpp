//===- Evaluate.cpp - One starch op on host tensors -----------------------===//
//
// Maps each op onto a runtime kernel. Types are checked here, from the IR, so
// the kernels only see tensors the verifier already accepted.
//
//===----------------------------------------------------------------------===//
#include "compiler/Interpreter/Interpreter.h"

#include "runtime/kernels/Kernels.h"
#include "starch/Dialect/StarchOps.h"

#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;

namespace starch::interp {

namespace {

/// The runtime type of `value`'s tensor type, or a diagnostic on `op`.
FailureOr<rt::DType> dtypeOfValue(Operation *op, Value value) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  if (type && type.hasStaticShape())
    if (std::optional<rt::DType> dtype = dtypeOf(type.getElementType()))
      return *dtype;
  return op->emitOpError() << "has type " << value.getType()
                           << ", which the interpreter does not support";
}

/// An uninitialised tensor of `value`'s type: every kernel writes all of its
/// output.
rt::Tensor allocateFor(Value value) {
  auto type = cast<RankedTensorType>(value.getType());
  return rt::Tensor::uninitialized(
      *dtypeOf(type.getElementType()),
      rt::Shape(type.getShape().begin(), type.getShape().end()));
}

std::vector<int64_t> toVector(ArrayRef<int64_t> values) {
  return std::vector<int64_t>(values.begin(), values.end());
}

rt::UnaryKind unaryKindOf(Operation *op) {
  return TypeSwitch<Operation *, rt::UnaryKind>(op)
      .Case([](NegOp) { return rt::UnaryKind::neg; })
      .Case([](AbsOp) { return rt::UnaryKind::abs; })
      .Case([](ExpOp) { return rt::UnaryKind::exp; })
      .Case([](LogOp) { return rt::UnaryKind::log; })
      .Case([](SqrtOp) { return rt::UnaryKind::sqrt; })
      .Case([](RsqrtOp) { return rt::UnaryKind::rsqrt; })
      .Case([](ReciprocalOp) { return rt::UnaryKind::reciprocal; })
      .Case([](TanhOp) { return rt::UnaryKind::tanh; })
      .Case([](ErfOp) { return rt::UnaryKind::erf; })
      .Case([](SinOp) { return rt::UnaryKind::sin; })
      .Case([](CosOp) { return rt::UnaryKind::cos; })
      .Case([](SigmoidOp) { return rt::UnaryKind::sigmoid; })
      .Case([](ReluOp) { return rt::UnaryKind::relu; })
      .Case([](FloorOp) { return rt::UnaryKind::floor; })
      .Case([](CeilOp) { return rt::UnaryKind::ceil; })
      .Case([](SignOp) { return rt::UnaryKind::sign; })
      .Case([](NotOp) { return rt::UnaryKind::logicalNot; })
      .Case([](SiluOp) { return rt::UnaryKind::silu; })
      .Case([](GeluOp gelu) {
        switch (gelu.getApproximate()) {
        case GeluApproximation::tanh:
          return rt::UnaryKind::geluTanh;
        case GeluApproximation::sigmoid:
          return rt::UnaryKind::geluSigmoid;
        case GeluApproximation::none:
          break;
        }
        return rt::UnaryKind::geluErf;
      });
}

bool isUnary(Operation *op) {
  return isa<NegOp, AbsOp, ExpOp, LogOp, SqrtOp, RsqrtOp, ReciprocalOp, TanhOp,
             ErfOp, SinOp, CosOp, SigmoidOp, ReluOp, FloorOp, CeilOp, SignOp,
             NotOp, SiluOp, GeluOp>(op);
}

std::optional<rt::BinaryKind> binaryKindOf(Operation *op) {
  return TypeSwitch<Operation *, std::optional<rt::BinaryKind>>(op)
      .Case([](AddOp) { return rt::BinaryKind::add; })
      .Case([](SubOp) { return rt::BinaryKind::sub; })
      .Case([](MulOp) { return rt::BinaryKind::mul; })
      .Case([](DivOp) { return rt::BinaryKind::div; })
      .Case([](RemOp) { return rt::BinaryKind::rem; })
      .Case([](PowOp) { return rt::BinaryKind::pow; })
      .Case([](MaxOp) { return rt::BinaryKind::max; })
      .Case([](MinOp) { return rt::BinaryKind::min; })
      .Case([](AndOp) { return rt::BinaryKind::logicalAnd; })
      .Case([](OrOp) { return rt::BinaryKind::logicalOr; })
      .Case([](XorOp) { return rt::BinaryKind::logicalXor; })
      .Default([](Operation *) { return std::nullopt; });
}

rt::CompareKind compareKindOf(CompareDirection direction) {
  switch (direction) {
  case CompareDirection::eq:
    return rt::CompareKind::eq;
  case CompareDirection::ne:
    return rt::CompareKind::ne;
  case CompareDirection::lt:
    return rt::CompareKind::lt;
  case CompareDirection::le:
    return rt::CompareKind::le;
  case CompareDirection::gt:
    return rt::CompareKind::gt;
  case CompareDirection::ge:
    return rt::CompareKind::ge;
  }
  return rt::CompareKind::eq;
}

rt::ReduceKind reduceKindOf(ReduceKind kind) {
  switch (kind) {
  case ReduceKind::sum:
    return rt::ReduceKind::sum;
  case ReduceKind::mean:
    return rt::ReduceKind::mean;
  case ReduceKind::max:
    return rt::ReduceKind::max;
  case ReduceKind::min:
    return rt::ReduceKind::min;
  case ReduceKind::prod:
    return rt::ReduceKind::prod;
  }
  return rt::ReduceKind::sum;
}

rt::AttentionMask maskOf(AttentionMaskKind kind) {
  switch (kind) {
  case AttentionMaskKind::full:
    return rt::AttentionMask::full;
  case AttentionMaskKind::causal:
    return rt::AttentionMask::causal;
  case AttentionMaskKind::additive:
    return rt::AttentionMask::additive;
  case AttentionMaskKind::bitfield:
    return rt::AttentionMask::bitfield;
  }
  return rt::AttentionMask::full;
}

/// Runs the kernel of `op` into `out` (allocated with the result type).
/// Returns std::nullopt for ops that are not handled here.
std::optional<rt::Status> runKernel(Operation *op, ArrayRef<rt::Tensor> in,
                                    rt::Tensor &out) {
  if (isUnary(op))
    return rt::unary(unaryKindOf(op), in[0], out);
  if (std::optional<rt::BinaryKind> kind = binaryKindOf(op))
    return rt::binary(*kind, in[0], in[1], out);
  return TypeSwitch<Operation *, std::optional<rt::Status>>(op)
      .Case([&](CompareOp cmp) {
        return rt::compare(compareKindOf(cmp.getDirection()), in[0], in[1],
                           out);
      })
      .Case([&](SelectOp) { return rt::select(in[0], in[1], in[2], out); })
      .Case([&](ConvertOp) { return rt::convert(in[0], out); })
      .Case([&](IotaOp iota) { return rt::iota(iota.getDim(), out); })
      .Case([&](BroadcastOp b) {
        return rt::broadcast(in[0], toVector(b.getDims()), out);
      })
      .Case([&](TransposeOp t) {
        return rt::transpose(in[0], toVector(t.getPerm()), out);
      })
      .Case([&](ConcatOp c) {
        return rt::concat(std::vector<rt::Tensor>(in.begin(), in.end()),
                          c.getAxis(), out);
      })
      .Case([&](SliceOp s) {
        return rt::slice(in[0], toVector(s.getStart()),
                         toVector(s.getStrides()), out);
      })
      .Case([&](PadOp p) {
        return rt::pad(in[0], toVector(p.getLow()), toVector(p.getHigh()),
                       p.getValueAttr().getValueAsDouble(), out);
      })
      .Case([&](GatherOp g) {
        return rt::gather(in[0], in[1], g.getAxis(), out);
      })
      .Case([&](MatmulOp) { return rt::matmul(in[0], in[1], out); })
      .Case([&](ReduceOp r) {
        return rt::reduce(reduceKindOf(r.getKind()), in[0],
                          toVector(r.getDims()), out);
      })
      .Case([&](ArgMaxOp a) { return rt::argmax(in[0], a.getAxis(), out); })
      .Case([&](CumSumOp c) {
        return rt::cumsum(in[0], c.getAxis(), c.getExclusive(), c.getReverse(),
                          out);
      })
      .Case([&](SoftmaxOp s) {
        return rt::softmax(in[0], s.getAxis(), /*logarithm=*/false, out);
      })
      .Case([&](LogSoftmaxOp s) {
        return rt::softmax(in[0], s.getAxis(), /*logarithm=*/true, out);
      })
      .Case([&](ConvOp c) {
        rt::ConvParams params;
        params.strides = toVector(c.getStrides());
        params.padLow = toVector(c.getPadLow());
        params.padHigh = toVector(c.getPadHigh());
        params.dilations = toVector(c.getDilations());
        params.groups = c.getGroups();
        return rt::conv(in[0], in[1], params, out);
      })
      .Case([&](RmsNormOp n) {
        return rt::rmsNorm(in[0], in[1], n.getEpsilonAttr().getValueAsDouble(),
                           out);
      })
      .Case([&](LayerNormOp n) {
        return rt::layerNorm(in[0], in[1], in[2], n.getAxis(),
                             n.getEpsilonAttr().getValueAsDouble(), out);
      })
      .Case([&](RopeOp) { return rt::rope(in[0], in[1], in[2], out); })
      .Case([&](AttentionOp a) {
        // Operand 3, when there, is what the mask reads: bias or bits.
        bool masked = a.getBias() || a.getBits();
        return rt::attention(in[0], in[1], in[2], masked ? &in[3] : nullptr,
                             maskOf(a.getMask()),
                             a.getScaleAttr().getValueAsDouble(), out);
      })
      .Case([&](CrossEntropyOp c) {
        return rt::crossEntropy(in[0], in[1], c.getIgnoreIndex(), out);
      })
      .Case([&](CrossEntropyGradOp c) {
        return rt::crossEntropyGrad(in[0], in[1], in[2], c.getIgnoreIndex(),
                                    out);
      })
      .Default([](Operation *) { return std::nullopt; });
}

/// starch.adamw, the one op with several results.
LogicalResult evaluateAdamW(AdamWOp op, ArrayRef<rt::Tensor> in,
                            SmallVectorImpl<rt::Tensor> &results) {
  rt::AdamWHyper hyper;
  hyper.beta1 = op.getBeta1().convertToDouble();
  hyper.beta2 = op.getBeta2().convertToDouble();
  hyper.epsilon = op.getEpsilon().convertToDouble();
  hyper.weightDecay = op.getWeightDecay().convertToDouble();
  rt::Tensor param = allocateFor(op.getNewParam());
  rt::Tensor expAvg = allocateFor(op.getNewExpAvg());
  rt::Tensor expAvgSq = allocateFor(op.getNewExpAvgSq());
  rt::Status status = rt::adamw(in[0], in[1], in[2], in[3],
                                in[4].data<double>()[0],
                                in[5].data<int64_t>()[0], hyper, param, expAvg,
                                expAvgSq);
  if (!status.ok())
    return op.emitOpError() << "cannot be evaluated: " << status.message();
  results.append({param, expAvg, expAvgSq});
  return success();
}

/// The fused backward ops, with several results. A result without uses is
/// not computed (the kernels take null for it) and comes back empty.
std::optional<LogicalResult>
evaluateFusedGrad(Operation *op, ArrayRef<rt::Tensor> in,
                  SmallVectorImpl<rt::Tensor> &results) {
  if (!isa<RmsNormGradOp, LayerNormGradOp, AttentionGradOp>(op))
    return std::nullopt;
  SmallVector<rt::Tensor> outs;
  SmallVector<rt::Tensor *> wanted;
  outs.reserve(op->getNumResults());
  for (Value result : op->getResults())
    outs.push_back(result.use_empty() ? rt::Tensor() : allocateFor(result));
  for (auto [result, out] : llvm::zip(op->getResults(), outs))
    wanted.push_back(result.use_empty() ? nullptr : &out);
  rt::Status status =
      TypeSwitch<Operation *, rt::Status>(op)
          .Case([&](RmsNormGradOp n) {
            return rt::rmsNormGrad(in[0], in[1], in[2],
                                   n.getEpsilon().convertToDouble(), wanted[0],
                                   wanted[1]);
          })
          .Case([&](LayerNormGradOp n) {
            return rt::layerNormGrad(in[0], in[1], in[2], n.getAxis(),
                                     n.getEpsilon().convertToDouble(),
                                     wanted[0], wanted[1], wanted[2]);
          })
          .Case([&](AttentionGradOp a) {
            // Operand 3, when there, is what the mask reads: bias or bits.
            bool additive = static_cast<bool>(a.getBias());
            bool masked = additive || a.getBits();
            size_t out = masked ? 4 : 3;
            return rt::attentionGrad(
                in[0], in[1], in[2], masked ? &in[3] : nullptr, in[out],
                in[out + 1], maskOf(a.getMask()),
                a.getScale().convertToDouble(), wanted[0], wanted[1], wanted[2],
                additive ? wanted[3] : nullptr);
          });
  if (!status.ok())
    return op->emitOpError() << "cannot be evaluated: " << status.message();
  results.append(outs.begin(), outs.end());
  return success();
}

} // namespace

LogicalResult evaluateOp(Operation *op, llvm::ArrayRef<rt::Tensor> operands,
                         llvm::SmallVectorImpl<rt::Tensor> &results) {
  if (operands.size() != op->getNumOperands())
    return op->emitOpError()
           << "was given " << operands.size()
           << " operands to evaluate, expected " << op->getNumOperands();
  for (Value value : op->getOperands())
    if (failed(dtypeOfValue(op, value)))
      return failure();
  for (Value value : op->getResults())
    if (failed(dtypeOfValue(op, value)))
      return failure();
  for (auto [value, tensor] : llvm::zip(op->getOperands(), operands)) {
    auto type = cast<RankedTensorType>(value.getType());
    if (tensor.dtype() != *dtypeOf(type.getElementType()) ||
        ArrayRef<int64_t>(tensor.shape()) != type.getShape())
      return op->emitOpError()
             << "was given a " << rt::shapeString(tensor.shape()) << " "
             << rt::dtypeName(tensor.dtype())
             << " tensor for an operand of type " << type;
  }

  if (auto constant = dyn_cast<ConstantOp>(op)) {
    rt::Tensor t = tensorFromAttr(constant.getValue());
    if (t.empty())
      return op->emitOpError() << "has a constant the interpreter cannot read";
    results.push_back(t);
    return success();
  }
  if (isa<ReshapeOp>(op)) {
    rt::Tensor shaped = allocateFor(op->getResult(0));
    results.push_back(operands[0].reshaped(shaped.shape()));
    return success();
  }
  if (isa<ReadParamOp>(op))
    return op->emitOpError()
           << "reads a parameter; evaluate it with an Interpreter";
  if (auto adamw = dyn_cast<AdamWOp>(op))
    return evaluateAdamW(adamw, operands, results);
  if (std::optional<LogicalResult> fused =
          evaluateFusedGrad(op, operands, results))
    return *fused;
  if (op->getNumResults() != 1)
    return op->emitOpError() << "is not supported by the interpreter";

  rt::Tensor out = allocateFor(op->getResult(0));
  std::optional<rt::Status> status = runKernel(op, operands, out);
  if (!status)
    return op->emitOpError() << "is not supported by the interpreter";
  if (!status->ok())
    return op->emitOpError() << "cannot be evaluated: " << status->message();
  results.push_back(out);
  return success();
}

} // namespace starch::interp
