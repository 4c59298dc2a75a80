//===- StepTime.h - Predicted time of one pipelined training step -*- C++ -*-===//
//
// Plays a plan's per-stage 1F1B orders (the ones starch-pipeline-schedule
// builds: Cornstarch's warm-up rule, a backward that recomputes its stage's
// forward, the last stage's forward inside its backward) with each slot's
// predicted duration, and returns when every stage is done.
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_COMPILER_PLAN_STEPTIME_H
#define STARCH_COMPILER_PLAN_STEPTIME_H

#include <cstdint>
#include <vector>

namespace starch::plan {

/// One pipeline stage of a replica, as the step's timeline sees it.
struct StageTiming {
  /// Seconds of one micro-batch's forward slot, and of its backward slot
  /// (which recomputes the forward; on the last stage it is the only slot).
  double forward = 0, backward = 0;
  /// A stage whose module and everything before it are frozen runs
  /// forwards only.
  bool hasBackward = true;
  /// The stage it sends activations to (-1: the last).
  int64_t next = -1;
  /// Seconds to send one micro-batch's activations to `next` (and its
  /// cotangent back).
  double sendSeconds = 0;
  /// After its last slot: gradient all-reduce over the replicas and the
  /// optimizer.
  double finishSeconds = 0;
};

struct StepPrediction {
  /// The step, from the first forward to the last optimizer update.
  double seconds = 0;
  /// Idle fraction of the stages while the pipeline runs (before the
  /// gradient reduction).
  double bubble = 0;
  /// Per stage: seconds of work in the pipeline part.
  std::vector<double> busy;
};

/// The step of `stages` over `microBatches` micro-batches.
StepPrediction predictStep(const std::vector<StageTiming> &stages,
                           int64_t microBatches);

} // namespace starch::plan

#endif // STARCH_COMPILER_PLAN_STEPTIME_H
