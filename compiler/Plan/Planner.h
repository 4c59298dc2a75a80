//===- Planner.h - Choosing a parallel plan by predicted step time -*- C++
//-*-===//
//
// `"plan": "auto"` (docs/parallel.md, "Automatic plans"): for a rank budget
// and a step of a fixed number of micro-batches, every plan the program can
// run (layout, each module's tp and stages, layer boundaries, data-parallel
// replicas, 1F1B or zero-bubble) is costed with the calibration's
// throughputs and the step's timeline (StepTime.h), under a memory limit
// per rank; the fastest wins. The plan families engineers pick by hand are reported beside it,
// each at its best.
//
// Plain C++: the driver measures each module's layers from the IR
// (compiler/Driver/PlanModel.cpp) and applies the chosen plan to the model.
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_COMPILER_PLAN_PLANNER_H
#define STARCH_COMPILER_PLAN_PLANNER_H

#include "compiler/Config/ModelConfig.h"
#include "compiler/Plan/Calibration.h"

#include <cstdint>
#include <string>
#include <vector>

namespace starch::plan {

/// One micro-batch through a layer (or a module's ops before its first
/// layer or after its last), on one rank with the module whole.
struct LayerWork {
  /// Forward seconds that tensor parallelism divides, and those it does not
  /// (each op's fixed overhead).
  double forward = 0, overhead = 0;
  /// Backward seconds: the input gradient (when anything before the layer
  /// trains) and the weight gradient (when the layer trains); 0 otherwise.
  double inputGrad = 0, weightGrad = 0;
  /// Bytes of the parameters it reads, of those that train, and of the
  /// values its forward makes (held while its backward runs).
  double paramBytes = 0, trainedBytes = 0, activationBytes = 0;
  /// Bytes of the hidden state entering it: a pipeline cut sends this, a
  /// tensor-parallel layer all-reduces it twice per pass.
  double boundaryBytes = 0;
};

/// A module as the planner sees it (an encoder with its projector, or the
/// LLM, last).
struct ModuleProfile {
  std::string name;
  /// Layer tags in execution order, with their work.
  std::vector<std::string> layers;
  std::vector<LayerWork> work;
  /// Ops before the first layer (first stage) and after the last (last
  /// stage, the projector's included).
  LayerWork head, tail;
  bool frozen = false;
  /// Tensor-parallel degrees its attention heads allow (1 first).
  std::vector<int64_t> tpChoices{1};
  /// Context-parallel degrees to consider (the LLM's; 1 first): the one
  /// model.json gives when it gives one, else those dividing the tokens.
  std::vector<int64_t> cpChoices{1};
};

struct PlanRequest {
  /// Encoders in merge order, the LLM last.
  std::vector<ModuleProfile> modules;
  /// Where the backward's costs come from (for the report): autodiff's
  /// gradient function, or why only the forward's op-level count.
  std::string backwardSource = "op-level count";
  int64_t ranks = 1;
  /// Micro-batches of one step of the whole job, shared by the replicas
  /// (the global batch stays what model.json says).
  int64_t microBatches = 1;
  double memoryBytesPerRank = 0;
  bool zero1 = false;
  Calibration calibration;
};

/// One plan and its predicted step.
struct CandidatePlan {
  config::ParallelLayout layout = config::ParallelLayout::modalityParallel;
  /// Per module (as PlanRequest::modules): tp, stages, cp, layers per stage.
  std::vector<config::ModuleParallelConfig> parallel;
  int64_t dp = 1;
  /// Micro-batches per replica per step.
  int64_t microBatches = 1;
  bool balanced = false;
  /// The zero-bubble schedule (else 1F1B).
  bool zeroBubble = false;
  double stepSeconds = 0, bubble = 0;
  /// Per stage in program order (encoders' own stages, then the LLM's):
  /// pipeline seconds of work and peak bytes per rank.
  std::vector<double> stageSeconds, stageMemory;
  double peakMemory = 0;
};

/// The families an engineer picks from by hand, each at its best.
struct PlanFamily {
  std::string name, description;
  bool found = false;
  CandidatePlan best;
};

struct PlanReport {
  CandidatePlan chosen;
  std::vector<PlanFamily> families;
  /// Plans costed, and those over the memory limit.
  int64_t considered = 0, overMemory = 0;
  double planningSeconds = 0;
  std::string calibrationSource;
};

/// Chooses the plan of least predicted step time that fits the memory
/// limit. False with `error` when none fits (the rank budget does not
/// divide the micro-batches, or every plan is over the memory limit).
bool choosePlan(const PlanRequest &request, PlanReport &report,
                std::string &error);

/// The report as an aligned text table (one line per family and the
/// chosen plan).
std::string planReportText(const PlanRequest &request,
                           const PlanReport &report);

} // namespace starch::plan

#endif // STARCH_COMPILER_PLAN_PLANNER_H
