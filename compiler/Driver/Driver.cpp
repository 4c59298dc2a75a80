//===- Driver.cpp - starchc's stages and pass pipelines -------------------===//
#include "compiler/Driver/Driver.h"
#include "passes/Passes.h"
#include "runtime/io/Npy.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
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
      .Default(std::nullopt);
}

std::string emitStageNames() { return "starch, raised"; }

void buildPipeline(mlir::OpPassManager &pm, EmitStage stage) {
  if (stage >= EmitStage::raised)
    pm.addPass(createStarchRaise());
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

/// Writes `module` to `path` through a temporary file in the same directory,
/// renamed at the end, so that a failure never leaves a partial file.
bool writeAtomically(mlir::ModuleOp module, const std::string &path,
                     std::string &error) {
  if (path == "-") {
    module.print(llvm::outs());
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
    module.print(os);
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

double secondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
      .count();
}

} // namespace

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
  mlir::OwningOpRef<mlir::ModuleOp> module =
      import::importOnnxFile(context, options.inputPath, options.import, error);
  if (!module)
    return fail(error);
  double importSeconds = secondsSince(start);

  auto passesStart = std::chrono::steady_clock::now();
  mlir::PassManager pm(&context);
  if (mlir::failed(mlir::applyPassManagerCLOptions(pm)))
    return fail("bad pass manager options");
  buildPipeline(pm, options.emit);
  if (mlir::failed(pm.run(*module)))
    return fail(
        options.inputPath + ": a pass failed: " +
        (firstDiagnostic.empty() ? "(no diagnostic)" : firstDiagnostic));
  double passSeconds = secondsSince(passesStart);

  if (!writeAtomically(*module, options.outputPath, error))
    return fail(error);
  if (options.timing)
    llvm::errs() << "import: " << llvm::format("%.3f", importSeconds)
                 << " s, passes: " << llvm::format("%.3f", passSeconds)
                 << " s\n";
  return kSuccess;
}

} // namespace starch::driver
