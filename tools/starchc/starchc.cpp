//===- starchc.cpp - The Starch compiler driver ---------------------------===//
//
//   starchc MODEL.onnx --emit=starch|raised [-o OUT.mlir]
//           [--input-shape NAME=2x16 ...] [--constant-input NAME=FILE.npy ...]
//
// Flags only: compiler/Driver does the work. Errors print one line and exit
// with status 2; no output file is left behind.
//
//===----------------------------------------------------------------------===//
#include "compiler/Driver/Driver.h"
#include "compiler/Import/OnnxImporter.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;
namespace driver = starch::driver;

static cl::OptionCategory category("starchc options");
static cl::opt<std::string> inputPath(cl::Positional, cl::desc("<model.onnx>"),
                                      cl::cat(category));
static cl::opt<std::string> outputPath("o",
                                       cl::desc("output file (- for stdout)"),
                                       cl::init("-"), cl::cat(category));
static cl::opt<std::string>
    emit("emit", cl::desc("stop after this stage: starch (imported) | raised"),
         cl::init("raised"), cl::cat(category));
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

static int fail(const Twine &message) {
  errs() << "error: " << message << "\n";
  return driver::kUserError;
}

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  mlir::registerAsmPrinterCLOptions();
  mlir::registerMLIRContextCLOptions();
  mlir::registerPassManagerCLOptions();
  cl::HideUnrelatedOptions({&category, &cl::getGeneralCategory()});
  cl::ParseCommandLineOptions(argc, argv, "Starch compiler driver\n");

  if (printSupportedOps) {
    for (const std::string &op : starch::import::supportedOnnxOps())
      outs() << op << "\n";
    return driver::kSuccess;
  }
  driver::CompileOptions options;
  if (inputPath.empty())
    return fail("no input file (usage: starchc MODEL.onnx --emit=STAGE)");
  options.inputPath = inputPath;
  options.outputPath = outputPath;
  options.timing = timing;
  auto stage = driver::parseEmitStage(emit);
  if (!stage)
    return fail("--emit=" + emit + " is not a stage (" +
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
