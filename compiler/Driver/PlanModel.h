//===- PlanModel.h - model.json's parallel plan from the IR -----*- C++ -*-===//
//
// `starchc --emit=plan`: the composed model's modules and their layers (the
// `starch.module` / `starch.layer` tags of @forward, in execution order)
// placed on ranks as model.json's `parallel` fields ask (compiler/Plan).
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_COMPILER_DRIVER_PLANMODEL_H
#define STARCH_COMPILER_DRIVER_PLANMODEL_H

#include "compiler/Config/ModelConfig.h"
#include "compiler/Plan/Placement.h"
#include "compiler/Plan/Planner.h"

#include "mlir/IR/BuiltinOps.h"

#include <string>

namespace starch::driver {

/// Places the modules of `module` (imported and composed, at least
/// `raised`) on `ranks` ranks (0: model.json's parallel.ranks, else one
/// replica). False with `error` naming the model.json field.
bool planModel(mlir::ModuleOp module, const config::ModelConfig &model,
               int64_t ranks, plan::Placement &placement, std::string &error);

/// `"plan": "auto"`: measures every layer of the composed `module` with the
/// calibration (parallel.calibration, else the default), chooses the plan of
/// least predicted step time for `ranks` ranks (0: parallel.ranks) and
/// writes it into `model` (layout, each module's parallel fields,
/// training.micro_batches per replica). False with `error` when no plan
/// fits.
bool planAutomatically(mlir::ModuleOp module, config::ModelConfig &model,
                       int64_t ranks, plan::PlanRequest &request,
                       plan::PlanReport &report, std::string &error);

} // namespace starch::driver

#endif // STARCH_COMPILER_DRIVER_PLANMODEL_H
