//===- Driver.cpp - starchc's stages and pass pipelines -------------------===//
#include "compiler/Driver/Driver.h"

#include "compiler/Codegen/CppEmitter.h"
#include "compiler/Driver/AssembleModules.h"
#include "compiler/Driver/HostCompiler.h"
#include "compiler/Driver/ImportSummary.h"
#include "compiler/Driver/MemoryReport.h"
#include "compiler/Driver/Pipelines.h"
#include "compiler/Driver/PlanModel.h"
#include "compiler/Plan/Placement.h"
#include "passes/Passes.h"
#include "runtime/io/Npy.h"

#include "mlir/Pass/PassRegistry.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>

namespace starch::driver {

std::optional<EmitStage> parseEmitStage(llvm::StringRef name) {
  return llvm::StringSwitch<std::optional<EmitStage>>(name)
      .Case("starch", EmitStage::starch)
      .Case("raised", EmitStage::raised)
      .Case("train", EmitStage::train)
      .Case("cpp", EmitStage::cpp)
      .Case("exe", EmitStage::exe)
      .Case("plan", EmitStage::plan)
      .Default(std::nullopt);
}

std::string emitStageNames() {
  return "starch, raised, train, cpp, exe, plan";
}

bool parseInputShape(llvm::StringRef spec, import::ImportOptions &options,
                     std::string &error) {
  auto [name, dims] = spec.split('=');
  if (name.empty() || !spec.contains('=')) {
    error = "--input-shape '" + spec.str() + "': expected NAME=AxBx...";
    return false;
  }
  std::vector<int64_t> shape;
  if (!dims.empty()) {
    llvm::SmallVector<llvm::StringRef> parts;
    dims.split(parts, 'x');
    for (llvm::StringRef part : parts) {
      int64_t size;
      if (part.getAsInteger(10, size) || size < 0) {
        error = "--input-shape '" + spec.str() + "': '" + part.str() +
                "' is not a size (a non-negative integer)";
        return false;
      }
      shape.push_back(size);
    }
  }
  options.inputShapes[name.str()] = shape;
  return true;
}

bool parseConstantInput(llvm::StringRef spec, import::ImportOptions &options,
                        std::string &error) {
  auto [name, file] = spec.split('=');
  if (name.empty() || file.empty()) {
    error = "--constant-input '" + spec.str() + "': expected NAME=FILE.npy";
    return false;
  }
  rt::Tensor data;
  if (!rt::readNpy(file.str(), data, error)) {
    error = "--constant-input '" + spec.str() + "': " + error;
    return false;
  }
  options.constantInputs[name.str()] = std::move(data);
  return true;
}

namespace {

int fail(const llvm::Twine &message) {
  llvm::errs() << "error: " << message << "\n";
  return kUserError;
}

/// Writes what `write` prints to `path` ("-": stdout) through a temporary
/// file in the same directory, renamed at the end, so that a failure never
/// leaves a partial file.
bool writeAtomically(const std::string &path,
                     llvm::function_ref<void(llvm::raw_ostream &)> write,
                     std::string &error) {
  if (path == "-") {
    write(llvm::outs());
    llvm::outs().flush();
    return true;
  }
  llvm::SmallString<256> model(path);
  model += ".tmp-%%%%%%";
  int fd;
  llvm::SmallString<256> temporary;
  if (std::error_code ec =
          llvm::sys::fs::createUniqueFile(model, fd, temporary)) {
    error = "cannot write '" + path + "': " + ec.message();
    return false;
  }
  {
    llvm::raw_fd_ostream os(fd, /*shouldClose=*/true);
    write(os);
    os.close();
    if (os.has_error()) {
      error = "cannot write '" + path + "': " + os.error().message();
      os.clear_error();
      llvm::sys::fs::remove(temporary);
      return false;
    }
  }
  if (std::error_code ec = llvm::sys::fs::rename(temporary, path)) {
    llvm::sys::fs::remove(temporary);
    error = "cannot write '" + path + "': " + ec.message();
    return false;
  }
  return true;
}

bool writeTextAtomically(const std::string &text, const std::string &path,
                         std::string &error) {
  return writeAtomically(
      path, [&](llvm::raw_ostream &os) { os << text; }, error);
}

/// The constants file beside a program or its source (train.cpp and train
/// both have train.consts); the program looks it up by this name.
std::string constantsPathFor(const std::string &output) {
  llvm::StringRef stem(output);
  if (stem.ends_with(".cpp") || stem.ends_with(".cu"))
    stem = stem.drop_back(llvm::sys::path::extension(stem).size());
  return (stem + ".consts").str();
}

/// Compiles `source` with the host compiler into `output` (built under a
/// temporary name, renamed when complete); `constants` (if any) is written
/// beside it first and removed again if the build fails.
bool buildExecutable(const std::string &source, const std::string &constants,
                     const std::string &output, bool cuda, bool verbose,
                     std::string &error) {
  std::string constantsPath = constantsPathFor(output);
  if (!constants.empty() &&
      !writeTextAtomically(constants, constantsPath, error))
    return false;
  auto removeConstants = [&] {
    if (!constants.empty())
      llvm::sys::fs::remove(constantsPath);
  };
  std::string sourcePath = output + (cuda ? ".starch.cu" : ".starch.cpp");
  if (!writeTextAtomically(source, sourcePath, error)) {
    removeConstants();
    return false;
  }
  llvm::SmallString<256> model(output);
  model += ".tmp-%%%%%%";
  llvm::SmallString<256> temporary;
  llvm::sys::fs::createUniquePath(model, temporary, /*MakeAbsolute=*/false);
  bool ok = runCommand(
      hostCompileCommand(sourcePath, temporary.str().str(), cuda), verbose,
      error);
  llvm::sys::fs::remove(sourcePath);
  if (!ok) {
    llvm::sys::fs::remove(temporary);
    removeConstants();
    return false;
  }
  if (std::error_code ec = llvm::sys::fs::rename(temporary, output)) {
    llvm::sys::fs::remove(temporary);
    removeConstants();
    error = "cannot write '" + output + "': " + ec.message();
    return false;
  }
  return true;
}

double secondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
      .count();
}

} // namespace

mlir::OwningOpRef<mlir::ModuleOp>
importModel(mlir::MLIRContext &context, const config::ModelConfig &model,
            const import::ImportOptions &options, std::string &error) {
  if (model.isMultimodal())
    return assembleModules(context, model, options, error);
  import::ImportOptions importOptions = options;
  for (const auto &[name, shape] : model.inputShapes)
    importOptions.inputShapes[name] = shape;
  if (!model.llmWeights.empty())
    importOptions.frameworkWeights = model.llmWeights;
  mlir::OwningOpRef<mlir::ModuleOp> module =
      import::importOnnxFile(context, model.llmOnnx, importOptions, error);
  if (module && (!freezeParams(*module, model.llmFrozen, model.llmFreeze,
                               "llm", model.llmOnnx, error) ||
                 !markPaddingRow(*module, model.llmPaddingIdx, model.llmOnnx,
                                 error))) {
    error = (model.path.empty() ? model.llmOnnx : model.path) + ": " + error;
    return nullptr;
  }
  return module;
}

int compile(const CompileOptions &options, mlir::MLIRContext &context) {
  // Every diagnostic becomes at most one line of the error message.
  std::string firstDiagnostic;
  mlir::ScopedDiagnosticHandler capture(&context, [&](mlir::Diagnostic &diag) {
    if (diag.getSeverity() == mlir::DiagnosticSeverity::Error &&
        firstDiagnostic.empty()) {
      firstDiagnostic = diag.str();
      if (auto name = llvm::dyn_cast<mlir::NameLoc>(diag.getLocation()))
        firstDiagnostic =
            "node '" + name.getName().str() + "': " + firstDiagnostic;
    }
    return mlir::success();
  });

  auto start = std::chrono::steady_clock::now();
  std::string error;
  config::ModelConfig model;
  if (llvm::StringRef(options.inputPath).ends_with(".json")) {
    if (!config::parseModelConfig(options.inputPath, model, error))
      return fail(error);
  } else {
    model.name = llvm::sys::path::stem(options.inputPath).str();
    model.llmOnnx = options.inputPath;
  }
  std::string onnxPath =
      model.isMultimodal() ? options.inputPath : model.llmOnnx;
  if (options.emit == EmitStage::exe && options.outputPath == "-")
    return fail("--emit=exe needs an output file (-o NAME)");
  // A program for several ranks: dp replicas of every module's pipeline
  // stages (compiler/Plan's ProgramPlan).
  plan::ProgramPlan program;
  // An automatic plan is chosen once the composed graph is there.
  if (options.emit != EmitStage::plan && options.emit >= EmitStage::train &&
      !model.parallel.autoPlan && plan::isDistributed(model) &&
      !plan::programPlan(model, model.parallel.ranks, program, error))
    return fail(error);

  // A plan reads shapes only: a model exported without its weights plans.
  import::ImportOptions importOptions = options.import;
  importOptions.shapeOnly =
      options.shapeOnly || options.emit == EmitStage::plan;
  mlir::OwningOpRef<mlir::ModuleOp> module =
      importModel(context, model, importOptions, error);
  if (!module || !setNoWeightDecay(*module, model.training, error))
    return fail(model.path.empty() || !module ? error
                                              : model.path + ": " + error);
  if (!model.isMultimodal())
    warnFoldedWeights(*module, model.llmOnnx, llvm::errs());
  if (options.verbose)
    printImportSummary(*module, llvm::errs());
  double importSeconds = secondsSince(start);

  auto passesStart = std::chrono::steady_clock::now();
  // A plan reads the composed forward graph.
  EmitStage passStage = options.emit == EmitStage::plan
                            ? EmitStage::raised
                            : std::min(options.emit, EmitStage::train);
  // Code generation emits one function per distinct layer body
  // (docs/codegen.md); --emit=train shows the step before outlining.
  bool outline =
      options.emit == EmitStage::cpp || options.emit == EmitStage::exe;
  // Runs the passes `build` adds, printing them first with -v.
  auto runPasses =
      [&](llvm::function_ref<bool(mlir::OpPassManager &)> build) -> bool {
    // Anchored on the module, so that -v prints builtin.module(...).
    mlir::PassManager pm(&context, mlir::ModuleOp::getOperationName());
    if (mlir::failed(mlir::applyPassManagerCLOptions(pm))) {
      error = "bad pass manager options";
      return false;
    }
    if (!build(pm))
      return false;
    if (pm.size() == 0)
      return true;
    if (options.verbose)
      llvm::errs() << "pipeline: " << pipelineText(pm) << "\n";
    if (mlir::succeeded(pm.run(*module)))
      return true;
    error = onnxPath + ": a pass failed: " +
            (firstDiagnostic.empty() ? "(no diagnostic)" : firstDiagnostic);
    return false;
  };
  if (!options.passPipeline.empty()) {
    // mlir-opt spelling: builtin.module(a,b) or the bare list a,b.
    llvm::StringRef text = llvm::StringRef(options.passPipeline).trim();
    if (text.consume_front("builtin.module(") && !text.consume_back(")"))
      return fail("--pass-pipeline: unbalanced parentheses");
    bool ran = runPasses([&](mlir::OpPassManager &pm) {
      std::string pipelineError;
      llvm::raw_string_ostream pipelineErrors(pipelineError);
      if (!text.empty() &&
          mlir::failed(mlir::parsePassPipeline(text, pm, pipelineErrors))) {
        error =
            "--pass-pipeline: " + llvm::StringRef(pipelineError).trim().str();
        return false;
      }
      if (outline)
        pm.addPass(createStarchOutlineLayers());
      return true;
    });
    if (!ran)
      return fail(error);
  } else {
    // Up to the composed graph, then (whose layers place the pipeline
    // stages) the training step.
    if (passStage >= EmitStage::raised &&
        !runPasses([&](mlir::OpPassManager &pm) {
          RaisePipelineOptions raise;
          fillRaiseOptions(model, raise);
          buildRaisePipeline(pm, raise);
          return true;
        }))
      return fail(error);
    if (passStage >= EmitStage::train) {
      if (model.parallel.autoPlan) {
        plan::PlanRequest request;
        plan::PlanReport report;
        if (!planAutomatically(*module, model, 0, request, report, error))
          return fail(error);
        llvm::errs() << "starchc: automatic plan for " << request.ranks
                     << " ranks (docs/parallel.md)\n"
                     << plan::planReportText(request, report);
        if (plan::isDistributed(model) &&
            !plan::programPlan(model, model.parallel.ranks, program, error))
          return fail(error);
      }
      if (program.stages > 1) {
        plan::Placement placement;
        if (!planModel(*module, model, model.parallel.ranks, placement, error))
          return fail(error);
        plan::setStageStarts(placement, program);
        if (static_cast<int64_t>(program.stageStarts.size()) != program.stages)
          return fail(model.path +
                      ": a pipeline stage holds no layer of its own (a "
                      "parallel.layers count of 0); a program needs one or "
                      "more per stage");
      }
      if (!runPasses([&](mlir::OpPassManager &pm) {
            TrainingPipelineOptions training;
            fillTrainingOptions(model, program, options.verbose, training);
            training.outlineLayers = outline;
            buildTrainingPipeline(pm, training);
            return true;
          }))
        return fail(error);
    }
  }
  if (model.isMultimodal() && passStage >= EmitStage::raised &&
      options.passPipeline.empty() &&
      !checkProjectorWeights(*module, model, error))
    return fail(error);
  if (passStage >= EmitStage::train && options.passPipeline.empty() &&
      !checkNoWeightDecay(*module, model.training, error))
    return fail(model.path + ": " + error);
  double passSeconds = secondsSince(passesStart);

  auto emitStart = std::chrono::steady_clock::now();
  if (options.emit == EmitStage::plan) {
    plan::PlanRequest request;
    plan::PlanReport report;
    bool automatic = model.parallel.autoPlan;
    if (automatic) {
      if (!planAutomatically(*module, model, options.ranks, request, report,
                             error))
        return fail(error);
      llvm::errs() << plan::planReportText(request, report);
    }
    plan::Placement placement;
    if (!planModel(*module, model, automatic ? 0 : options.ranks, placement,
                   error))
      return fail(error);
    if (!writeTextAtomically(
            plan::placementJson(placement, model.name,
                                automatic ? &report : nullptr),
            options.outputPath, error))
      return fail(error);
  } else if (options.emit <= EmitStage::train) {
    if (!writeAtomically(
            options.outputPath,
            [&](llvm::raw_ostream &os) { module->print(os); }, error))
      return fail(error);
  } else {
    bool cuda = options.target == Target::cuda;
    if (cuda && options.emit == EmitStage::exe && !haveCudaToolchain())
      return fail("--target=cuda: this build of Starch has no CUDA runtime "
                  "(nvcc was not found when it was configured); --emit=cpp "
                  "still writes the CUDA source");
    std::string source, constants;
    llvm::raw_string_ostream sourceStream(source);
    codegen::EmitOptions emitOptions;
    std::vector<std::pair<std::string, int64_t>> arenas;
    if (options.verbose)
      emitOptions.arenas = &arenas;
    emitOptions.modelName = model.name;
    emitOptions.scheduleSteps = model.training.steps;
    emitOptions.shapeOnly = options.shapeOnly;
    emitOptions.target =
        cuda ? codegen::CodegenTarget::cuda : codegen::CodegenTarget::cpu;
    // Source on stdout: a program to read; its constants are not written.
    emitOptions.constantsFileName =
        llvm::sys::path::filename(constantsPathFor(options.outputPath == "-"
                                                       ? model.name + ".cpp"
                                                       : options.outputPath))
            .str();
    if (mlir::failed(
            codegen::emitCpp(*module, emitOptions, sourceStream, constants)))
      return fail(onnxPath + ": code generation failed: " +
                  (firstDiagnostic.empty() ? "(no diagnostic)"
                                           : firstDiagnostic));
    if (options.verbose)
      printMemoryReport(*module, arenas, llvm::errs());
    if (options.emit == EmitStage::cpp) {
      if (options.outputPath != "-" && !constants.empty() &&
          !writeTextAtomically(constants, constantsPathFor(options.outputPath),
                               error))
        return fail(error);
      if (!writeTextAtomically(source, options.outputPath, error))
        return fail(error);
    } else if (!buildExecutable(source, constants, options.outputPath, cuda,
                                options.verbose, error)) {
      return fail(error);
    }
  }
  double emitSeconds = secondsSince(emitStart);
  if (options.timing)
    llvm::errs() << "import: " << llvm::format("%.3f", importSeconds)
                 << " s, passes: " << llvm::format("%.3f", passSeconds)
                 << " s, emit: " << llvm::format("%.3f", emitSeconds)
                 << " s\n";
  return kSuccess;
}

} // namespace starch::driver
