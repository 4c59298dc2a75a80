//===- LossRowsVector.cpp - Loss rows with e^x in vector registers --------===//
//
// Compiled with -mavx512f (runtime/CMakeLists.txt): only these two
// functions, on plain pointers, so no inline function of another header is
// emitted here with instructions other CPUs lack.
//
//===----------------------------------------------------------------------===//
#include "runtime/kernels/LossRowsVector.h"

#include "runtime/kernels/ExpF64.h"
#include "runtime/kernels/Loss.h"

namespace starch::rt {

double logSumExpRowVector(const float *row, int64_t n) {
  return logSumExpRow(row, n, VectorExp{});
}

void crossEntropyGradRowVector(const float *row, float *out, int64_t n,
                               int64_t label, double scale) {
  crossEntropyGradRow(row, out, n, label, scale, VectorExp{});
}

} // namespace starch::rt
