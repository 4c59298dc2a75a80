//===- MemoryReport.cpp - What a compiled program holds per rank ----------===//
#include "compiler/Driver/MemoryReport.h"

#include "starch/Dialect/StarchDialect.h"
#include "starch/Dialect/StarchOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/Support/Format.h"

namespace starch::driver {
namespace {

int64_t bytesOf(mlir::Type type) {
  auto tensor = mlir::cast<mlir::RankedTensorType>(type);
  return tensor.getNumElements() *
         ((tensor.getElementType().getIntOrFloatBitWidth() + 7) / 8);
}

std::string megabytes(int64_t bytes) {
  std::string text;
  llvm::raw_string_ostream(text)
      << llvm::format("%.2f MB", static_cast<double>(bytes) / (1 << 20));
  return text;
}

/// The bytes the program's splat constants hold: they share one buffer per
/// element type and value (runtime/train/SharedSplats.h), the largest one.
int64_t sharedSplatBytes(mlir::ModuleOp module) {
  llvm::DenseMap<std::pair<mlir::Type, mlir::Attribute>, int64_t> largest;
  module.walk([&](ConstantOp constant) {
    auto dense = mlir::dyn_cast<mlir::DenseElementsAttr>(constant.getValue());
    if (!dense || !dense.isSplat())
      return;
    int64_t &bytes = largest[{dense.getElementType(),
                              dense.getSplatValue<mlir::Attribute>()}];
    bytes = std::max(bytes, bytesOf(constant.getType()));
  });
  int64_t total = 0;
  for (const auto &entry : largest)
    total += entry.second;
  return total;
}

} // namespace

void printMemoryReport(
    mlir::ModuleOp module,
    const std::vector<std::pair<std::string, int64_t>> &arenas,
    llvm::raw_ostream &os) {
  int64_t parameters = 0, state = 0, gradients = 0, activations = 0;
  for (auto param : module.getOps<ParamOp>())
    (param.getState() ? state : parameters) += bytesOf(param.getType());
  // A gradient function returns its forward's results, then one gradient
  // per trainable parameter (`grad.` names).
  for (auto function : module.getOps<mlir::func::FuncOp>()) {
    if (!function->hasAttr(kGradientOfAttrName))
      continue;
    for (unsigned i = 0; i < function.getNumResults(); ++i) {
      auto name =
          function.getResultAttrOfType<mlir::StringAttr>(i, kNameAttrName);
      if (name && name.getValue().starts_with("grad."))
        gradients += bytesOf(function.getResultTypes()[i]);
    }
  }
  for (const auto &arena : arenas)
    activations += arena.second;
  int64_t splats = sharedSplatBytes(module);
  os << "memory per rank: parameters " << megabytes(parameters)
     << ", optimizer state " << megabytes(state) << ", gradients "
     << megabytes(gradients) << " (in the step's arena), arenas "
     << megabytes(activations) << ", splat constants " << megabytes(splats)
     << "; " << megabytes(parameters + state + activations + splats)
     << " in all\n";
  for (const auto &[function, bytes] : arenas)
    os << "  arena @" << function << ": " << megabytes(bytes) << "\n";
}

} // namespace starch::driver
