//===- Trace.h - A timeline of every rank's step (--trace) -------*- C++ -*-===//
//
// `./train --trace FILE` records spans on each rank: every optimizer step,
// and inside it what the compiler marked (`starch.trace` on an op: a
// pipeline stage's forward "F3" or backward "B3" of a micro-batch, its
// sends and receives). At the end rank 0 writes all ranks' spans into one
// Chrome trace (chrome://tracing, ui.perfetto.dev): one row per rank, times
// in microseconds from rank 0's first span. Ranks on one machine share the
// monotonic clock; across machines their rows are offset by clock skew.
// Device programs record host time (when a kernel was queued, not run).
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_RUNTIME_TRAIN_TRACE_H
#define STARCH_RUNTIME_TRAIN_TRACE_H

#include <cstdint>
#include <string>

namespace starch::rt {

/// Starts recording (off by default: a span then costs one branch).
void enableTrace();
bool traceEnabled();

/// Records [construction, destruction) as a span named `name`.
class TraceScope {
public:
  explicit TraceScope(std::string name);
  ~TraceScope();
  TraceScope(const TraceScope &) = delete;
  TraceScope &operator=(const TraceScope &) = delete;

private:
  std::string name_;
  int64_t begin_ = -1;
};

/// Writes every rank's spans to `path` (rank 0 writes, the others hand
/// theirs over through the current communicator: every rank must call it).
/// Throws std::runtime_error when the file cannot be written.
void writeTrace(const std::string &path);

} // namespace starch::rt

#endif // STARCH_RUNTIME_TRAIN_TRACE_H
