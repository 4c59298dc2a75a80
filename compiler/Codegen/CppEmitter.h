//===- CppEmitter.h - Training step IR -> C++ source ------------*- C++ -*-===//
//
// Emits one C++ file for a module holding @train_step (made by
// starch-optimizer): one C++ function per IR function, a static memory plan
// per function, and the ProgramSpec / trainStep() entry points that the
// runtime's training main (runtime/train/TrainMain.cpp) calls; constants
// other than splats go to a data file read at start-up.
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_COMPILER_CODEGEN_CPPEMITTER_H
#define STARCH_COMPILER_CODEGEN_CPPEMITTER_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/raw_ostream.h"

#include <string>
#include <utility>
#include <vector>

namespace starch::codegen {

enum class CodegenTarget { cpu, cuda };

struct EmitOptions {
  /// cpu: C++ over runtime/kernels; cuda: CUDA source over runtime/cuda, with
  /// the tensors in device memory.
  CodegenTarget target = CodegenTarget::cpu;
  /// `name` from model.json.
  std::string modelName = "model";
  /// Length of the learning-rate schedule (training.steps).
  int64_t scheduleSteps = 100;
  /// Name of the constants file, which the program looks for in its own
  /// folder.
  std::string constantsFileName = "train.consts";
  /// Compiled from a weightless export (`starchc --shape-only`): the program
  /// refuses to train (its folded constants are zeros).
  bool shapeOnly = false;
  /// When set, gets each emitted function's arena: the bytes of the
  /// activations and temporaries it holds at its peak (starchc -v).
  std::vector<std::pair<std::string, int64_t>> *arenas = nullptr;
};

/// Writes the program to `os` and the contents of its constants file
/// (runtime/io/ConstantData.h) to `constants`, left empty when every
/// constant is a splat; fails with a diagnostic on the first op or signature
/// it cannot emit.
mlir::LogicalResult emitCpp(mlir::ModuleOp module, const EmitOptions &options,
                            llvm::raw_ostream &os, std::string &constants);

} // namespace starch::codegen

#endif // STARCH_COMPILER_CODEGEN_CPPEMITTER_H
