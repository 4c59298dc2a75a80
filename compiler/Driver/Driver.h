//===- Driver.h - starchc's stages and pass pipelines -----------*- C++ -*-===//
//
// The driver assembles what `starchc` does: read the input (an ONNX file;
// later a model.json composing several), run the passes up to the requested
// `--emit=` stage, and write the result atomically. The tool's main() only
// parses flags into CompileOptions. The passes are the phases' registered
// pipelines, their options filled from model.json (Pipelines.h).
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_COMPILER_DRIVER_DRIVER_H
#define STARCH_COMPILER_DRIVER_DRIVER_H

#include "compiler/Config/ModelConfig.h"
#include "compiler/Import/OnnxImporter.h"
#include "compiler/Plan/Placement.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"

#include <optional>
#include <string>

namespace starch::driver {

enum class EmitStage {
  /// The imported forward graph.
  starch,
  /// After starch-raise: fused attention, norms, activations, rope.
  raised,
  /// The training step: loss, gradients and optimizer as ops (@train_step).
  train,
  /// The generated C++ source of the training program.
  cpp,
  /// The training executable.
  exe,
  /// The parallel plan (JSON, docs/parallel.md): modules, stages, ranks.
  plan,
};

enum class Target { cpu, cuda };

std::optional<EmitStage> parseEmitStage(llvm::StringRef name);
/// The stage names, for help and error messages ("starch, raised").
std::string emitStageNames();

/// Parses "NAME=AxBx..." (a size may be 0; "NAME=" is a scalar) into
/// options.inputShapes.
bool parseInputShape(llvm::StringRef spec, import::ImportOptions &options,
                     std::string &error);
/// Parses "NAME=FILE.npy" into options.constantInputs (reads the file).
bool parseConstantInput(llvm::StringRef spec, import::ImportOptions &options,
                        std::string &error);

struct CompileOptions {
  /// model.json, or an ONNX file (default training settings).
  std::string inputPath;
  /// "-" writes to stdout.
  std::string outputPath = "-";
  EmitStage emit = EmitStage::starch;
  import::ImportOptions import;
  Target target = Target::cpu;
  /// Replaces the built-in pass pipeline (mlir-opt syntax).
  std::string passPipeline;
  /// Print the pipeline and the host compiler command.
  bool verbose = false;
  /// Print the time of each stage to stderr.
  bool timing = false;
  /// The world size `--emit=plan` plans for (0: model.json's).
  int64_t ranks = 0;
  /// Weights whose external data file is absent import as zeros (always so
  /// for --emit=plan); a program compiled so refuses to train.
  bool shapeOnly = false;
};

/// Imports what `model` names: the LLM's ONNX file, or every module of a
/// multimodal model.json assembled into one module (AssembleModules.h),
/// with model.json's freezing applied. Null with `error` set on failure.
mlir::OwningOpRef<mlir::ModuleOp>
importModel(mlir::MLIRContext &context, const config::ModelConfig &model,
            const import::ImportOptions &options, std::string &error);

/// Exit statuses of starchc.
constexpr int kSuccess = 0, kUserError = 2;

/// Runs starchc: import, passes, output. On failure prints one line
/// "error: <file>: <what>" to stderr, writes no output file, and returns
/// kUserError.
int compile(const CompileOptions &options, mlir::MLIRContext &context);

} // namespace starch::driver

#endif // STARCH_COMPILER_DRIVER_DRIVER_H
