//===- LossRowsVector.cpp - Loss rows with e^x in vector registers --------===//
//
// Compiled with -mavx512f on x86 (runtime/CMakeLists.txt): only these
// functions, on plain pointers, so no inline function of another header is
// emitted here with instructions other CPUs lack.
//
//===----------------------------------------------------------------------===//
#include "runtime/kernels/LossRowsVector.h"

#include "runtime/kernels/ExpF64.h"
#include "runtime/kernels/Loss.h"
#include "runtime/kernels/LossBlock.h"

namespace starch::rt {

double logSumExpRowVector(const float *row, int64_t n) {
  return logSumExpRow(row, n, VectorExp{});
}

void crossEntropyGradRowVector(const float *row, float *out, int64_t n,
                               int64_t label, double scale) {
  crossEntropyGradRow(row, out, n, label, scale, VectorExp{});
}

void crossEntropyBlockRowVector(const float *row, int64_t n, int64_t local,
                                double max, double *sums) {
  crossEntropyBlockRow(row, n, local, max, sums, VectorExp{});
}

void crossEntropyBlockGradRowVector(const float *row, float *out, int64_t n,
                                    int64_t local, double max,
                                    const double *cotangent) {
  crossEntropyBlockGradRow(row, out, n, local, max, cotangent, VectorExp{});
}

} // namespace starch::rt
