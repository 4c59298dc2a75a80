//===- Placement.h - Modules, stages and ranks of a parallel plan -*- C++ -*-===//
//
// Where each module of a composed model runs: its pipeline stages (which
// layers each holds), and for every data-parallel replica the tp x cp ranks
// of each stage, plus the pipeline links between stages. Cornstarch's rule:
// a replica needs sum over modules of stages x tp x cp ranks, and the world
// is dp replicas of that. docs/parallel.md gives the rank numbering and the
// JSON (`starchc --emit=plan`).
//
// Plain C++ (no MLIR): the driver collects each module's layers from the IR
// and hands them here; later the parallel passes read the same placement.
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_COMPILER_PLAN_PLACEMENT_H
#define STARCH_COMPILER_PLAN_PLACEMENT_H

#include "compiler/Config/ModelConfig.h"

#include <cstdint>
#include <string>
#include <vector>

namespace starch::plan {

/// One module to place: an encoder (with its projector) or the LLM.
struct ModuleInput {
  std::string name;
  /// Modules that run on this module's last stage (an encoder's projector).
  std::vector<std::string> attached;
  /// Layer tags in execution order.
  std::vector<std::string> layers;
  config::ModuleParallelConfig parallel;
  bool frozen = false;
  /// The model.json field of the module's `parallel`, for messages.
  std::string field;
  /// Per layer, the FLOPs of one micro-batch's step through it, frozen-aware
  /// (moduleCosts() in compiler/Driver/PlanModel.cpp); the module's ops
  /// before its first layer (`headCost`, an embedding) run on its first
  /// stage, those after its last (`tailCost`, a head) on its last.
  std::vector<double> layerCosts;
  double headCost = 0, tailCost = 0;
};

struct StagePlacement {
  /// Layer tags of the stage, in order.
  std::vector<std::string> layers;
  /// Modules placed whole on this stage (the projector on an encoder's last).
  std::vector<std::string> attached;
  /// Index in `layers` of the stage's module's own first layer (the LLM's
  /// first stage lists the layers of encoders without stages before it).
  size_t firstOwnLayer = 0;
  /// FLOPs of one micro-batch's step on the stage (its layers, and the
  /// module's head or tail), as ModuleInput counts them.
  double flops = 0;
  /// Per data-parallel replica, the stage's ranks: index cp_rank * tp +
  /// tp_rank.
  std::vector<std::vector<int64_t>> ranks;
};

struct ModulePlacement {
  std::string name;
  int64_t tp = 1, cp = 1;
  bool frozen = false;
  std::vector<StagePlacement> stages;
};

/// Activations flow from (module, stage) to (module, stage).
struct PipelineLink {
  std::string fromModule;
  int64_t fromStage = 0;
  std::string toModule;
  int64_t toStage = 0;
};

struct Placement {
  config::ParallelLayout layout = config::ParallelLayout::modalityParallel;
  int64_t ranks = 1, dp = 1, ranksPerReplica = 1;
  std::vector<ModulePlacement> modules;
  std::vector<PipelineLink> links;
};

/// Places `modules` (encoders in merge order, the LLM last) on `ranks`
/// ranks (0: one replica). False with `error` = one sentence naming the
/// model.json field when the plan cannot work (more stages than layers,
/// layer counts that do not add up, a rank count that is not a multiple of
/// one replica's).
bool placeModules(const std::vector<ModuleInput> &modules,
                  config::ParallelLayout layout, int64_t ranks,
                  Placement &placement, std::string &error);

/// Layers per stage for `stages` contiguous stages of the layers costing
/// `costs` (the first stage also pays `head`, the last `tail`), each
/// holding at least one layer, such that the costliest stage is as cheap
/// as can be (exact). Ties go to the earliest cut. `lastCosts`, when
/// given, are the layers' costs on the last stage (which runs no separate
/// forward).
std::vector<int64_t> balancedSplit(const std::vector<double> &costs,
                                   double head, double tail, int64_t stages,
                                   const std::vector<double> &lastCosts = {});

/// The ranks of one data-parallel replica: sum over modules of stages x tp
/// x cp.
int64_t replicaRanks(const config::ModelConfig &model);

/// True when `model` asks for more than one rank (parallel.ranks > 1), a
/// tensor-parallel module or LLM pipeline stages; a single-process model
/// ignores the rest of its plan.
bool isDistributed(const config::ModelConfig &model);

/// The plan the generated program runs: every module's pipeline stages
/// (encoders in model.json's order, then the LLM), each of its module's tp
/// ranks; an encoder with `"stages": 0` runs on the LLM's first stage. The
/// LLM's tp splits every module of that tp (the others run whole on each
/// rank of their stage). Modality parallel: each encoder's last stage feeds
/// the LLM's first; colocated: one chain through the modules in order. dp
/// replicas of the sum of the stages' tp.
struct ProgramPlan {
  /// The LLM's tp (the degree modules are split with), the data-parallel
  /// replicas, the LLM's context-parallel ranks (each holding a replica's
  /// stages, reading the same data) and the pipeline stages of one replica.
  int64_t tp = 1, dp = 1, cp = 1, stages = 1;
  /// Modules whose layers are split over the tp ranks ("llm" and the
  /// encoders of the same tp).
  std::vector<std::string> splitModules;
  /// Per stage: its tensor-parallel ranks and the stage it sends to (-1 for
  /// the last).
  std::vector<int64_t> stageTp{1}, stageNext{-1};
  /// The first layer of every stage ("llm:model.layers.1"), from the
  /// placement (setStageStarts()).
  std::vector<std::string> stageStarts;

  int64_t ranksPerReplica() const {
    int64_t ranks = 0;
    for (int64_t tp : stageTp)
      ranks += tp;
    return ranks;
  }
  /// Whether the stages are one chain of one tp (the plain pipeline).
  bool isChain() const;
};

/// The program plan of `model` on `ranks` ranks (0: one replica); false
/// with `error` = one sentence naming the model.json field when an encoder
/// has a tp other than 1 or the LLM's, the rank count is not a multiple of
/// one replica's times the LLM's cp, or cp meets pipeline stages.
bool programPlan(const config::ModelConfig &model, int64_t ranks,
                 ProgramPlan &plan, std::string &error);

/// `plan.stageStarts` from the modules' stages in `placement`.
void setStageStarts(const Placement &placement, ProgramPlan &plan);

struct PlanReport;

/// The placement as the JSON of docs/parallel.md; with `report` (an
/// automatic plan, Planner.h) also the schedule, micro-batches, predicted
/// step and every plan family the planner compared.
std::string placementJson(const Placement &placement, const std::string &model,
                          const PlanReport *report = nullptr);

} // namespace starch::plan

#endif // STARCH_COMPILER_PLAN_PLACEMENT_H
