//===- Passes.cpp - Registration of every phase ---------------------------===//
#include "passes/Passes.h"

namespace starch {

void registerStarchPasses() {
  registerRaisePasses();
  registerParallelPasses();
  registerTrainingPasses();
  registerRaisePipeline();
  registerParallelPipeline();
  registerTrainingPipeline();
}

} // namespace starch
