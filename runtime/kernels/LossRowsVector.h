//===- LossRowsVector.h - Loss rows with e^x in vector registers -*- C++
//-*-===//
//
// The f32 row functions of Loss.h and LossBlock.h with expF64 (ExpF64.h)
// in place of std::exp,
// compiled for AVX-512 in a file of their own (LossRowsVector.cpp), so
// nothing else of the runtime needs the instructions. Loss.cpp calls them
// where the CPU has them (hasVectorExp).
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_RUNTIME_KERNELS_LOSSROWSVECTOR_H
#define STARCH_RUNTIME_KERNELS_LOSSROWSVECTOR_H

#include <cstdint>

namespace starch::rt {

/// Whether this build has the functions below and this CPU can run them.
bool hasVectorExp();

/// logSumExpRow(row, n, VectorExp{}).
double logSumExpRowVector(const float *row, int64_t n);
/// crossEntropyGradRow(row, out, n, label, scale, VectorExp{}).
void crossEntropyGradRowVector(const float *row, float *out, int64_t n,
                               int64_t label, double scale);
/// The vocabulary-parallel rows (LossBlock.h) with VectorExp{}.
void crossEntropyBlockRowVector(const float *row, int64_t n, int64_t local,
                                double max, double *sums);
void crossEntropyBlockGradRowVector(const float *row, float *out, int64_t n,
                                    int64_t local, double max,
                                    const double *cotangent);

} // namespace starch::rt

#endif // STARCH_RUNTIME_KERNELS_LOSSROWSVECTOR_H
