//===- ImportOnnxFuzzer.cpp - libFuzzer target: the ONNX importer ---------===//
//
// Bytes -> model.onnx -> importOnnxFile (which verifies what it built). A
// bad model must end in an error line, never a crash, hang or sanitizer
// report. OnnxMutator.cpp adds structured edits when libFuzzer drives it.
//
//===----------------------------------------------------------------------===//
#include "compiler/Import/OnnxImporter.h"
#include "test/fuzz/ScratchFile.h"

#include "mlir/IR/MLIRContext.h"

#include <cstdio>

#include <memory>

namespace {

/// One context for many inputs (creating one costs more than most imports);
/// renewed now and then so that uniqued types and attributes (folded
/// constants among them) do not pile up: at 2000 inputs a context held
/// over 2 GB.
mlir::MLIRContext &context() {
  static std::unique_ptr<mlir::MLIRContext> context;
  static int uses = 0;
  if (!context || ++uses % 200 == 0)
    context = std::make_unique<mlir::MLIRContext>(
        mlir::MLIRContext::Threading::DISABLED);
  return *context;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string path = starch::fuzz::writeScratchFile("model.onnx", data, size);
  std::string error;
  starch::import::ImportOptions options;
  // Folding's limits 64 times lower: the same refusals and run-time
  // fallbacks, reached without building (and, under ASan, copying and
  // comparing) constants of 2^26 elements, which took most of the time.
  options.maxConstantElements = int64_t(1) << 20;
  options.maxFoldedElementsPerImport = int64_t(1) << 21;
  auto module = starch::import::importOnnxFile(context(), path, options, error);
  // Every failure is one line.
  if (!module && (error.empty() || error.find('\n') != std::string::npos)) {
    std::fprintf(stderr, "not one error line: '%s'\n", error.c_str());
    __builtin_trap();
  }
  return 0;
}
