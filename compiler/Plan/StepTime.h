//===- StepTime.h - Predicted time of one pipelined training step -*- C++ -*-===//
//
// Plays a plan's per-stage orders (StageOrders.h: the ones
// starch-pipeline-schedule builds, 1F1B or zero-bubble) with each slot's
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
  /// Seconds of one micro-batch's forward slot, and of its 1F1B backward
  /// slot (which recomputes the forward; on the last stage it is the only
  /// slot).
  double forward = 0, backward = 0;
  /// Zero-bubble: seconds of the input-gradient part and of the
  /// weight-gradient part (each recomputes the forward; the weight part
  /// also back-propagates through the stage's layers).
  double inputGrad = 0, weightGrad = 0;
  /// A stage whose module and everything before it are frozen runs
  /// forwards only; `inputGrads`: its inputs carry a gradient back;
  /// `weightGrads`: it has parameters to train.
  bool hasBackward = true, inputGrads = false, weightGrads = true;
  /// The stage it sends activations to (-1: the last).
  int64_t next = -1;
  /// Seconds to send one micro-batch's activations to `next` (and its
  /// cotangent back).
  double sendSeconds = 0;
  /// After its last slot: gradient all-reduce over the replicas and the
  /// optimizer.
  double finishSeconds = 0;
};

enum class Schedule { oneForwardOneBackward, zeroBubble };

struct StepPrediction {
  /// The step, from the first forward to the last optimizer update.
  double seconds = 0;
  /// Idle fraction of the stages while the pipeline runs (before the
  /// gradient reduction).
  double bubble = 0;
  /// Per stage: seconds of work in the pipeline part.
  std::vector<double> busy;
};

/// The step of `stages` over `microBatches` micro-batches; infinite
/// seconds when a stage would wait forever (a stage expecting cotangents
/// from one that runs no backward).
StepPrediction predictStep(const std::vector<StageTiming> &stages,
                           int64_t microBatches,
                           Schedule schedule = Schedule::oneForwardOneBackward);

} // namespace starch::plan

#endif // STARCH_COMPILER_PLAN_STEPTIME_H
