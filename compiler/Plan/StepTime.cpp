//===- StepTime.cpp - Predicted time of one pipelined training step -------===//
#include "compiler/Plan/StepTime.h"

#include "compiler/Plan/StageOrders.h"

#include <algorithm>
#include <limits>

namespace starch::plan {

StepPrediction predictStep(const std::vector<StageTiming> &stages,
                           int64_t microBatches, Schedule schedule) {
  int64_t count = static_cast<int64_t>(stages.size());
  std::vector<int64_t> next;
  std::vector<StageWork> work;
  for (const StageTiming &stage : stages) {
    bool last = stage.next < 0;
    next.push_back(stage.next);
    StageWork w;
    w.backward = stage.hasBackward || last;
    w.seeded = !last && stage.hasBackward;
    w.inputGrads = last || stage.inputGrads;
    w.weightGrads = stage.weightGrads;
    work.push_back(w);
  }
  std::vector<std::vector<Slot>> orders;
  if (schedule == Schedule::zeroBubble) {
    orders = zeroBubbleOrders(work, next, microBatches);
  } else {
    for (int64_t k = 0; k < count; ++k)
      orders.push_back(
          oneForwardOneBackward(k, next, microBatches, work[k].backward));
  }
  auto duration = [&](int64_t k, Slot slot) {
    switch (slot.kind) {
    case SlotKind::forward:
      return next[k] < 0 ? 0.0 : stages[k].forward;
    case SlotKind::backward:
      return stages[k].backward;
    case SlotKind::inputGrad:
      return stages[k].inputGrad;
    case SlotKind::weightGrad:
      return stages[k].weightGrad;
    }
    return 0.0;
  };
  const double unknown = -1;
  // When each micro-batch's forward output (or cotangent) of each stage is
  // ready to send.
  std::vector<std::vector<double>> outputsAt(
      count, std::vector<double>(microBatches, unknown));
  std::vector<std::vector<double>> cotangentsAt = outputsAt;
  std::vector<double> free(count, 0);
  StepPrediction prediction;
  prediction.busy.assign(count, 0);
  std::vector<size_t> position(count, 0);
  for (bool progress = true; progress;) {
    progress = false;
    for (int64_t k = 0; k < count; ++k) {
      bool last = next[k] < 0;
      while (position[k] < orders[k].size()) {
        Slot slot = orders[k][position[k]];
        int64_t m = slot.microBatch;
        double ready = free[k];
        bool blocked = false;
        if (needsInputs(slot, last))
          for (int64_t p : predecessors(next, k)) {
            if (outputsAt[p][m] == unknown)
              blocked = true;
            else
              ready = std::max(ready, outputsAt[p][m] + stages[p].sendSeconds);
          }
        // A weight part of a stage without cotangents to send receives the
        // seeds itself.
        bool seeds = needsSeeds(slot, work[k], last) ||
                     (slot.kind == SlotKind::weightGrad && work[k].seeded &&
                      !work[k].inputGrads);
        if (seeds) {
          double at = cotangentsAt[next[k]][m];
          if (at == unknown)
            blocked = true;
          else
            ready = std::max(ready, at + stages[k].sendSeconds);
        }
        if (blocked)
          break;
        double time = duration(k, slot);
        free[k] = ready + time;
        prediction.busy[k] += time;
        if (makesOutputs(slot, last))
          outputsAt[k][m] = free[k];
        if (makesCotangents(slot))
          cotangentsAt[k][m] = free[k];
        ++position[k];
        progress = true;
      }
    }
  }
  // A slot that never ran would wait forever: no such step.
  for (int64_t k = 0; k < count; ++k)
    if (position[k] < orders[k].size()) {
      prediction.seconds = prediction.bubble =
          std::numeric_limits<double>::infinity();
      return prediction;
    }
  double pipeline = 0, busy = 0;
  for (int64_t k = 0; k < count; ++k) {
    pipeline = std::max(pipeline, free[k]);
    busy += prediction.busy[k];
    prediction.seconds =
        std::max(prediction.seconds, free[k] + stages[k].finishSeconds);
  }
  prediction.bubble =
      pipeline > 0 ? 1 - busy / (pipeline * static_cast<double>(count)) : 0;
  return prediction;
}

} // namespace starch::plan
