//===- StageOrders.h - Each pipeline stage's order of work -------*- C++
//-*-===//
//
// The static orders starch-pipeline-schedule turns into straight-line code
// and the planner plays on its predicted times (StepTime.h): 1F1B with
// Cornstarch's multimodal warm-up rule, and a zero-bubble order (ZB-H1
// style) whose weight-gradient work fills the stage's idle time; and the
// check that an order never waits forever. A pipeline is `next`: per
// stage, the stage it sends to (-1 for the last).
//
// Plain C++ (no MLIR), shared by passes/ and compiler/Plan.
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_COMPILER_PLAN_STAGEORDERS_H
#define STARCH_COMPILER_PLAN_STAGEORDERS_H

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace starch::plan {

enum class SlotKind {
  /// The stage's forward; sends its outputs.
  forward,
  /// 1F1B: the whole backward (the forward again, every gradient); sends
  /// the inputs' cotangents.
  backward,
  /// Zero-bubble: the forward again and the inputs' cotangents only (on the
  /// last stage also the loss); sends them.
  inputGrad,
  /// Zero-bubble: the forward again and the parameters' gradients only;
  /// nothing waits for it.
  weightGrad,
};

/// One step of a stage's order: some work of a micro-batch.
struct Slot {
  SlotKind kind;
  int64_t microBatch;
};

/// What the orders need to know of a stage.
struct StageWork {
  /// Runs a backward at all (trains, or something before it does).
  bool backward = false;
  /// Receives cotangents of its outputs from the stage it sends to.
  bool seeded = false;
  /// Zero-bubble: has cotangents to send back (or is the last stage), and
  /// parameters to differentiate.
  bool inputGrads = false, weightGrads = false;
};

/// 1F1B for `stage`: warm-up forwards (one per stage after it on the way
/// to the last), one forward and one backward in turn, the remaining
/// backwards. The last stage runs backwards only (forward included); a
/// stage without backward, forwards only.
std::vector<Slot> oneForwardOneBackward(int64_t stage,
                                        const std::vector<int64_t> &next,
                                        int64_t microBatches, bool backward);

/// Zero-bubble orders of every stage: 1F1B's with each backward split into
/// its input-gradient part, in 1F1B's place, and its weight-gradient part,
/// deferred to where the stage would wait (played on unit times: a forward
/// 1, each gradient part 2, since it computes the forward again) and at
/// the latest to the end. Weight gradients keep their micro-batch order, so
/// the sums equal 1F1B's.
std::vector<std::vector<Slot>>
zeroBubbleOrders(const std::vector<StageWork> &stages,
                 const std::vector<int64_t> &next, int64_t microBatches);

/// Stages after `stage` up to the last (the pipeline depth it warms up
/// for).
int64_t stagesAfter(const std::vector<int64_t> &next, int64_t stage);

/// The stages sending to `stage`, in stage order.
std::vector<int64_t> predecessors(const std::vector<int64_t> &next,
                                  int64_t stage);

/// Whether `slot` needs the predecessors' outputs of its micro-batch, and
/// the cotangents of the stage it sends to (received by the slot).
bool needsInputs(Slot slot, bool last);
bool needsSeeds(Slot slot, const StageWork &stage, bool last);
/// Whether `slot` makes the stage's outputs, or its inputs' cotangents.
bool makesOutputs(Slot slot, bool last);
bool makesCotangents(Slot slot);

/// Runs the orders with blocking receives and buffered sends; the stage
/// and slot where every stage waits forever, if any.
std::optional<std::pair<int64_t, Slot>>
findDeadlock(const std::vector<std::vector<Slot>> &orders,
             const std::vector<StageWork> &stages,
             const std::vector<int64_t> &next);

/// "F3", "B3", "W3".
std::string slotName(Slot slot);

} // namespace starch::plan

#endif // STARCH_COMPILER_PLAN_STAGEORDERS_H
