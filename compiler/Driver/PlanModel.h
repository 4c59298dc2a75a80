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

#include "mlir/IR/BuiltinOps.h"

#include <string>

namespace starch::driver {

/// Places the modules of `module` (imported and composed, at least
/// `raised`) on `ranks` ranks (0: model.json's parallel.ranks, else one
/// replica). False with `error` naming the model.json field.
bool planModel(mlir::ModuleOp module, const config::ModelConfig &model,
               int64_t ranks, plan::Placement &placement, std::string &error);

} // namespace starch::driver

#endif // STARCH_COMPILER_DRIVER_PLANMODEL_H
