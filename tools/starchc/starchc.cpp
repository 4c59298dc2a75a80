//===- starchc.cpp - The Starch compiler driver ---------------------------===//
//
//   starchc model.json -o train             (a training executable)
//   starchc model.json|MODEL.onnx --emit=starch|raised|train|cpp|exe [-o OUT]
//           [--target=cpu|cuda] [--pass-pipeline=...] [-v]
//           [--input-shape NAME=2x16 ...] [--constant-input NAME=FILE.npy ...]
//   starchc --calibrate -o calibration.json  (this machine, for "plan": "auto")
//
// Flags only: compiler/Driver does the work. Errors print one line and exit
// with status 2; no output file is left behind.
//
//===----------------------------------------------------------------------===//
#include "compiler/Driver/Calibrate.h"
#include "compiler/Driver/Driver.h"
#include "compiler/Import/OnnxImporter.h"
#include "passes/Passes.h"
#include "tools/ParseToolFlags.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;
namespace driver = starch::driver;

static cl::OptionCategory category("starchc options");
static cl::opt<std::string> inputPath(cl::Positional,
                                      cl::desc("<model.json | model.onnx>"),
                                      cl::cat(category));
static cl::opt<std::string> outputPath("o",
                                       cl::desc("output file (- for stdout)"),
                                       cl::init("-"), cl::cat(category));
static cl::opt<std::string> emit(
    "emit",
    cl::desc("stop after this stage: starch (imported) | raised | train "
             "(training-step IR) | cpp (generated source) | exe (default for "
             "model.json; raised for an ONNX file) | plan (the parallel plan "
             "as JSON)"),
    cl::cat(category));
static cl::opt<std::string> target("target",
                                   cl::desc("code generation target: cpu | cuda"),
                                   cl::init("cpu"), cl::cat(category));
static cl::opt<std::string> passPipeline(
    "pass-pipeline",
    cl::desc("replace the pass pipeline (mlir-opt syntax, e.g. "
             "'builtin.module(starch-raise)')"),
    cl::cat(category));
static cl::opt<bool> verbose("v",
                             cl::desc("print the pass pipeline and the host "
                                      "compiler command"),
                             cl::cat(category));
static cl::list<std::string>
    inputShapes("input-shape",
                cl::desc("NAME=AxBx...: shape of a graph input with symbolic "
                         "dimensions; repeat"),
                cl::cat(category));
static cl::list<std::string> constantInputs(
    "constant-input",
    cl::desc("NAME=FILE.npy: specialise a graph input to this data (it "
             "becomes a constant and folds); repeat"),
    cl::cat(category));
static cl::opt<bool> printSupportedOps(
    "print-supported-ops",
    cl::desc("print the ONNX op types the importer supports and exit"),
    cl::cat(category));
static cl::opt<bool> timing("time", cl::desc("print the time of each stage"),
                            cl::cat(category));
static cl::opt<int64_t> ranks(
    "ranks",
    cl::desc("--emit=plan: the world size to plan for (default: model.json "
             "parallel.ranks, else one replica)"),
    cl::init(0), cl::cat(category));

static cl::opt<bool> shapeOnly(
    "shape-only",
    cl::desc("import weights whose external data file is absent as zeros "
             "(as --emit=plan always does): to measure the compiler on a "
             "weightless export; such a program refuses to train"),
    cl::cat(category));

static cl::opt<bool> calibrate(
    "calibrate",
    cl::desc("measure this machine's kernels (with the threads of one rank) "
             "and write the calibration JSON that model.json's "
             "parallel.calibration names"),
    cl::cat(category));

static int fail(const Twine &message) {
  errs() << "error: " << message << "\n";
  return driver::kUserError;
}

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  mlir::registerAsmPrinterCLOptions();
  mlir::registerMLIRContextCLOptions();
  mlir::registerPassManagerCLOptions();
  starch::registerStarchPasses();
  // --help lists starchc's flags only; MLIR's (--mlir-print-ir-after-all,
  // ...) are still accepted.
  cl::HideUnrelatedOptions(category);
  starch::tools::parseToolFlags(argc, argv, "Starch compiler driver\n");

  if (printSupportedOps) {
    for (const std::string &op : starch::import::supportedOnnxOps())
      outs() << op << "\n";
    return driver::kSuccess;
  }
  if (calibrate) {
    starch::plan::Calibration measured = driver::measureCalibration(errs());
    std::string text = starch::plan::calibrationJson(measured);
    if (outputPath == "-") {
      outs() << text;
      return driver::kSuccess;
    }
    std::error_code code;
    raw_fd_ostream file(outputPath, code);
    if (code)
      return fail(outputPath + ": " + code.message());
    file << text;
    return driver::kSuccess;
  }
  driver::CompileOptions options;
  if (inputPath.empty())
    return fail("no input file (usage: starchc model.json -o train, or "
                "starchc MODEL.onnx --emit=STAGE)");
  options.inputPath = inputPath;
  options.outputPath = outputPath;
  options.timing = timing;
  options.verbose = verbose;
  options.passPipeline = passPipeline;
  if (ranks < 0 || ranks > (1 << 20))
    return fail("--ranks must lie in [1, 1048576]");
  options.ranks = ranks;
  options.shapeOnly = shapeOnly;
  if (target == "cpu")
    options.target = driver::Target::cpu;
  else if (target == "cuda")
    options.target = driver::Target::cuda;
  else
    return fail("--target=" + target + " is not a target (cpu, cuda)");
  std::string stageName = emit;
  if (stageName.empty())
    stageName = StringRef(inputPath).ends_with(".json") ? "exe" : "raised";
  auto stage = driver::parseEmitStage(stageName);
  if (!stage)
    return fail("--emit=" + stageName + " is not a stage (" +
                driver::emitStageNames() + ")");
  options.emit = *stage;
  std::string error;
  for (const std::string &spec : inputShapes)
    if (!driver::parseInputShape(spec, options.import, error))
      return fail(error);
  for (const std::string &spec : constantInputs)
    if (!driver::parseConstantInput(spec, options.import, error))
      return fail(error);

  mlir::MLIRContext context;
  return driver::compile(options, context);
}
