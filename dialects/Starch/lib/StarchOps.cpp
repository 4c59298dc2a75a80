//===- StarchOps.cpp - Ops of the starch dialect --------------------------===//
//
// Generated op definitions, symbol checks, folders and canonicalization
// patterns. Shape verifiers live in StarchVerifiers.cpp.
//
//===----------------------------------------------------------------------===//
#include "starch/Dialect/StarchOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/Sequence.h"

using namespace mlir;
using namespace starch;

#include "starch/Dialect/StarchEnums.cpp.inc"

/// `[1.0, 0.60000002384185791]`: a list of f64 printed so that it reads back
/// to the same bits (DenseF64ArrayAttr's own syntax keeps 7 digits), for
/// factors such as starch.resize's scales that the arithmetic reads.
static ParseResult parseExactDoubles(OpAsmParser &parser,
                                     DenseF64ArrayAttr &attr) {
  SmallVector<double> values;
  if (parser.parseCommaSeparatedList(OpAsmParser::Delimiter::Square, [&] {
        double value;
        if (parser.parseFloat(value))
          return failure();
        values.push_back(value);
        return success();
      }))
    return failure();
  attr = DenseF64ArrayAttr::get(parser.getContext(), values);
  return success();
}

static void printExactDoubles(OpAsmPrinter &printer, Operation *,
                              DenseF64ArrayAttr attr) {
  printer << "[";
  llvm::interleaveComma(attr.asArrayRef(), printer, [&](double value) {
    SmallString<32> text;
    APFloat(value).toString(text, /*FormatPrecision=*/0,
                            /*FormatMaxPadding=*/8);
    if (text.find_first_of(".eE") == StringRef::npos)
      text += ".0";
    printer << text;
  });
  printer << "]";
}

#define GET_OP_CLASSES
#include "starch/Dialect/StarchOps.cpp.inc"

LogicalResult
ReadParamOp::verifySymbolUses(SymbolTableCollection &symbolTable) {
  auto param =
      symbolTable.lookupNearestSymbolFrom<ParamOp>(*this, getNameAttr());
  if (!param)
    return emitOpError() << "refers to " << getNameAttr()
                         << ", which is not a starch.param";
  if (param.getType() != getType())
    return emitOpError() << "has type " << getType() << " but " << getNameAttr()
                         << " is declared as " << param.getType();
  return success();
}

OpFoldResult ConstantOp::fold(FoldAdaptor) { return getValue(); }

namespace {
/// A splat constant restated with `type` (same element type), for ops that
/// only move elements around.
OpFoldResult resizedSplat(Attribute operand, ShapedType type) {
  auto dense = llvm::dyn_cast_if_present<DenseElementsAttr>(operand);
  if (!dense || !dense.isSplat())
    return {};
  return dense.resizeSplat(type);
}
} // namespace

OpFoldResult ReshapeOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getType())
    return getInput();
  if (auto dense =
          llvm::dyn_cast_if_present<DenseElementsAttr>(adaptor.getInput()))
    return dense.reshape(getType());
  // Row-major order is kept by both reshapes, so only the last one counts.
  if (auto producer = getInput().getDefiningOp<ReshapeOp>()) {
    getInputMutable().assign(producer.getInput());
    return getResult();
  }
  return {};
}

OpFoldResult SelectOp::fold(FoldAdaptor adaptor) {
  if (getOnTrue() == getOnFalse())
    return getOnTrue();
  auto condition =
      llvm::dyn_cast_if_present<DenseElementsAttr>(adaptor.getCondition());
  if (condition && condition.isSplat())
    return condition.getSplatValue<bool>() ? getOnTrue() : getOnFalse();
  return {};
}

OpFoldResult ConvertOp::fold(FoldAdaptor) {
  if (getInput().getType() == getType())
    return getInput();
  return {};
}

OpFoldResult BroadcastOp::fold(FoldAdaptor adaptor) {
  // Equal types leave `dims` no choice but the identity.
  if (getInput().getType() == getType())
    return getInput();
  return resizedSplat(adaptor.getInput(), getType());
}

OpFoldResult TransposeOp::fold(FoldAdaptor adaptor) {
  if (llvm::equal(getPerm(), llvm::seq<int64_t>(0, getPerm().size())))
    return getInput();
  if (OpFoldResult splat = resizedSplat(adaptor.getInput(), getType()))
    return splat;
  // result.shape[i] = x.shape[inner[outer[i]]]: one transpose of x.
  if (auto producer = getInput().getDefiningOp<TransposeOp>()) {
    SmallVector<int64_t> composed;
    for (int64_t p : getPerm())
      composed.push_back(producer.getPerm()[p]);
    getInputMutable().assign(producer.getInput());
    setPerm(composed);
    return getResult();
  }
  return {};
}

OpFoldResult ConcatOp::fold(FoldAdaptor) {
  if (getInputs().size() == 1 && getInputs().front().getType() == getType())
    return getInputs().front();
  return {};
}

OpFoldResult SliceOp::fold(FoldAdaptor adaptor) {
  auto input = getInput().getType();
  // A window of the whole dimension with stride 1 (or any stride on a size
  // 0/1 dimension) starts at 0 and takes everything in order.
  bool identity = input == getType();
  for (int64_t d = 0; identity && d < input.getRank(); ++d)
    identity = input.getDimSize(d) <= 1 || getStrides()[d] == 1;
  if (identity)
    return getInput();
  return resizedSplat(adaptor.getInput(), getType());
}

OpFoldResult PadOp::fold(FoldAdaptor) {
  if (llvm::all_of(getLow(), [](int64_t n) { return n == 0; }) &&
      llvm::all_of(getHigh(), [](int64_t n) { return n == 0; }))
    return getInput();
  return {};
}

OpFoldResult ReduceOp::fold(FoldAdaptor) {
  // Nothing reduced: each result element combines exactly one element.
  if (getDims().empty() && getInput().getType() == getType())
    return getInput();
  return {};
}

namespace {
/// `matmul(transpose(x), y)` with the transpose swapping only the last two
/// dimensions is `matmul(x transposed, y)` (and the same on the right, or
/// back again for an operand already read transposed): the GEMM reads it
/// through its flag instead of a copy.
struct FoldLastTwoTranspose : OpRewritePattern<MatmulOp> {
  using OpRewritePattern::OpRewritePattern;

  static TransposeOp swapOfLastTwo(Value v) {
    auto transpose = v.getDefiningOp<TransposeOp>();
    if (!transpose)
      return {};
    ArrayRef<int64_t> perm = transpose.getPerm();
    int64_t rank = perm.size();
    for (int64_t i = 0; i < rank - 2; ++i)
      if (perm[i] != i)
        return {};
    return rank >= 2 && perm[rank - 2] == rank - 1 && perm[rank - 1] == rank - 2
               ? transpose
               : TransposeOp();
  }

  LogicalResult matchAndRewrite(MatmulOp op,
                                PatternRewriter &rewriter) const override {
    TransposeOp lhs = swapOfLastTwo(op.getLhs()),
                rhs = swapOfLastTwo(op.getRhs());
    if (!lhs && !rhs)
      return failure();
    rewriter.modifyOpInPlace(op, [&] {
      if (lhs) {
        op.getLhsMutable().assign(lhs.getInput());
        op.setTransposeLhs(!op.getTransposeLhs());
      }
      if (rhs) {
        op.getRhsMutable().assign(rhs.getInput());
        op.setTransposeRhs(!op.getTransposeRhs());
      }
    });
    return success();
  }
};
} // namespace

void MatmulOp::getCanonicalizationPatterns(RewritePatternSet &patterns,
                                           MLIRContext *context) {
  patterns.add<FoldLastTwoTranspose>(context);
}
