//===- Pipelines.h - model.json and a plan as pipeline options --*- C++ -*-===//
//
// The driver runs the phases' registered pipelines (passes/*/Passes.h); this
// file fills their options from model.json and the parallel plan, so that
// no pipeline is assembled as text.
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_COMPILER_DRIVER_PIPELINES_H
#define STARCH_COMPILER_DRIVER_PIPELINES_H

#include "compiler/Config/ModelConfig.h"
#include "compiler/Driver/Driver.h"
#include "compiler/Plan/Placement.h"
#include "passes/Passes.h"

#include "mlir/Pass/PassManager.h"

#include <string>

namespace starch::driver {

/// starch-raise-pipeline's options for `model` (compose a multimodal one).
void fillRaiseOptions(const config::ModelConfig &model,
                      RaisePipelineOptions &options);

/// starch-training-pipeline's options: model.json's training settings and
/// `program` (its stage starts set when it has stages); `verbose` makes the
/// schedule print every stage's order.
void fillTrainingOptions(const config::ModelConfig &model,
                         const plan::ProgramPlan &program, bool verbose,
                         TrainingPipelineOptions &options);

/// Adds the passes that take an imported module to `stage` (at most
/// `train`; later stages emit code from the train module). Without the
/// composed graph's layers, pipeline stages are an even cut of the LLM.
void buildPipeline(mlir::OpPassManager &pm, EmitStage stage,
                   const config::ModelConfig &model);

/// `pm` in mlir-opt's syntax (`builtin.module(starch-raise,...)`), as
/// `starchc -v` prints it and `--pass-pipeline` reads it.
std::string pipelineText(const mlir::OpPassManager &pm);

} // namespace starch::driver

#endif // STARCH_COMPILER_DRIVER_PIPELINES_H
