//===- StageOrders.cpp - Each pipeline stage's order of work --------------===//
#include "compiler/Plan/StageOrders.h"

#include <algorithm>
#include <deque>

namespace starch::plan {

int64_t stagesAfter(const std::vector<int64_t> &next, int64_t stage) {
  int64_t count = 0;
  for (int64_t s = next[stage]; s >= 0; s = next[s])
    ++count;
  return count;
}

std::vector<int64_t> predecessors(const std::vector<int64_t> &next,
                                  int64_t stage) {
  std::vector<int64_t> result;
  for (int64_t s = 0; s < static_cast<int64_t>(next.size()); ++s)
    if (next[s] == stage)
      result.push_back(s);
  return result;
}

std::vector<Slot> oneForwardOneBackward(int64_t stage,
                                        const std::vector<int64_t> &next,
                                        int64_t microBatches, bool backward) {
  std::vector<Slot> order;
  bool last = next[stage] < 0;
  if (!backward) {
    for (int64_t m = 0; m < microBatches; ++m)
      order.push_back({SlotKind::forward, m});
    return order;
  }
  if (last) { // the backward computes the forward: one call per micro-batch
    for (int64_t m = 0; m < microBatches; ++m)
      order.push_back({SlotKind::backward, m});
    return order;
  }
  int64_t warmup = std::min(stagesAfter(next, stage), microBatches);
  for (int64_t m = 0; m < warmup; ++m)
    order.push_back({SlotKind::forward, m});
  for (int64_t m = 0; m + warmup < microBatches; ++m) {
    order.push_back({SlotKind::forward, m + warmup});
    order.push_back({SlotKind::backward, m});
  }
  for (int64_t m = microBatches - warmup; m < microBatches; ++m)
    order.push_back({SlotKind::backward, m});
  return order;
}

bool needsInputs(Slot slot, bool last) {
  return slot.kind == SlotKind::forward ||
         (last && slot.kind != SlotKind::weightGrad);
}
bool needsSeeds(Slot slot, const StageWork &stage, bool last) {
  return !last && stage.seeded &&
         (slot.kind == SlotKind::backward || slot.kind == SlotKind::inputGrad);
}
bool makesOutputs(Slot slot, bool last) { return needsInputs(slot, last); }
bool makesCotangents(Slot slot) {
  return slot.kind == SlotKind::backward || slot.kind == SlotKind::inputGrad;
}

std::vector<std::vector<Slot>>
zeroBubbleOrders(const std::vector<StageWork> &stages,
                 const std::vector<int64_t> &next, int64_t microBatches) {
  int64_t count = static_cast<int64_t>(stages.size());
  // 1F1B with input-gradient slots, then weight gradients fill the waits.
  std::vector<std::vector<Slot>> base(count), orders(count);
  for (int64_t k = 0; k < count; ++k)
    for (Slot slot :
         oneForwardOneBackward(k, next, microBatches, stages[k].backward)) {
      if (slot.kind == SlotKind::backward)
        slot.kind = SlotKind::inputGrad;
      base[k].push_back(slot);
    }
  auto duration = [&](int64_t k, Slot slot) -> double {
    if (slot.kind == SlotKind::forward)
      return 1;
    if (slot.kind == SlotKind::inputGrad && !stages[k].inputGrads)
      return 0; // only receives the cotangents the weight gradient needs
    return 2;
  };
  const double unknown = -1;
  std::vector<std::vector<double>> outputsAt(
      count, std::vector<double>(microBatches, unknown));
  std::vector<std::vector<double>> cotangentsAt = outputsAt;
  std::vector<double> free(count, 0);
  std::vector<size_t> position(count, 0);
  std::vector<std::deque<int64_t>> pending(count);
  auto runWeight = [&](int64_t k) {
    orders[k].push_back({SlotKind::weightGrad, pending[k].front()});
    pending[k].pop_front();
    free[k] += 2;
  };
  for (bool progress = true; progress;) {
    progress = false;
    for (int64_t k = 0; k < count; ++k) {
      bool last = next[k] < 0;
      while (position[k] < base[k].size()) {
        Slot slot = base[k][position[k]];
        double ready = free[k];
        bool blocked = false;
        if (needsInputs(slot, last))
          for (int64_t p : predecessors(next, k)) {
            if (outputsAt[p][slot.microBatch] == unknown)
              blocked = true;
            else
              ready = std::max(ready, outputsAt[p][slot.microBatch]);
          }
        if (needsSeeds(slot, stages[k], last)) {
          double at = cotangentsAt[next[k]][slot.microBatch];
          if (at == unknown)
            blocked = true;
          else
            ready = std::max(ready, at);
        }
        if (blocked)
          break;
        // Weight gradients that fit before the slot could start.
        while (!pending[k].empty() && free[k] + 2 <= ready)
          runWeight(k);
        free[k] = std::max(free[k], ready) + duration(k, slot);
        if (makesOutputs(slot, last))
          outputsAt[k][slot.microBatch] = free[k];
        if (makesCotangents(slot))
          cotangentsAt[k][slot.microBatch] = free[k];
        bool marker =
            slot.kind == SlotKind::inputGrad && !stages[k].inputGrads && !last;
        // A stage with nothing to send back receives the cotangents where
        // its weight gradient runs.
        if (!marker)
          orders[k].push_back(slot);
        if (slot.kind == SlotKind::inputGrad && stages[k].weightGrads)
          pending[k].push_back(slot.microBatch);
        ++position[k];
        progress = true;
      }
    }
  }
  for (int64_t k = 0; k < count; ++k)
    while (!pending[k].empty())
      runWeight(k);
  return orders;
}

std::optional<std::pair<int64_t, Slot>>
findDeadlock(const std::vector<std::vector<Slot>> &orders,
             const std::vector<StageWork> &stages,
             const std::vector<int64_t> &next) {
  int64_t count = static_cast<int64_t>(orders.size());
  std::vector<size_t> position(count, 0);
  // Sent so far: forwards from k to next[k], cotangents from k to the
  // stages sending to it.
  std::vector<int64_t> forwardsSent(count, 0), backwardsSent(count, 0);
  // Micro-batches whose cotangents each stage has received (a weight
  // gradient needs them too).
  for (bool progress = true; progress;) {
    progress = false;
    for (int64_t k = 0; k < count; ++k) {
      while (position[k] < orders[k].size()) {
        Slot slot = orders[k][position[k]];
        int64_t successor = next[k];
        bool last = successor < 0;
        std::vector<int64_t> preds = predecessors(next, k);
        if (needsInputs(slot, last) &&
            std::any_of(preds.begin(), preds.end(), [&](int64_t p) {
              return forwardsSent[p] <= slot.microBatch;
            }))
          break;
        bool seeds =
            needsSeeds(slot, stages[k], last) ||
            (slot.kind == SlotKind::weightGrad && !last && stages[k].seeded);
        if (seeds && backwardsSent[successor] <= slot.microBatch)
          break;
        if (makesOutputs(slot, last))
          ++forwardsSent[k];
        if (makesCotangents(slot))
          ++backwardsSent[k];
        ++position[k];
        progress = true;
      }
    }
  }
  for (int64_t k = 0; k < count; ++k)
    if (position[k] < orders[k].size())
      return std::make_pair(k, orders[k][position[k]]);
  return std::nullopt;
}

std::string slotName(Slot slot) {
  const char *letter = slot.kind == SlotKind::forward      ? "F"
                       : slot.kind == SlotKind::weightGrad ? "W"
                                                           : "B";
  return letter + std::to_string(slot.microBatch);
}

} // namespace starch::plan
