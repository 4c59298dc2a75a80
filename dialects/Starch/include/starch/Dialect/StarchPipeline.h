//===- StarchPipeline.h - Ranks of a pipelined program ------------*- C++ -*-===//
//
// A pipelined program (starch-pipeline-split) is one module for every rank:
// each pipeline stage has its own entry functions (`@train_step.stage1`),
// and the module attribute `starch.pipeline` says how stages sit on ranks:
//
//   starch.pipeline = {stages = 2 : i64, tp = 2 : i64, replicas = 3 : i64}
//
// Replica d holds ranks [d x R, (d+1) x R) with R = stages x tp; inside it,
// stage s holds the tp consecutive ranks from s x tp (docs/parallel.md's
// numbering for a chain of stages). The passes that make send/recv pairs and
// rank groups, the interpreter and the code generator all read this one
// description.
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_DIALECT_STARCHPIPELINE_H
#define STARCH_DIALECT_STARCHPIPELINE_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinOps.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace starch {

inline constexpr llvm::StringLiteral kPipelineAttrName = "starch.pipeline";
/// starch-pipeline-schedule's per-stage functions (`@step_gradients.stage0`):
/// a whole step's loss and gradient sums, which starch-optimizer completes.
inline constexpr llvm::StringLiteral kStepGradientsName = "step_gradients";

struct PipelineLayout {
  int64_t stages = 1, tp = 1, replicas = 1;

  int64_t ranksPerReplica() const { return stages * tp; }
  int64_t worldSize() const { return replicas * ranksPerReplica(); }
  int64_t stageOfRank(int64_t rank) const {
    return rank % ranksPerReplica() / tp;
  }
  /// The rank of `stage` in replica `replica` at tensor-parallel position
  /// `position`.
  int64_t rankOf(int64_t replica, int64_t stage, int64_t position) const {
    return replica * ranksPerReplica() + stage * tp + position;
  }
  /// [sender, receiver] pairs from every rank of stage `from` to the rank of
  /// stage `to` at the same replica and tensor-parallel position.
  std::vector<std::vector<int64_t>> pairs(int64_t from, int64_t to) const {
    std::vector<std::vector<int64_t>> result;
    for (int64_t d = 0; d < replicas; ++d)
      for (int64_t t = 0; t < tp; ++t)
        result.push_back({rankOf(d, from, t), rankOf(d, to, t)});
    return result;
  }
  /// Per replica and tensor-parallel position, its ranks of every stage in
  /// stage order (the groups that combine a step's loss and norms).
  std::vector<std::vector<int64_t>> stageGroups() const {
    std::vector<std::vector<int64_t>> result;
    for (int64_t d = 0; d < replicas; ++d)
      for (int64_t t = 0; t < tp; ++t) {
        std::vector<int64_t> group;
        for (int64_t s = 0; s < stages; ++s)
          group.push_back(rankOf(d, s, t));
        result.push_back(group);
      }
    return result;
  }

  mlir::DictionaryAttr toAttr(mlir::MLIRContext *context) const {
    auto i64 = mlir::IntegerType::get(context, 64);
    auto entry = [&](llvm::StringRef name, int64_t value) {
      return mlir::NamedAttribute(mlir::StringAttr::get(context, name),
                                  mlir::IntegerAttr::get(i64, value));
    };
    return mlir::DictionaryAttr::get(
        context, {entry("stages", stages), entry("tp", tp),
                  entry("replicas", replicas)});
  }

  /// The layout of a pipelined module; nullopt when it is not pipelined
  /// (or the attribute is malformed).
  static std::optional<PipelineLayout> of(mlir::ModuleOp module) {
    auto dict = module->getAttrOfType<mlir::DictionaryAttr>(kPipelineAttrName);
    if (!dict)
      return std::nullopt;
    PipelineLayout layout;
    for (auto [name, field] : {std::pair{"stages", &layout.stages},
                               std::pair{"tp", &layout.tp},
                               std::pair{"replicas", &layout.replicas}}) {
      auto value = dict.getAs<mlir::IntegerAttr>(name);
      if (!value || value.getInt() < 1)
        return std::nullopt;
      *field = value.getInt();
    }
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
