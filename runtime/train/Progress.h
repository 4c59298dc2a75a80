//===- Progress.h - Progress lines, summary and loss log --------*- C++ -*-===//
//
// Everything a run reports per step: a human progress line on stdout every
// --log-every steps (plain lines, so logs and pipes stay readable), a final
// summary, and the exact per-step loss log that tests compare bit for bit.
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_RUNTIME_TRAIN_PROGRESS_H
#define STARCH_RUNTIME_TRAIN_PROGRESS_H

#include "runtime/train/Program.h"

#include <cstdint>
#include <cstdio>
#include <string>

namespace starch::rt {

class ProgressReporter {
public:
  /// Steps `firstStep..lastStep` (1-based, inclusive) will run.
  ProgressReporter(const ProgramSpec &spec, int64_t firstStep, int64_t lastStep,
                   int64_t logEvery);

  /// Step `step` took `seconds` in trainStep; prints a line when it is due.
  void record(int64_t step, const StepOutputs &outputs, double seconds);
  /// The summary line; `wallSeconds` covers the whole loop (data, saves).
  void finish(double wallSeconds) const;

private:
  const ProgramSpec &spec_;
  int64_t firstStep_, lastStep_, logEvery_;
  int64_t stepsDone_ = 0;
  double totalSeconds_ = 0;
  /// Since the last printed line, for the windowed rates.
  int64_t windowSteps_ = 0;
  double windowSeconds_ = 0;
  float firstLoss_ = 0, lastLoss_ = 0;
};

/// "step loss grad_norm lr" per line, each float with %.9g (exact for f32).
class LossLog {
public:
  /// Truncates `path`; an empty path logs nothing. Throws on failure.
  explicit LossLog(const std::string &path);
  ~LossLog();
  LossLog(const LossLog &) = delete;
  LossLog &operator=(const LossLog &) = delete;

  /// Flushed per line, so the log is complete up to a crash.
  void write(int64_t step, const StepOutputs &outputs);

private:
  std::FILE *file_ = nullptr;
  std::string path_;
};

/// "12.3s", "2:03" or "1:02:03" for `seconds`.
std::string formatDuration(double seconds);

} // namespace starch::rt

#endif // STARCH_RUNTIME_TRAIN_PROGRESS_H
