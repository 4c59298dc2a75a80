//===- Calibrate.h - Measuring this machine's kernels for the planner -*- C++ -*-===//
//
// `starchc --calibrate -o calibration.json`: times the runtime's own CPU
// kernels (the ones a generated program calls) on this machine with the
// threads it is given (OMP_NUM_THREADS / OPENBLAS_NUM_THREADS, as one rank
// runs), for the planner of `"plan": "auto"` (compiler/Plan/Calibration.h).
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_COMPILER_DRIVER_CALIBRATE_H
#define STARCH_COMPILER_DRIVER_CALIBRATE_H

#include "compiler/Plan/Calibration.h"

#include "llvm/Support/raw_ostream.h"

namespace starch::driver {

/// Measures GEMM, attention and elementwise throughput, the per-op
/// overhead and the copy bandwidth between ranks on one machine, printing
/// each figure to `progress` as it is found.
plan::Calibration measureCalibration(llvm::raw_ostream &progress);

} // namespace starch::driver

#endif // STARCH_COMPILER_DRIVER_CALIBRATE_H
