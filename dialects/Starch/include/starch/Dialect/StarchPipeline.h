//===- StarchPipeline.h - Ranks of a pipelined program ------------*- C++
//-*-===//
//
// A pipelined program (starch-pipeline-split) is one module for every rank:
// each pipeline stage has its own entry functions (`@train_step.stage1`),
// and the module attribute `starch.pipeline` says how stages sit on ranks.
// A chain of stages of one tensor-parallel degree:
//
//   starch.pipeline = {stages = 2 : i64, tp = 2 : i64, replicas = 3 : i64}
//
// Any other layout (encoders on ranks of their own, modules of different
// tp) lists each stage's tp and the stage it sends its outputs to (-1: the
// last stage, which computes the loss):
//
//   starch.pipeline = {next = array<i64: 2, 2, 3, -1>,
//                      tp = array<i64: 1, 1, 2, 2>, replicas = 1 : i64}
//
// Stages form a tree towards the last one: every stage sends to one
// successor, a stage may receive from several (the LLM's first stage from
// every encoder's last). Replica d holds ranks [d x R, (d+1) x R) with R the
// sum of the stages' tp; inside it, stage s holds tp[s] consecutive ranks
// after those of the stages before it (docs/parallel.md's numbering). The
// passes that make send/recv pairs and rank groups, the interpreter and the
// code generator all read this one description.
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_DIALECT_STARCHPIPELINE_H
#define STARCH_DIALECT_STARCHPIPELINE_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinOps.h"

#include <cstdint>
#include <numeric>
#include <optional>
#include <string>
#include <vector>

namespace starch {

inline constexpr llvm::StringLiteral kPipelineAttrName = "starch.pipeline";
/// starch-pipeline-schedule's per-stage functions (`@step_gradients.stage0`):
/// a whole step's loss and gradient sums, which starch-optimizer completes.
inline constexpr llvm::StringLiteral kStepGradientsName = "step_gradients";

struct PipelineLayout {
  int64_t stages = 1, replicas = 1;
  /// Per stage: its tensor-parallel ranks, and the stage it sends to (-1
  /// for the last).
  std::vector<int64_t> tp{1}, next{-1};

  /// A chain of `stages` stages of `tp` ranks each.
  static PipelineLayout chain(int64_t stages, int64_t tp, int64_t replicas) {
    PipelineLayout layout;
    layout.stages = stages;
    layout.replicas = replicas;
    layout.tp.assign(stages, tp);
    layout.next.clear();
    for (int64_t s = 0; s < stages; ++s)
      layout.next.push_back(s + 1 < stages ? s + 1 : -1);
    return layout;
  }

  int64_t ranksPerReplica() const {
    return std::accumulate(tp.begin(), tp.end(), int64_t(0));
  }
  int64_t worldSize() const { return replicas * ranksPerReplica(); }
  /// The first rank of `stage` inside a replica.
  int64_t offsetOf(int64_t stage) const {
    return std::accumulate(tp.begin(), tp.begin() + stage, int64_t(0));
  }
  int64_t stageOfRank(int64_t rank) const {
    int64_t local = rank % ranksPerReplica();
    int64_t stage = 0;
    while (local >= tp[stage])
      local -= tp[stage++];
    return stage;
  }
  /// The rank of `stage` in replica `replica` at tensor-parallel position
  /// `position`.
  int64_t rankOf(int64_t replica, int64_t stage, int64_t position) const {
    return replica * ranksPerReplica() + offsetOf(stage) + position;
  }
  /// The stages sending to `stage`, in stage order.
  std::vector<int64_t> predecessors(int64_t stage) const {
    std::vector<int64_t> result;
    for (int64_t s = 0; s < stages; ++s)
      if (next[s] == stage)
        result.push_back(s);
    return result;
  }
  /// Stages after `stage` up to the last (the pipeline depth it warms up
  /// for).
  int64_t stagesAfter(int64_t stage) const {
    int64_t count = 0;
    for (int64_t s = next[stage]; s >= 0; s = next[s])
      ++count;
    return count;
  }
  bool isChain() const {
    for (int64_t s = 0; s < stages; ++s)
      if (next[s] != (s + 1 < stages ? s + 1 : -1) || tp[s] != tp[0])
        return false;
    return true;
  }
  /// [sender, receiver] pairs from stage `from` to stage `to`, per replica:
  /// the receiver at tensor-parallel position j gets the value from the
  /// sender at position j mod tp[from] (tensor-parallel ranks hold
  /// activations whole, so any copy serves; a smaller group fans out, a
  /// larger one sends from its first positions only).
  std::vector<std::vector<int64_t>> pairs(int64_t from, int64_t to) const {
    std::vector<std::vector<int64_t>> result;
    for (int64_t d = 0; d < replicas; ++d)
      for (int64_t j = 0; j < tp[to]; ++j)
        result.push_back({rankOf(d, from, j % tp[from]), rankOf(d, to, j)});
    return result;
  }
  /// Per replica, the ranks of `stage` (its tensor-parallel group).
  std::vector<std::vector<int64_t>> stageRanks(int64_t stage) const {
    std::vector<std::vector<int64_t>> result;
    for (int64_t d = 0; d < replicas; ++d) {
      std::vector<int64_t> group;
      for (int64_t j = 0; j < tp[stage]; ++j)
        group.push_back(rankOf(d, stage, j));
      result.push_back(group);
    }
    return result;
  }
  /// The context-parallel groups of `stage` when each data-parallel
  /// replica's `cp` context-parallel copies are consecutive replicas here
  /// (starch-context-parallel): per data replica and tensor-parallel
  /// position, that rank of each copy.
  std::vector<std::vector<int64_t>> contextGroups(int64_t stage,
                                                  int64_t cp) const {
    std::vector<std::vector<int64_t>> result;
    for (int64_t k = 0; k < replicas / cp; ++k)
      for (int64_t j = 0; j < tp[stage]; ++j) {
        std::vector<int64_t> group;
        for (int64_t c = 0; c < cp; ++c)
          group.push_back(rankOf(k * cp + c, stage, j));
        result.push_back(group);
      }
    return result;
  }
  /// Per replica, all its ranks (the groups that combine a step's loss and
  /// norms over the stages).
  std::vector<std::vector<int64_t>> replicaGroups() const {
    std::vector<std::vector<int64_t>> result;
    for (int64_t d = 0; d < replicas; ++d) {
      std::vector<int64_t> group(ranksPerReplica());
      std::iota(group.begin(), group.end(), d * ranksPerReplica());
      result.push_back(group);
    }
    return result;
  }

  mlir::DictionaryAttr toAttr(mlir::MLIRContext *context) const {
    auto i64 = mlir::IntegerType::get(context, 64);
    auto entry = [&](llvm::StringRef name, mlir::Attribute value) {
      return mlir::NamedAttribute(mlir::StringAttr::get(context, name), value);
    };
    auto integer = [&](int64_t value) {
      return mlir::IntegerAttr::get(i64, value);
    };
    if (isChain())
      return mlir::DictionaryAttr::get(context,
                                       {entry("stages", integer(stages)),
                                        entry("tp", integer(tp[0])),
                                        entry("replicas", integer(replicas))});
    return mlir::DictionaryAttr::get(
        context, {entry("tp", mlir::DenseI64ArrayAttr::get(context, tp)),
                  entry("next", mlir::DenseI64ArrayAttr::get(context, next)),
                  entry("replicas", integer(replicas))});
  }

  /// Whether the stages form a tree towards the last one (checked by
  /// of() and by the pass that writes the layout).
  bool isWellFormed() const {
    if (stages < 1 || replicas < 1 ||
        static_cast<int64_t>(tp.size()) != stages ||
        static_cast<int64_t>(next.size()) != stages || next.back() != -1)
      return false;
    for (int64_t s = 0; s < stages; ++s)
      if (tp[s] < 1 || (s + 1 < stages && (next[s] <= s || next[s] >= stages)))
        return false;
    return true;
  }

  /// The layout of a pipelined module; nullopt when it is not pipelined
  /// (or the attribute is malformed).
  static std::optional<PipelineLayout> of(mlir::ModuleOp module) {
    auto dict = module->getAttrOfType<mlir::DictionaryAttr>(kPipelineAttrName);
    if (!dict)
      return std::nullopt;
    auto replicas = dict.getAs<mlir::IntegerAttr>("replicas");
    if (!replicas)
      return std::nullopt;
    PipelineLayout layout;
    if (auto uniformTp = dict.getAs<mlir::IntegerAttr>("tp")) {
      auto stages = dict.getAs<mlir::IntegerAttr>("stages");
      if (!stages || stages.getInt() < 1)
        return std::nullopt;
      layout = chain(stages.getInt(), uniformTp.getInt(), replicas.getInt());
    } else {
      auto tp = dict.getAs<mlir::DenseI64ArrayAttr>("tp");
      auto next = dict.getAs<mlir::DenseI64ArrayAttr>("next");
      if (!tp || !next)
        return std::nullopt;
      layout.stages = tp.size();
      layout.replicas = replicas.getInt();
      layout.tp.assign(tp.asArrayRef().begin(), tp.asArrayRef().end());
      layout.next.assign(next.asArrayRef().begin(), next.asArrayRef().end());
    }
    if (!layout.isWellFormed())
      return std::nullopt;
    return layout;
  }
};

/// The name of stage `stage`'s variant of the entry function `entry`.
inline std::string stageFunctionName(llvm::StringRef entry, int64_t stage) {
  return (entry + ".stage" + llvm::Twine(stage)).str();
}

/// The function rank `rank` runs for the entry `entry` ("train_step"): its
/// stage's variant in a pipelined module, else `entry` itself.
inline std::string entryForRank(mlir::ModuleOp module, llvm::StringRef entry,
                                int64_t rank) {
  std::optional<PipelineLayout> layout = PipelineLayout::of(module);
  if (!layout)
    return entry.str();
  return stageFunctionName(entry, layout->stageOfRank(rank));
}

} // namespace starch

#endif // STARCH_DIALECT_STARCHPIPELINE_H
