//===- MemoryPlan.cpp - Static arena offsets of a function ----------------===//
#include "compiler/Codegen/MemoryPlan.h"

#include "compiler/Execution/ExecutionInterface.h"

#include "starch/Dialect/StarchOps.h"

#include <map>

using namespace mlir;

namespace starch::codegen {

namespace {

int64_t elementBytes(Type type) {
  if (type.isInteger(1))
    return 1;
  return (type.getIntOrFloatBitWidth() + 7) / 8;
}

/// The value whose buffer `value` lives in (through views).
Value storageRoot(Value value) {
  while (exec::isView(value.getDefiningOp()))
    value = value.getDefiningOp()->getOperand(0);
  return value;
}

/// First-fit allocation over a free list that merges neighbours, so that
/// freed buffers are reused by later, smaller or equal ones.
class Allocator {
public:
  int64_t allocate(int64_t bytes) {
    for (auto it = free_.begin(); it != free_.end(); ++it) {
      if (it->second < bytes)
        continue;
      int64_t offset = it->first, left = it->second - bytes;
      free_.erase(it);
      if (left)
        free_[offset + bytes] = left;
      return offset;
    }
    // Grow: a free block at the top is extended rather than skipped.
    if (!free_.empty()) {
      auto last = std::prev(free_.end());
      if (last->first + last->second == top_) {
        int64_t offset = last->first;
        free_.erase(last);
        top_ = offset + bytes;
        peak_ = std::max(peak_, top_);
        return offset;
      }
    }
    int64_t offset = top_;
    top_ += bytes;
    peak_ = std::max(peak_, top_);
    return offset;
  }

  void release(int64_t offset, int64_t bytes) {
    auto [it, inserted] = free_.emplace(offset, bytes);
    (void)inserted;
    auto next = std::next(it);
    if (next != free_.end() && it->first + it->second == next->first) {
      it->second += next->second;
      free_.erase(next);
    }
    if (it != free_.begin()) {
      auto prev = std::prev(it);
      if (prev->first + prev->second == it->first) {
        prev->second += it->second;
        free_.erase(it);
      }
    }
  }

  int64_t peak() const { return peak_; }

private:
  std::map<int64_t, int64_t> free_;
  int64_t top_ = 0, peak_ = 0;
};

} // namespace

bool ownsArenaBuffer(Value value) {
  Operation *op = value.getDefiningOp();
  return op && !exec::isView(op) && !isa<ReadParamOp, ConstantOp>(op);
}

int64_t bufferBytes(Value value) {
  auto type = cast<RankedTensorType>(value.getType());
  int64_t bytes = type.getNumElements() * elementBytes(type.getElementType());
  return (std::max<int64_t>(bytes, 1) + 63) / 64 * 64;
}

MemoryPlan planMemory(func::FuncOp function,
                      const llvm::DenseSet<Value> &outside) {
  auto inArena = [&](Value value) {
    return ownsArenaBuffer(value) && !outside.contains(value);
  };
  Block &body = function.getBody().front();
  llvm::DenseMap<Operation *, int64_t> position;
  int64_t index = 0;
  for (Operation &op : body)
    position[&op] = index++;

  // Last reader of each buffer, through the views of it.
  llvm::DenseMap<Value, int64_t> lastUse;
  for (Operation &op : body)
    for (Value result : op.getResults())
      if (inArena(result))
        lastUse[result] = position[&op];
  for (Operation &op : body)
    for (Value operand : op.getOperands()) {
      Value root = storageRoot(operand);
      auto it = lastUse.find(root);
      if (it != lastUse.end())
        it->second = std::max(it->second, position[&op]);
    }
  llvm::DenseMap<int64_t, SmallVector<Value>> dyingAt;
  for (auto &[root, last] : lastUse)
    dyingAt[last].push_back(root);

  MemoryPlan plan;
  Allocator allocator;
  for (Operation &op : body) {
    // Results first: an op never writes over its own operands.
    for (Value result : op.getResults())
      if (inArena(result)) {
        int64_t bytes = bufferBytes(result);
        plan.offsets[result] = allocator.allocate(bytes);
        plan.totalBytes += bytes;
      }
    auto dying = dyingAt.find(position[&op]);
    if (dying == dyingAt.end())
      continue;
    // Release in a fixed order so the plan does not depend on hashing.
    SmallVector<Value> roots = dying->second;
    llvm::sort(roots, [&](Value a, Value b) {
      return plan.offsets[a] < plan.offsets[b];
    });
    for (Value root : roots)
      allocator.release(plan.offsets[root], bufferBytes(root));
  }
  plan.arenaBytes = allocator.peak();
  return plan;
}

} // namespace starch::codegen
