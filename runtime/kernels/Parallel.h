//===- Parallel.h - CPU work partitioning over a small pool -----*- C++ -*-===//
#ifndef STARCH_RUNTIME_KERNELS_PARALLEL_H
#define STARCH_RUNTIME_KERNELS_PARALLEL_H

#include <cstdint>
#include <functional>

namespace starch::rt {

/// Threads used by the CPU kernels: set by setNumThreads, else
/// OMP_NUM_THREADS, else the hardware concurrency.
int numThreads();
/// Changes the thread count (call while no kernel runs). `n <= 0` restores the
/// default.
void setNumThreads(int n);

/// Calls `body(begin, end)` on disjoint chunks covering [0, count), each at
/// least `grain` long (except the last), on the pool and the calling thread.
/// Safe to call from several threads at once; nested calls run serially.
void parallelFor(int64_t count, int64_t grain,
                 const std::function<void(int64_t, int64_t)> &body);

} // namespace starch::rt

#endif // STARCH_RUNTIME_KERNELS_PARALLEL_H
