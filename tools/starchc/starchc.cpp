//===- starchc.cpp - The Starch compiler driver ---------------------------===//
//
//   starchc model.onnx --emit=starch|raised [-o out.mlir]
//           [--input-shape NAME=2x16 ...] [--mlir-print-ir-after-all]
//
// Errors print one line and exit with status 2; no output file is left
// behind (the output is written to a temporary file and renamed).
//
//===----------------------------------------------------------------------===//
#include "compiler/Driver/Driver.h"
#include "compiler/Import/OnnxImporter.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>

using namespace llvm;
namespace cl = llvm::cl;

static cl::OptionCategory category("starchc options");
static cl::opt<std::string> inputPath(cl::Positional, cl::desc("<model.onnx>"),
                                      cl::Required, cl::cat(category));
static cl::opt<std::string> outputPath("o", cl::desc("output file (- for stdout)"),
                                       cl::init("-"), cl::cat(category));
static cl::opt<std::string>
    emit("emit", cl::desc("stop after this stage: starch (imported) | raised"),
         cl::init("raised"), cl::cat(category));
static cl::list<std::string>
    inputShapes("input-shape",
                cl::desc("NAME=AxBx...: shape of a graph input with symbolic "
                         "dimensions; repeat"),
                cl::cat(category));
static cl::opt<bool> verbose("v", cl::desc("print stage timings"),
                             cl::cat(category));

static int fail(const Twine &message) {
  errs() << "error: " << message << "\n";
  return 2;
}

static bool parseShapes(starch::import::ImportOptions &options,
                        std::string &error) {
  for (const std::string &spec : inputShapes) {
    auto [name, dims] = StringRef(spec).split('=');
    if (name.empty() || dims.empty()) {
      error = "--input-shape '" + spec + "': expected NAME=AxBx...";
      return false;
    }
    SmallVector<StringRef> parts;
    dims.split(parts, 'x');
    std::vector<int64_t> shape;
    for (StringRef part : parts) {
      int64_t size;
      if (part.getAsInteger(10, size) || size <= 0) {
        error = "--input-shape '" + spec + "': '" + part.str() +
                "' is not a positive size";
        return false;
      }
      shape.push_back(size);
    }
    options.inputShapes[name.str()] = shape;
  }
  return true;
}

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  mlir::registerAsmPrinterCLOptions();
  mlir::registerMLIRContextCLOptions();
  mlir::registerPassManagerCLOptions();
  cl::HideUnrelatedOptions({&category, &cl::getGeneralCategory()});
  cl::ParseCommandLineOptions(argc, argv, "Starch compiler driver\n");

  auto stage = starch::driver::parseEmitStage(emit);
  if (!stage)
    return fail("--emit=" + emit + " is not a stage (starch, raised)");
  starch::import::ImportOptions options;
  std::string error;
  if (!parseShapes(options, error))
    return fail(error);

  mlir::MLIRContext context;
  auto start = std::chrono::steady_clock::now();
  auto module = starch::import::importOnnxFile(context, inputPath, options, error);
  if (!module)
    return fail(error);
  auto imported = std::chrono::steady_clock::now();

  mlir::PassManager pm(&context);
  if (mlir::failed(mlir::applyPassManagerCLOptions(pm)))
    return fail("bad pass manager options");
  starch::driver::buildPipeline(pm, *stage);
  if (mlir::failed(pm.run(*module)))
    return fail(inputPath + ": a pass failed (see the diagnostic above)");
  auto done = std::chrono::steady_clock::now();
  if (verbose)
    errs() << "import: "
           << std::chrono::duration<double>(imported - start).count() << " s, "
           << "passes: " << std::chrono::duration<double>(done - imported).count()
           << " s\n";

  std::error_code ec;
  auto output = std::make_unique<ToolOutputFile>(outputPath, ec, sys::fs::OF_None);
  if (ec)
    return fail("cannot write '" + outputPath + "': " + ec.message());
  module->print(output->os());
  output->keep();
  return 0;
}
