//===- Repeats.cpp - Runs of a function body that repeat one period -------===//
//
// Candidates come from a polynomial hash of each op's signature (name,
// attributes without layer tag and parameter name, types): two windows of
// `period` ops with equal hashes are compared op by op, and their wiring
// checked, before a run is taken. At each position the run that saves the
// most ops wins, so the optimizer's ops repeat per layer (nine parameters of
// different shapes) rather than per pair of same-shaped parameters.
//
//===----------------------------------------------------------------------===//
#include "compiler/Codegen/Repeats.h"

#include "compiler/Execution/ExecutionInterface.h"
#include "starch/Dialect/StarchDialect.h"
#include "starch/Dialect/StarchOps.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/Hashing.h"

#include <functional>

using namespace mlir;

namespace starch::codegen {

bool isLoopLocal(Operation *op) {
  return exec::isView(op) || isa<ConstantOp>(op);
}

namespace {

/// What two ops of corresponding positions must share.
struct Signature {
  OperationName name;
  DictionaryAttr attributes;
  uint64_t hash;
};

Signature signatureOf(Operation *op) {
  NamedAttrList attributes(op->getAttrDictionary());
  attributes.erase(kLayerAttrName);
  // Which parameter a read or write names is a table entry.
  if (isa<ReadParamOp, WriteParamOp>(op))
    attributes.erase("name");
  DictionaryAttr dictionary = attributes.getDictionary(op->getContext());
  llvm::hash_code hash = llvm::hash_combine(
      op->getName().getAsOpaquePointer(), dictionary.getAsOpaquePointer(),
      op->getNumOperands(), op->getNumRegions());
  for (Type type : op->getResultTypes())
    hash = llvm::hash_combine(hash, type.getAsOpaquePointer());
  for (Type type : op->getOperandTypes())
    hash = llvm::hash_combine(hash, type.getAsOpaquePointer());
  return {op->getName(), dictionary, static_cast<uint64_t>(hash)};
}

class RepeatFinder {
public:
  RepeatFinder(ArrayRef<Operation *> ops, size_t minSavedOps, size_t maxPeriod)
      : ops(ops), minSavedOps(minSavedOps), maxPeriod(maxPeriod) {
    size_t n = ops.size();
    signatures.reserve(n);
    prefix.assign(n + 1, 0);
    power.assign(n + 1, 1);
    for (size_t i = 0; i < n; ++i) {
      indexOf[ops[i]] = i;
      signatures.push_back(signatureOf(ops[i]));
      // Arithmetic modulo 2^64 with an odd base.
      prefix[i + 1] = prefix[i] * kBase + signatures[i].hash;
      power[i + 1] = power[i] * kBase;
    }
  }

  SmallVector<Repeat> find() {
    SmallVector<Repeat> repeats;
    size_t n = ops.size();
    for (size_t i = 0; i < n;) {
      std::optional<Repeat> best = bestAt(i);
      if (!best) {
        ++i;
        continue;
      }
      i = best->end();
      repeats.push_back(std::move(*best));
    }
    return repeats;
  }

private:
  static constexpr uint64_t kBase = 0x100000001b3ull;

  uint64_t window(size_t begin, size_t length) const {
    return prefix[begin + length] - prefix[begin] * power[length];
  }

  std::optional<Repeat> bestAt(size_t begin) const {
    size_t n = ops.size();
    std::optional<Repeat> best;
    size_t bestSaved = 0;
    for (size_t period = 1; period <= maxPeriod && begin + 2 * period <= n;
         ++period) {
      uint64_t first = window(begin, period);
      size_t count = 1;
      while (begin + (count + 1) * period <= n &&
             window(begin + count * period, period) == first)
        ++count;
      size_t saved = (count - 1) * period;
      if (count < 2 || saved < minSavedOps || saved <= bestSaved)
        continue;
      std::optional<Repeat> repeat = verify(begin, period, count);
      if (!repeat)
        continue;
      size_t verifiedSaved = (repeat->count - 1) * period;
      if (repeat->count >= 2 && verifiedSaved >= minSavedOps &&
          verifiedSaved > bestSaved) {
        bestSaved = verifiedSaved;
        best = std::move(repeat);
      }
    }
    return best;
  }

  /// Where `value` is defined: its op's index, or -1 for a block argument
  /// or a value from outside the list.
  int64_t definedAt(Value value) const {
    Operation *def = value.getDefiningOp();
    if (!def)
      return -1;
    auto it = indexOf.find(def);
    return it == indexOf.end() ? -1 : static_cast<int64_t>(it->second);
  }

  bool sameSignature(size_t a, size_t b) const {
    const Signature &x = signatures[a], &y = signatures[b];
    return x.name == y.name && x.attributes == y.attributes &&
           ops[a]->getResultTypes() == ops[b]->getResultTypes() &&
           ops[a]->getOperandTypes() == ops[b]->getOperandTypes() &&
           ops[a]->getNumRegions() == 0 && ops[b]->getNumRegions() == 0;
  }

  /// The longest prefix (at most `count` periods) of the candidate whose
  /// periods are equal and wired alike, with its operand sources; none when
  /// fewer than two periods match or a loop-local value would escape.
  std::optional<Repeat> verify(size_t begin, size_t period,
                               size_t count) const {
    Repeat repeat;
    repeat.begin = begin;
    repeat.period = period;
    repeat.sources.resize(period);
    for (size_t j = 0; j < period; ++j)
      repeat.sources[j].assign(ops[begin + j]->getNumOperands(),
                               OperandSource::invariant);
    // Period 0 alone: which operands are its own values.
    for (size_t j = 0; j < period; ++j)
      for (auto [q, operand] : llvm::enumerate(ops[begin + j]->getOperands())) {
        int64_t at = definedAt(operand);
        if (at >= static_cast<int64_t>(begin))
          repeat.sources[j][q] = OperandSource::local;
      }
    size_t matched = 1;
    for (size_t t = 1; t < count && matchesPeriod(repeat, t); ++t)
      matched = t + 1;
    if (matched < 2)
      return std::nullopt;
    repeat.count = matched;
    if (escapes(repeat))
      return std::nullopt;
    return repeat;
  }

  /// Whether period `t` equals period 0 under `repeat`'s sources so far
  /// (an invariant operand that differs in period `t` becomes per-period).
  bool matchesPeriod(Repeat &repeat, size_t t) const {
    size_t begin = repeat.begin, period = repeat.period;
    int64_t periodStart = static_cast<int64_t>(begin + t * period);
    SmallVector<SmallVector<OperandSource>> sources = repeat.sources;
    for (size_t j = 0; j < period; ++j) {
      size_t a = begin + j, b = begin + t * period + j;
      if (!sameSignature(a, b))
        return false;
      for (size_t q = 0; q < ops[a]->getNumOperands(); ++q) {
        Value first = ops[a]->getOperand(q), other = ops[b]->getOperand(q);
        int64_t firstAt = definedAt(first), otherAt = definedAt(other);
        if (sources[j][q] == OperandSource::local) {
          // The same op of this period, the same result.
          if (otherAt != firstAt + static_cast<int64_t>(t * period) ||
              cast<OpResult>(first).getResultNumber() !=
                  cast<OpResult>(other).getResultNumber())
            return false;
          continue;
        }
        if (first == other && sources[j][q] == OperandSource::invariant)
          continue;
        // A value of its own per period: defined before this period, and
        // nameable from the loop (not a view or constant of the run's).
        if (otherAt >= periodStart)
          return false;
        for (auto [value, at] : {std::pair{first, firstAt}, {other, otherAt}})
          if (at >= static_cast<int64_t>(begin) &&
              isLoopLocal(value.getDefiningOp()))
            return false;
        sources[j][q] = OperandSource::perPeriod;
      }
    }
    repeat.sources = std::move(sources);
    return true;
  }

  /// Whether a value of the run read after it has no name there: a
  /// constant of the run (a reshape view is made again from its source).
  bool escapes(const Repeat &repeat) const {
    std::function<bool(Operation *)> nameableAfter = [&](Operation *op) {
      auto it = indexOf.find(op);
      if (it == indexOf.end() || it->second < repeat.begin || !isLoopLocal(op))
        return true;
      if (isa<ConstantOp>(op))
        return false;
      Operation *source = op->getOperand(0).getDefiningOp();
      return !source || nameableAfter(source);
    };
    for (size_t i = repeat.begin; i < repeat.end(); ++i) {
      if (!isLoopLocal(ops[i]))
        continue;
      for (Operation *user : ops[i]->getUsers()) {
        auto it = indexOf.find(user);
        if ((it == indexOf.end() || it->second >= repeat.end()) &&
            !nameableAfter(ops[i]))
          return true;
      }
    }
    return false;
  }

  ArrayRef<Operation *> ops;
  size_t minSavedOps, maxPeriod;
  llvm::DenseMap<Operation *, size_t> indexOf;
  SmallVector<Signature> signatures;
  std::vector<uint64_t> prefix, power;
};

} // namespace

SmallVector<Repeat> findRepeats(ArrayRef<Operation *> ops, size_t minSavedOps,
                                size_t maxPeriod) {
  return RepeatFinder(ops, minSavedOps, maxPeriod).find();
}

} // namespace starch::codegen
