//===- KernelCalls.cpp - The runtime call that computes one op ------------===//
#include "compiler/Codegen/KernelCalls.h"

#include "starch/Dialect/StarchOps.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

namespace starch::codegen {

std::string listLiteral(ArrayRef<int64_t> values) {
  std::string text = "{";
  llvm::raw_string_ostream os(text);
  llvm::interleaveComma(values, os);
  os << "}";
  return text;
}

std::string doubleLiteral(double value) {
  if (std::isinf(value))
    return value > 0 ? "HUGE_VAL" : "-HUGE_VAL";
  if (std::isnan(value))
    return "NAN";
  std::string text;
  llvm::raw_string_ostream(text) << llvm::format("%.17g", value);
  if (text.find_first_of(".eE") == std::string::npos)
    text += ".0";
  return text;
}

namespace {

/// The rt::UnaryKind enumerator of a unary op.
std::optional<std::string> unaryKind(Operation *op) {
  if (auto gelu = dyn_cast<GeluOp>(op)) {
    switch (gelu.getApproximate()) {
    case GeluApproximation::tanh:
      return "geluTanh";
    case GeluApproximation::sigmoid:
      return "geluSigmoid";
    case GeluApproximation::none:
      return "geluErf";
    }
  }
  if (isa<NotOp>(op))
    return "logicalNot";
  if (isa<NegOp, AbsOp, ExpOp, LogOp, SqrtOp, RsqrtOp, ReciprocalOp, TanhOp,
          ErfOp, SinOp, CosOp, SigmoidOp, ReluOp, FloorOp, CeilOp, SignOp,
          SiluOp>(op))
    return op->getName().stripDialect().str();
  return std::nullopt;
}

std::optional<std::string> binaryKind(Operation *op) {
  if (isa<AndOp>(op))
    return "logicalAnd";
  if (isa<OrOp>(op))
    return "logicalOr";
  if (isa<XorOp>(op))
    return "logicalXor";
  if (isa<AddOp, SubOp, MulOp, DivOp, RemOp, PowOp, MaxOp, MinOp>(op))
    return op->getName().stripDialect().str();
  return std::nullopt;
}

/// `&name` for a result with uses, `nullptr` for one that the fused backward
/// kernels need not compute.
std::string optionalResult(Operation *op, ArrayRef<std::string> out,
                           unsigned index) {
  return op->getResult(index).use_empty() ? "nullptr" : "&" + out[index];
}

} // namespace

std::optional<std::string> kernelCall(Operation *op, ArrayRef<std::string> in,
                                      ArrayRef<std::string> out) {
  std::string text;
  llvm::raw_string_ostream os(text);
  if (std::optional<std::string> kind = unaryKind(op)) {
    os << "unary(UnaryKind::" << *kind << ", " << in[0] << ", " << out[0]
       << ")";
    return text;
  }
  if (std::optional<std::string> kind = binaryKind(op)) {
    os << "binary(BinaryKind::" << *kind << ", " << in[0] << ", " << in[1]
       << ", " << out[0] << ")";
    return text;
  }
  bool handled =
      llvm::TypeSwitch<Operation *, bool>(op)
          .Case([&](CompareOp c) {
            os << "compare(CompareKind::"
               << stringifyCompareDirection(c.getDirection()) << ", " << in[0]
               << ", " << in[1] << ", " << out[0] << ")";
            return true;
          })
          .Case([&](SelectOp) {
            os << "select(" << in[0] << ", " << in[1] << ", " << in[2] << ", "
               << out[0] << ")";
            return true;
          })
          .Case([&](ConvertOp) {
            os << "convert(" << in[0] << ", " << out[0] << ")";
            return true;
          })
          .Case([&](IotaOp i) {
            os << "iota(" << i.getDim() << ", " << out[0] << ")";
            return true;
          })
          .Case([&](BroadcastOp b) {
            os << "broadcast(" << in[0] << ", " << listLiteral(b.getDims())
               << ", " << out[0] << ")";
            return true;
          })
          .Case([&](TransposeOp t) {
            os << "transpose(" << in[0] << ", " << listLiteral(t.getPerm())
               << ", " << out[0] << ")";
            return true;
          })
          .Case([&](ConcatOp c) {
            os << "concat({" << llvm::join(in, ", ") << "}, " << c.getAxis()
               << ", " << out[0] << ")";
            return true;
          })
          .Case([&](SliceOp s) {
            os << "slice(" << in[0] << ", " << listLiteral(s.getStart())
               << ", " << listLiteral(s.getStrides()) << ", " << out[0] << ")";
            return true;
          })
          .Case([&](PadOp p) {
            os << "pad(" << in[0] << ", " << listLiteral(p.getLow()) << ", "
               << listLiteral(p.getHigh()) << ", "
               << doubleLiteral(p.getValueAttr().getValueAsDouble()) << ", "
               << out[0] << ")";
            return true;
          })
          .Case([&](GatherOp g) {
            os << "gather(" << in[0] << ", " << in[1] << ", " << g.getAxis()
               << ", " << out[0] << ")";
            return true;
          })
          .Case([&](MatmulOp) {
            os << "matmul(" << in[0] << ", " << in[1] << ", " << out[0] << ")";
            return true;
          })
          .Case([&](ReduceOp r) {
            os << "reduce(ReduceKind::" << stringifyReduceKind(r.getKind())
               << ", " << in[0] << ", " << listLiteral(r.getDims()) << ", "
               << out[0] << ")";
            return true;
          })
          .Case([&](ArgMaxOp a) {
            os << "argmax(" << in[0] << ", " << a.getAxis() << ", " << out[0]
               << ")";
            return true;
          })
          .Case([&](CumSumOp c) {
            os << "cumsum(" << in[0] << ", " << c.getAxis()
               << ", /*exclusive=*/" << (c.getExclusive() ? "true" : "false")
               << ", /*reverse=*/" << (c.getReverse() ? "true" : "false")
               << ", " << out[0] << ")";
            return true;
          })
          .Case([&](SoftmaxOp s) {
            os << "softmax(" << in[0] << ", " << s.getAxis()
               << ", /*logarithm=*/false, " << out[0] << ")";
            return true;
          })
          .Case([&](LogSoftmaxOp s) {
            os << "softmax(" << in[0] << ", " << s.getAxis()
               << ", /*logarithm=*/true, " << out[0] << ")";
            return true;
          })
          .Case([&](ConvOp c) {
            os << "conv(" << in[0] << ", " << in[1] << ", ConvParams{"
               << listLiteral(c.getStrides()) << ", "
               << listLiteral(c.getPadLow()) << ", "
               << listLiteral(c.getPadHigh()) << ", "
               << listLiteral(c.getDilations()) << ", " << c.getGroups()
               << "}, " << out[0] << ")";
            return true;
          })
          .Case([&](RmsNormOp n) {
            os << "rmsNorm(" << in[0] << ", " << in[1] << ", "
               << doubleLiteral(n.getEpsilon().convertToDouble()) << ", "
               << out[0] << ")";
            return true;
          })
          .Case([&](LayerNormOp n) {
            os << "layerNorm(" << in[0] << ", " << in[1] << ", " << in[2]
               << ", " << n.getAxis() << ", "
               << doubleLiteral(n.getEpsilon().convertToDouble()) << ", "
               << out[0] << ")";
            return true;
          })
          .Case([&](RopeOp) {
            os << "rope(" << in[0] << ", " << in[1] << ", " << in[2] << ", "
               << out[0] << ")";
            return true;
          })
          .Case([&](AttentionOp a) {
            // Operand 3, when there, is what the mask reads: bias or bits.
            bool masked = a.getBias() || a.getBits();
            os << "attention(" << in[0] << ", " << in[1] << ", " << in[2]
               << ", " << (masked ? "&" + in[3] : "nullptr")
               << ", AttentionMask::" << stringifyAttentionMaskKind(a.getMask())
               << ", " << doubleLiteral(a.getScale().convertToDouble()) << ", "
               << out[0] << ")";
            return true;
          })
          .Case([&](RmsNormGradOp n) {
            os << "rmsNormGrad(" << in[0] << ", " << in[1] << ", " << in[2]
               << ", " << doubleLiteral(n.getEpsilon().convertToDouble())
               << ", " << optionalResult(op, out, 0) << ", "
               << optionalResult(op, out, 1) << ")";
            return true;
          })
          .Case([&](LayerNormGradOp n) {
            os << "layerNormGrad(" << in[0] << ", " << in[1] << ", " << in[2]
               << ", " << n.getAxis() << ", "
               << doubleLiteral(n.getEpsilon().convertToDouble()) << ", "
               << optionalResult(op, out, 0) << ", "
               << optionalResult(op, out, 1) << ", "
               << optionalResult(op, out, 2) << ")";
            return true;
          })
          .Case([&](AttentionGradOp a) {
            bool additive = static_cast<bool>(a.getBias());
            bool masked = additive || a.getBits();
            size_t outIndex = masked ? 4 : 3;
            os << "attentionGrad(" << in[0] << ", " << in[1] << ", " << in[2]
               << ", " << (masked ? "&" + in[3] : "nullptr") << ", "
               << in[outIndex] << ", " << in[outIndex + 1]
               << ", AttentionMask::" << stringifyAttentionMaskKind(a.getMask())
               << ", " << doubleLiteral(a.getScale().convertToDouble()) << ", "
               << optionalResult(op, out, 0) << ", "
               << optionalResult(op, out, 1) << ", "
               << optionalResult(op, out, 2) << ", "
               << (additive ? optionalResult(op, out, 3) : "nullptr") << ")";
            return true;
          })
          .Case([&](CrossEntropyOp c) {
            os << "crossEntropy(" << in[0] << ", " << in[1] << ", "
               << static_cast<int64_t>(c.getIgnoreIndex()) << ", " << out[0] << ")";
            return true;
          })
          .Case([&](CrossEntropyGradOp c) {
            os << "crossEntropyGrad(" << in[0] << ", " << in[1] << ", "
               << in[2] << ", " << static_cast<int64_t>(c.getIgnoreIndex()) << ", " << out[0]
               << ")";
            return true;
          })
          .Case([&](AdamWOp a) {
            os << "adamw(" << in[0] << ", " << in[1] << ", " << in[2] << ", "
               << in[3] << ", scalarOf<double>(" << in[4]
               << "), scalarOf<int64_t>(" << in[5] << "), AdamWHyper{"
               << doubleLiteral(a.getBeta1().convertToDouble()) << ", "
               << doubleLiteral(a.getBeta2().convertToDouble()) << ", "
               << doubleLiteral(a.getEpsilon().convertToDouble()) << ", "
               << doubleLiteral(a.getWeightDecay().convertToDouble()) << "}, "
               << out[0] << ", " << out[1] << ", " << out[2] << ")";
            return true;
          })
          .Default([](Operation *) { return false; });
  if (!handled)
    return std::nullopt;
  return text;
}

} // namespace starch::codegen
