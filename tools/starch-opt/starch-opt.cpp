//===- starch-opt.cpp - Run starch passes on MLIR files -------------------===//
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"
#include "passes/Passes.h"
#include "starch/Dialect/StarchDialect.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  registry.insert<starch::StarchDialect, mlir::func::FuncDialect>();
  starch::registerStarchPasses();
  mlir::registerCanonicalizerPass();
  mlir::registerCSEPass();
  mlir::registerSymbolDCEPass();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "Starch optimizer driver\n", registry));
}
