//===- PrintLayers.cpp - Per-layer op summary -----------------------------===//
#include "passes/Training/Passes.h"

#include "llvm/ADT/MapVector.h"
#include "llvm/Support/raw_ostream.h"

#include <map>

namespace starch {
#define GEN_PASS_DEF_STARCHPRINTLAYERS
#include "passes/Training/Passes.h.inc"
} // namespace starch

using namespace mlir;
using namespace starch;

namespace {

constexpr llvm::StringLiteral kNoLayer = "(no layer)";

struct StarchPrintLayersPass
    : public starch::impl::StarchPrintLayersBase<StarchPrintLayersPass> {
  void runOnOperation() override {
    for (auto function : getOperation().getOps<func::FuncOp>()) {
      // Layer -> op kind (without the dialect prefix) -> count, in order.
      llvm::MapVector<StringRef, std::map<std::string, int>> layers;
      function.walk([&](Operation *op) {
        if (op == function || isa<func::ReturnOp>(op))
          return;
        auto tag = op->getAttrOfType<StringAttr>(kLayerAttrName);
        StringRef layer = tag ? tag.getValue() : StringRef(kNoLayer);
        ++layers[layer][op->getName().stripDialect().str()];
      });
      for (auto &[layer, kinds] : layers) {
        llvm::outs() << "@" << function.getSymName() << " layer " << layer
                     << ":";
        bool first = true;
        for (auto &[kind, count] : kinds) {
          llvm::outs() << (first ? " " : ", ") << count << " x " << kind;
          first = false;
        }
        llvm::outs() << "\n";
      }
    }
  }
};

} // namespace
