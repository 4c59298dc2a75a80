//===- StepTime.cpp - Predicted time of one pipelined training step -------===//
#include "compiler/Plan/StepTime.h"

#include <algorithm>
#include <limits>

namespace starch::plan {

namespace {

struct Slot {
  bool backward;
  int64_t microBatch;
};

/// The order starch-pipeline-schedule gives stage `k` (PipelineSchedule.cpp:
/// warm-up forwards, one forward one backward, drain).
std::vector<Slot> stageOrder(bool last, bool backward, int64_t stagesAfter,
                             int64_t microBatches) {
  std::vector<Slot> order;
  if (!backward || last) {
    for (int64_t m = 0; m < microBatches; ++m)
      order.push_back({backward, m});
    return order;
  }
  int64_t warmup = std::min(stagesAfter, microBatches);
  for (int64_t m = 0; m < warmup; ++m)
    order.push_back({false, m});
  for (int64_t m = 0; m + warmup < microBatches; ++m) {
    order.push_back({false, m + warmup});
    order.push_back({true, m});
  }
  for (int64_t m = microBatches - warmup; m < microBatches; ++m)
    order.push_back({true, m});
  return order;
}

} // namespace

StepPrediction predictStep(const std::vector<StageTiming> &stages,
                           int64_t microBatches) {
  int64_t count = static_cast<int64_t>(stages.size());
  std::vector<std::vector<int64_t>> predecessors(count);
  for (int64_t k = 0; k < count; ++k)
    if (stages[k].next >= 0)
      predecessors[stages[k].next].push_back(k);
  std::vector<std::vector<Slot>> orders(count);
  for (int64_t k = 0; k < count; ++k) {
    int64_t after = 0;
    for (int64_t s = stages[k].next; s >= 0; s = stages[s].next)
      ++after;
    bool last = stages[k].next < 0;
    orders[k] = stageOrder(last, stages[k].hasBackward || last, after,
                           microBatches);
  }
  const double unknown = -1;
  // When each micro-batch's forward output (or backward cotangent) of each
  // stage is ready to send.
  std::vector<std::vector<double>> forwardDone(
      count, std::vector<double>(microBatches, unknown));
  std::vector<std::vector<double>> backwardDone = forwardDone;
  std::vector<double> free(count, 0);
  StepPrediction prediction;
  prediction.busy.assign(count, 0);
  std::vector<size_t> position(count, 0);
  for (bool progress = true; progress;) {
    progress = false;
    for (int64_t k = 0; k < count; ++k) {
      const StageTiming &stage = stages[k];
      bool last = stage.next < 0;
      while (position[k] < orders[k].size()) {
        Slot slot = orders[k][position[k]];
        int64_t m = slot.microBatch;
        double ready = free[k];
        bool blocked = false;
        if (!slot.backward || last)
          for (int64_t p : predecessors[k]) {
            if (forwardDone[p][m] == unknown)
              blocked = true;
            else
              ready = std::max(ready, forwardDone[p][m] + stages[p].sendSeconds);
          }
        if (slot.backward && !last && stages[stage.next].hasBackward) {
          if (backwardDone[stage.next][m] == unknown)
            blocked = true;
          else
            ready = std::max(ready, backwardDone[stage.next][m] +
                                        stage.sendSeconds);
        }
        if (blocked)
          break;
        double duration = slot.backward ? stage.backward : stage.forward;
        free[k] = ready + duration;
        prediction.busy[k] += duration;
        if (!slot.backward || last)
          forwardDone[k][m] = free[k];
        if (slot.backward)
          backwardDone[k][m] = free[k];
        ++position[k];
        progress = true;
      }
    }
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
