//===- InPlaceUpdates.cpp - Results written into parameters ---------------===//
#include "compiler/Codegen/InPlaceUpdates.h"

#include "compiler/Execution/ExecutionInterface.h"
#include "starch/Dialect/StarchOps.h"

#include "llvm/ADT/StringMap.h"

#include <algorithm>
#include <optional>

using namespace mlir;

namespace starch::codegen {

InPlaceUpdates findInPlaceUpdates(Block &body) {
  llvm::DenseMap<Operation *, int64_t> position;
  int64_t index = 0;
  for (Operation &op : body)
    position[&op] = index++;
  // Per parameter: the last op that reads it, and how often it is written.
  llvm::StringMap<int64_t> lastRead;
  llvm::StringMap<int> writes;
  for (Operation &op : body) {
    if (auto write = dyn_cast<WriteParamOp>(op))
      ++writes[write.getName()];
    auto read = dyn_cast<ReadParamOp>(op);
    if (!read)
      continue;
    int64_t &last = lastRead[read.getName()];
    last = std::max(last, position[&op]);
    for (Operation *user : read->getUsers())
      last = std::max(last, position[user]);
  }
  InPlaceUpdates found;
  for (Operation &op : body) {
    auto write = dyn_cast<WriteParamOp>(op);
    if (!write || writes[write.getName()] != 1)
      continue;
    Value value = write.getValue();
    auto update =
        dyn_cast_or_null<exec::ExecutableOpInterface>(value.getDefiningOp());
    if (!update || !value.hasOneUse())
      continue;
    std::optional<unsigned> over = update.getKernelCall().inPlaceOperand(
        cast<OpResult>(value).getResultNumber());
    if (!over)
      continue;
    auto read = update->getOperand(*over).getDefiningOp<ReadParamOp>();
    if (!read || read.getName() != write.getName() ||
        lastRead[read.getName()] > position[update])
      continue;
    found.params[value] = write.getName();
    found.writes.insert(write);
  }
  return found;
}

} // namespace starch::codegen
