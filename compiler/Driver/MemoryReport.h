//===- MemoryReport.h - What a compiled program holds per rank --*- C++ -*-===//
//
// starchc -v's memory report: the parameters, the optimizer state and the
// gradients of one rank, and every generated function's arena (its peak of
// activations and temporaries, fixed by the static memory plan). The
// arenas are static, so they add up; `training.recompute` shrinks the
// gradient function's, which holds the activations its backward reads.
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_COMPILER_DRIVER_MEMORYREPORT_H
#define STARCH_COMPILER_DRIVER_MEMORYREPORT_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/raw_ostream.h"

#include <string>
#include <utility>
#include <vector>

namespace starch::driver {

void printMemoryReport(
    mlir::ModuleOp module,
    const std::vector<std::pair<std::string, int64_t>> &arenas,
    llvm::raw_ostream &os);

} // namespace starch::driver

#endif // STARCH_COMPILER_DRIVER_MEMORYREPORT_H
