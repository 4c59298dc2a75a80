//===- Passes.h - Starch passes, every phase --------------------*- C++ -*-===//
//
// The passes by phase (docs/passes.md): Raise/ (fused ops, one forward),
// Parallel/ (shard, cut, schedule) and Training/ (loss, gradients, step),
// each with its Passes.td and a registered pipeline.
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_PASSES_PASSES_H
#define STARCH_PASSES_PASSES_H

#include "passes/Parallel/Passes.h"
#include "passes/Raise/Passes.h"
#include "passes/Training/Passes.h"

namespace starch {
/// Registers every Starch pass and the three phase pipelines.
void registerStarchPasses();
} // namespace starch

#endif // STARCH_PASSES_PASSES_H
