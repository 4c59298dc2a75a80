//===- LowerEinsum.cpp - ONNX Einsum --------------------------------------===//
#include "compiler/Import/NodeImporter.h"
#include "llvm/ADT/DenseMap.h"

#include <cctype>

using namespace mlir;

namespace starch::import {
namespace {

/// One operand of an Einsum: its value and one label per dimension.
struct EinsumOperand {
  Value value;
  std::string labels;
};

/// Sums `operand` over the labels not in `keep`.
EinsumOperand sumOutLabels(NodeImporter &node, EinsumOperand operand,
                           StringRef keep) {
  ArrayRef<int64_t> dims = shapeOf(operand.value);
  SmallVector<int64_t> reduced, kept;
  std::string labels;
  for (auto [d, label] : llvm::enumerate(operand.labels)) {
    if (keep.contains(label)) {
      kept.push_back(dims[d]);
      labels += label;
    } else {
      reduced.push_back(d);
    }
  }
  if (reduced.empty())
    return operand;
  Value sum = node.create<ReduceOp>(
      node.tensorType(kept, elementTypeOf(operand.value)), ReduceKind::sum,
      operand.value, node.builder().getDenseI64ArrayAttr(reduced));
  return {sum, labels};
}

/// Transposes `operand` so that its labels read `order`.
Value permuteTo(NodeImporter &node, const EinsumOperand &operand,
                StringRef order) {
  SmallVector<int64_t> perm;
  for (char label : order)
    perm.push_back(operand.labels.find(label));
  if (llvm::equal(perm, llvm::seq<int64_t>(0, perm.size())))
    return operand.value;
  return node.transpose(operand.value, perm);
}

/// Einsum with one or two operands and no repeated label within an operand:
/// labels only in one operand and not in the output are summed first; two
/// operands become one batched matmul (batch = shared output labels,
/// contraction = shared labels not in the output), reshaped and transposed
/// into the output's order. "..." stands for the leading dimensions.
LogicalResult lowerEinsum(NodeImporter &node) {
  std::string equation;
  for (char c : node.stringAttr("equation", ""))
    if (c != ' ')
      equation += c;
  auto [inputsText, outputText] = StringRef(equation).split("->");
  bool explicitOutput = StringRef(equation).contains("->");
  SmallVector<StringRef> terms;
  inputsText.split(terms, ',');
  if (static_cast<int>(terms.size()) != node.numInputs() || terms.size() > 2)
    return node.fail(
        "equation '" + equation +
        "': only one or two operands are supported, one term each");
  // Ellipsis dimensions (right-aligned across operands) get the labels
  // '0', '1', ..., which no equation uses.
  int64_t ellipsisRank = 0;
  for (auto [i, term] : llvm::enumerate(terms))
    if (term.contains("...")) {
      Value value = node.input(i);
      if (!value)
        return failure();
      ellipsisRank = std::max<int64_t>(
          ellipsisRank, static_cast<int64_t>(shapeOf(value).size()) -
                            static_cast<int64_t>(term.size() - 3));
    }
  SmallVector<EinsumOperand> operands;
  for (auto [i, term] : llvm::enumerate(terms)) {
    Value value = node.input(i);
    if (!value)
      return failure();
    if (!isa<FloatType>(elementTypeOf(value)))
      return node.fail("operands must be float tensors");
    int64_t rank = shapeOf(value).size();
    std::string labels = term.str();
    if (size_t at = labels.find("..."); at != std::string::npos) {
      int64_t count = rank - static_cast<int64_t>(labels.size() - 3);
      if (count < 0)
        return node.fail("term '" + term.str() +
                         "' has more labels than rank " + std::to_string(rank));
      std::string generated;
      for (int64_t k = 0; k < count; ++k)
        generated += static_cast<char>('0' + (ellipsisRank - count + k));
      labels.replace(at, 3, generated);
    }
    if (static_cast<int64_t>(labels.size()) != rank)
      return node.fail("term '" + term.str() + "' does not match rank " +
                       std::to_string(rank));
    for (char label : labels)
      if (llvm::count(labels, label) > 1)
        return node.fail("repeated label '" + std::string(1, label) +
                         "' in one term (diagonals) is not supported");
    operands.push_back({value, labels});
  }
  std::string ellipsis;
  for (int64_t k = 0; k < ellipsisRank; ++k)
    ellipsis += static_cast<char>('0' + k);
  std::string output;
  if (explicitOutput) {
    output = outputText.str();
    if (size_t at = output.find("..."); at != std::string::npos)
      output.replace(at, 3, ellipsis);
  } else {
    // Implicit output: the ellipsis, then labels used once, alphabetically.
    std::string once;
    for (const auto &operand : operands)
      for (char label : operand.labels)
        if (std::isalpha(static_cast<unsigned char>(label)) &&
            llvm::count(operands[0].labels + (operands.size() > 1
                                                  ? operands[1].labels
                                                  : std::string()),
                        label) == 1)
          once += label;
    llvm::sort(once);
    output = ellipsis + once;
  }
  // Sizes agree per label.
  llvm::DenseMap<char, int64_t> sizes;
  for (const auto &operand : operands)
    for (auto [d, label] : llvm::enumerate(operand.labels)) {
      int64_t size = shapeOf(operand.value)[d];
      auto [it, inserted] = sizes.try_emplace(label, size);
      if (!inserted && it->second != size)
        return node.fail("label '" + std::string(1, label) + "' has sizes " +
                         std::to_string(it->second) + " and " +
                         std::to_string(size));
    }
  for (char label : output)
    if (!sizes.count(label))
      return node.fail("output label '" + std::string(1, label) +
                       "' is in no operand");
  Type elementType = elementTypeOf(operands[0].value);
  if (operands.size() == 1) {
    EinsumOperand summed = sumOutLabels(node, operands[0], output);
    node.setOutput(0, permuteTo(node, summed, output));
    return success();
  }
  // Sum labels that only one operand has and the output lacks.
  std::string lhsKeep = output + operands[1].labels;
  std::string rhsKeep = output + operands[0].labels;
  EinsumOperand lhs = sumOutLabels(node, operands[0], lhsKeep);
  EinsumOperand rhs = sumOutLabels(node, operands[1], rhsKeep);
  std::string batch, contract, lhsFree, rhsFree;
  for (char label : lhs.labels) {
    bool shared = StringRef(rhs.labels).contains(label);
    bool kept = StringRef(output).contains(label);
    (shared ? (kept ? batch : contract) : lhsFree) += label;
  }
  for (char label : rhs.labels)
    if (!StringRef(lhs.labels).contains(label))
      rhsFree += label;
  auto product = [&](StringRef labels) {
    int64_t total = 1;
    for (char label : labels)
      total *= sizes[label];
    return total;
  };
  int64_t b = product(batch), m = product(lhsFree), k = product(contract),
          n = product(rhsFree);
  Value left =
      node.reshape(permuteTo(node, lhs, batch + lhsFree + contract), {b, m, k});
  Value right =
      node.reshape(permuteTo(node, rhs, batch + contract + rhsFree), {b, k, n});
  Value result = node.create<MatmulOp>(node.tensorType({b, m, n}, elementType),
                                       left, right);
  std::string labels = batch + lhsFree + rhsFree;
  SmallVector<int64_t> shape;
  for (char label : labels)
    shape.push_back(sizes[label]);
  result = node.reshape(result, shape);
  node.setOutput(0, permuteTo(node, {result, labels}, output));
  return success();
}

} // namespace

void registerEinsumLowerings(llvm::StringMap<Lowering> &table) {
  table["Einsum"] = lowerEinsum;
}

} // namespace starch::import
