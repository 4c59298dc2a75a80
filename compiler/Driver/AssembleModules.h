//===- AssembleModules.h - Every module's graph in one IR module -*- C++ -*-===//
//
// A multimodal model.json names one ONNX file per module (each encoder, the
// LLM). This imports each into one MLIR module, as the input of
// starch-compose: one function per graph (@vision, @audio, @llm), every
// parameter renamed `<module>.<framework name>` with `source` = the
// framework name and `starch.module` = the module, frozen flags from
// model.json, the module attribute `starch.weights` = {module: weights
// file}, and `starch.compose` = how starch-compose joins the functions
// (docs/multimodal.md).
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_COMPILER_DRIVER_ASSEMBLEMODULES_H
#define STARCH_COMPILER_DRIVER_ASSEMBLEMODULES_H

#include "compiler/Config/ModelConfig.h"
#include "compiler/Import/OnnxImporter.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

#include <string>

namespace starch::driver {

/// The module name of the LLM in a multimodal program.
inline constexpr const char *kLlmModuleName = "llm";

/// Imports the LLM and every encoder of `model` (which has encoders). On
/// failure returns null with `error` = one line naming the file or the
/// model.json field.
mlir::OwningOpRef<mlir::ModuleOp>
assembleModules(mlir::MLIRContext &context, const config::ModelConfig &model,
                const import::ImportOptions &options, std::string &error);

/// Marks `module`'s params frozen: all when `frozen`, else those whose
/// source (framework) name matches a glob of `freeze`. A glob matching no
/// parameter is an error naming `field`.freeze and `onnx`.
bool freezeParams(mlir::ModuleOp module, bool frozen,
                  const std::vector<std::string> &freeze,
                  const std::string &field, const std::string &onnx,
                  std::string &error);

/// Sets `padding`'s row as `padding_idx` of the token embedding of
/// `module`'s graph (an axis-0 gather of a parameter at an integer graph
/// input). A row outside the table, or none found when model.json gave the
/// row, is an error naming `padding.origin`.
bool markPaddingRow(mlir::ModuleOp module,
                    const config::PaddingIdxConfig &padding,
                    const std::string &onnx, std::string &error);

/// Sets the module attribute kNoWeightDecayAttrName (read by
/// starch-optimizer) from model.json's training.no_weight_decay; a glob that
/// does not parse is an error naming the field.
bool setNoWeightDecay(mlir::ModuleOp module,
                      const config::TrainingConfig &training,
                      std::string &error);

/// After starch-optimizer: every glob of training.no_weight_decay matched a
/// trainable parameter.
bool checkNoWeightDecay(mlir::ModuleOp module,
                        const config::TrainingConfig &training,
                        std::string &error);

/// After starch-compose: every projector parameter is in its model.json
/// weights file with the shape the composition needs (the LLM's hidden size
/// by the encoder's feature width). On a mismatch returns false with one
/// line naming the field, the tensor and both sides.
bool checkProjectorWeights(mlir::ModuleOp module,
                           const config::ModelConfig &model,
                           std::string &error);

} // namespace starch::driver

#endif // STARCH_COMPILER_DRIVER_ASSEMBLEMODULES_H
