//===- Pipelines.cpp - model.json and a plan as pipeline options ----------===//
#include "compiler/Driver/Pipelines.h"

#include "llvm/Support/raw_ostream.h"

namespace starch::driver {

void fillRaiseOptions(const config::ModelConfig &model,
                      RaisePipelineOptions &options) {
  options.compose = model.isMultimodal();
}

void fillTrainingOptions(const config::ModelConfig &model,
                         const plan::ProgramPlan &program, bool verbose,
                         TrainingPipelineOptions &options) {
  options.logits = model.logitsOutput;
  // The LLM's tp splits the modules of that tp (every module of a
  // text-only model).
  options.tp = program.tp;
  if (model.isMultimodal())
    options.modules = program.splitModules;
  options.cp = program.cp;
  options.dp = program.dp;
  options.stages = program.stages;
  if (program.stages > 1) {
    // The LLM's stages alone (encoders on its first) are a chain cut in
    // execution order; with encoder stages every stage names its first
    // layer, so that an encoder without stages stays on the LLM's first.
    // Without the composed graph's layers (no starts) a chain is cut evenly.
    bool chain =
        (program.isChain() && program.stages == model.llmParallel.stages) ||
        program.stageStarts.empty();
    llvm::ArrayRef<std::string> starts(program.stageStarts);
    options.starts = chain && !starts.empty() ? starts.drop_front() : starts;
    if (!chain) {
      options.next = program.stageNext;
      options.stageTp = program.stageTp;
    }
  }
  const config::TrainingConfig &t = model.training;
  options.microBatches = t.microBatches;
  if (model.parallel.zeroBubble)
    options.schedule = "zero-bubble";
  options.verbose = verbose;
  options.learningRate = t.learningRate;
  options.beta1 = t.beta1;
  options.beta2 = t.beta2;
  options.epsilon = t.epsilon;
  options.weightDecay = t.weightDecay;
  options.maxGradNorm = t.maxGradNorm;
  options.warmupSteps = t.warmupSteps;
  options.totalSteps = t.steps;
  options.bucketMb = model.parallel.bucketMb;
  options.zero1 = model.parallel.zero1;
  options.recompute = t.recompute;
  options.precision = t.precision;
}

void buildPipeline(mlir::OpPassManager &pm, EmitStage stage,
                   const config::ModelConfig &model) {
  if (stage < EmitStage::raised)
    return;
  RaisePipelineOptions raise;
  fillRaiseOptions(model, raise);
  buildRaisePipeline(pm, raise);
  if (stage < EmitStage::train)
    return;
  // The driver has checked the plan (programPlan) before; without the
  // composed graph's layers, stages are an even cut.
  plan::ProgramPlan program;
  std::string unused;
  if (plan::isDistributed(model) &&
      !plan::programPlan(model, model.parallel.ranks, program, unused))
    program = plan::ProgramPlan();
  // Encoder stages need the composed graph's layers (the driver's
  // two-phase pipeline); without them only the LLM's chain is cut.
  if (program.stages != model.llmParallel.stages)
    program = plan::ProgramPlan();
  TrainingPipelineOptions training;
  fillTrainingOptions(model, program, /*verbose=*/false, training);
  buildTrainingPipeline(pm, training);
}

std::string pipelineText(const mlir::OpPassManager &pm) {
  std::string text;
  llvm::raw_string_ostream os(text);
  pm.printAsTextualPipeline(os);
  return text;
}

} // namespace starch::driver
