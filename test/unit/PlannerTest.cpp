//===- PlannerTest.cpp - Step timelines and plan choice of compiler/Plan --===//
//
// predictStep against timelines drawn by hand (1F1B with the recomputing
// backward, frozen stages, encoders fanning in), and choosePlan on small
// models whose every candidate's step was worked out by hand: the fastest
// plan wins, the memory limit removes plans, and the chosen plan is never
// slower than the best of any family it reports.
//
//===----------------------------------------------------------------------===//
#include "compiler/Plan/Planner.h"
#include "compiler/Plan/StepTime.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace starch::plan;
using starch::config::ParallelLayout;

namespace {

StageTiming stage(double forward, double backward, int64_t next,
                  bool hasBackward = true) {
  StageTiming timing;
  timing.forward = forward;
  timing.backward = backward;
  timing.next = next;
  timing.hasBackward = hasBackward;
  return timing;
}

TEST(PredictStep, OneStageRunsItsBackwardsBackToBack) {
  StageTiming only = stage(1, 3, -1);
  only.finishSeconds = 0.5;
  StepPrediction step = predictStep({only}, 4);
  EXPECT_DOUBLE_EQ(step.seconds, 4 * 3 + 0.5);
  EXPECT_DOUBLE_EQ(step.bubble, 0);
}

TEST(PredictStep, TwoStagesOfOneForwardOneBackward) {
  // Stage 0: F0 [0,2] F1 [2,4] B0 [8,14] B1 [14,20] (its backward
  // recomputes: 2 + 4); stage 1, the last: B0 [2,8] B1 [8,14].
  StepPrediction step = predictStep({stage(2, 6, 1), stage(0, 6, -1)}, 2);
  EXPECT_DOUBLE_EQ(step.seconds, 20);
  EXPECT_DOUBLE_EQ(step.busy[0], 16);
  EXPECT_DOUBLE_EQ(step.busy[1], 12);
  EXPECT_DOUBLE_EQ(step.bubble, 1 - 28.0 / 40);
}

TEST(PredictStep, AFrozenStageRunsForwardsOnly) {
  // Stage 0 never waits for a cotangent: F0 [0,6] F1 [6,12]; the last
  // stage: B0 [6,12] B1 [12,18].
  StepPrediction step =
      predictStep({stage(6, 0, 1, /*hasBackward=*/false), stage(0, 6, -1)}, 2);
  EXPECT_DOUBLE_EQ(step.seconds, 18);
}

TEST(PredictStep, EncodersFanInAndSendsTakeTime) {
  // Two encoder stages (forward 1 and 2) into the LLM: with a send of 0.5
  // the LLM starts at max(1, 2) + 0.5 and takes 3.
  StageTiming fast = stage(1, 0, 2, false), slow = stage(2, 0, 2, false);
  fast.sendSeconds = slow.sendSeconds = 0.5;
  StepPrediction step = predictStep({fast, slow, stage(0, 3, -1)}, 1);
  EXPECT_DOUBLE_EQ(step.seconds, 5.5);
}

TEST(PredictStep, ZeroBubbleDefersWeightGradients) {
  // Orders (StageOrders.h): stage 0 F0 F1 W0 W1 (no cotangents to send),
  // the last stage B0 B1 W0 W1. With input parts of 2.5 and weight parts
  // of 0.5 (forward 1): stage 1 B0 [1,3.5] B1 [3.5,6] W0 [6,6.5] W1
  // [6.5,7]; stage 0 W0 [3.5,4] W1 [6,6.5]: 7. 1F1B, backwards of 3 and
  // 2.5: stage 1 B0 [1,4] B1 [4,7], stage 0 B0 [4,6.5] B1 [7,9.5].
  StageTiming first = stage(1, 2.5, 1), last = stage(0, 3, -1);
  first.inputGrads = false;
  first.weightGrad = 0.5;
  last.inputGrad = 2.5;
  last.weightGrad = 0.5;
  EXPECT_DOUBLE_EQ(predictStep({first, last}, 2, Schedule::zeroBubble).seconds,
                   7);
  EXPECT_DOUBLE_EQ(predictStep({first, last}, 2).seconds, 9.5);
  // Weight parts that recompute the forward and the stage's backward (6,
  // input parts 4, forward 2): stage 1 B0 [2,6] B1 [6,10] W0 [10,16] W1
  // [16,22]: slower than 1F1B's 20 (TwoStagesOfOneForwardOneBackward).
  first = stage(2, 6, 1);
  first.inputGrads = false;
  first.weightGrad = 6;
  last = stage(0, 6, -1);
  last.inputGrad = 4;
  last.weightGrad = 6;
  EXPECT_DOUBLE_EQ(predictStep({first, last}, 2, Schedule::zeroBubble).seconds,
                   22);
}

TEST(PredictStep, AStageWaitingForeverIsNoStep) {
  // Stage 0 trains and waits for its outputs' cotangents from stage 1,
  // which runs no backward: the planner must give stage 1 a backward (it
  // passes the cotangents on), and a timeline without one has no end.
  StepPrediction step = predictStep(
      {stage(1, 2, 1), stage(1, 0, 2, /*hasBackward=*/false), stage(0, 3, -1)},
      2);
  EXPECT_TRUE(std::isinf(step.seconds));
}

/// Calibration with free communication and optimizer, so that the
/// hand-derived timelines are only the layers' seconds.
Calibration freeTransfers() {
  Calibration c = defaultCalibration();
  c.commBytesPerSecond = 1e30;
  c.commLatencySeconds = 0;
  c.memoryBytesPerSecond = 1e30;
  return c;
}

LayerWork layer(double forward, bool inputGrad, bool weightGrad,
                double paramBytes) {
  LayerWork work;
  work.forward = forward;
  work.inputGrad = inputGrad ? forward : 0;
  work.weightGrad = weightGrad ? forward : 0;
  work.paramBytes = paramBytes;
  return work;
}

ModuleProfile module(const std::string &name, std::vector<LayerWork> work,
                     bool frozen) {
  ModuleProfile profile;
  profile.name = name;
  for (size_t i = 0; i < work.size(); ++i)
    profile.layers.push_back(name + ".layers." + std::to_string(i));
  profile.work = std::move(work);
  profile.frozen = frozen;
  return profile;
}

void expectNeverWorseThanAFamily(const PlanReport &report) {
  for (const PlanFamily &family : report.families)
    if (family.found)
      EXPECT_LE(report.chosen.stepSeconds, family.best.stepSeconds)
          << family.name;
}

TEST(ChoosePlan, ReplicasBeatAPipelineWithoutBubbleFilling) {
  // Four unit layers that train, 2 ranks, 2 micro-batches per step. Two
  // replicas of 1 micro-batch: 4 x (1 + 2) = 12 s. Two stages of 2 layers
  // over 2 micro-batches: 20 s (PredictStep.TwoStagesOf...).
  PlanRequest request;
  request.calibration = freeTransfers();
  request.ranks = 2;
  request.microBatches = 2;
  request.modules = {module(
      "llm", std::vector<LayerWork>(4, layer(1, true, true, 1e9)), false)};
  PlanReport report;
  std::string error;
  ASSERT_TRUE(choosePlan(request, report, error)) << error;
  EXPECT_EQ(report.chosen.dp, 2);
  EXPECT_EQ(report.chosen.microBatches, 1);
  EXPECT_DOUBLE_EQ(report.chosen.stepSeconds, 12);
  expectNeverWorseThanAFamily(report);

  // 4 GB of parameters do not fit 2.5 GB a rank; two stages hold 2 GB.
  request.memoryBytesPerRank = 2.5e9;
  ASSERT_TRUE(choosePlan(request, report, error)) << error;
  EXPECT_EQ(report.chosen.dp, 1);
  EXPECT_EQ(report.chosen.parallel[0].stages, 2);
  EXPECT_EQ(report.chosen.parallel[0].layers, (std::vector<int64_t>{2, 2}));
  EXPECT_DOUBLE_EQ(report.chosen.stepSeconds, 20);
  EXPECT_GT(report.overMemory, 0);

  request.memoryBytesPerRank = 0.5e9;
  EXPECT_FALSE(choosePlan(request, report, error));
  EXPECT_NE(error.find("over the memory limit"), std::string::npos) << error;

  request.memoryBytesPerRank = 0;
  request.microBatches = 3; // 2 replicas cannot share 3 micro-batches
  request.ranks = 2;
  ASSERT_TRUE(choosePlan(request, report, error)) << error;
  EXPECT_EQ(report.chosen.dp, 1);
}

TEST(ChoosePlan, AFrozenEncoderOnRanksOfItsOwn) {
  // A frozen encoder of two 3 s layers and an LLM of two 1 s layers that
  // train, 2 ranks, 2 micro-batches. By hand:
  //   2 replicas, all on one rank: 6 + 2 + 4 = 12 s;
  //   encoder on its own rank (either layout): 18 s (forwards 6, 6; the
  //   LLM's two 6 s slots from 6 s on);
  //   LLM in 2 stages, the encoder on the first: 32 s.
  PlanRequest request;
  request.calibration = freeTransfers();
  request.ranks = 2;
  request.microBatches = 2;
  request.modules = {
      module("vision", std::vector<LayerWork>(2, layer(3, false, false, 1e9)),
             true),
      module("llm", std::vector<LayerWork>(2, layer(1, true, true, 1e9)),
             false)};
  PlanReport report;
  std::string error;
  ASSERT_TRUE(choosePlan(request, report, error)) << error;
  EXPECT_EQ(report.chosen.dp, 2);
  EXPECT_DOUBLE_EQ(report.chosen.stepSeconds, 12);
  ASSERT_EQ(report.families.size(), 4u);
  EXPECT_EQ(report.families[1].name, "llava");
  EXPECT_DOUBLE_EQ(report.families[1].best.stepSeconds, 12);
  EXPECT_EQ(report.families[3].name, "modality");
  ASSERT_TRUE(report.families[3].found);
  EXPECT_DOUBLE_EQ(report.families[3].best.stepSeconds, 18);
  expectNeverWorseThanAFamily(report);

  // 2.5 GB a rank: one rank cannot hold 4 GB, the LLM's first stage with
  // the encoder 3 GB; the encoder's own rank and the LLM's hold 2 GB each.
  request.memoryBytesPerRank = 2.5e9;
  ASSERT_TRUE(choosePlan(request, report, error)) << error;
  EXPECT_EQ(report.chosen.dp, 1);
  EXPECT_EQ(report.chosen.parallel[0].stages, 1);
  EXPECT_EQ(report.chosen.parallel[1].stages, 1);
  EXPECT_DOUBLE_EQ(report.chosen.stepSeconds, 18);
  EXPECT_FALSE(report.families[1].found); // LLaVA's placement does not fit
  expectNeverWorseThanAFamily(report);
}

TEST(ChoosePlan, TensorParallelismDividesTheLayers) {
  // One 4 s layer that trains, 2 ranks, 1 micro-batch (no replicas): tp 2
  // halves its 12 s (free all-reduces) when the heads allow it.
  PlanRequest request;
  request.calibration = freeTransfers();
  request.ranks = 2;
  request.microBatches = 1;
  request.modules = {module("llm", {layer(4, true, true, 0)}, false)};
  PlanReport report;
  std::string error;
  EXPECT_FALSE(choosePlan(request, report, error)); // tp 1 only: no plan
  request.modules[0].tpChoices = {1, 2};
  ASSERT_TRUE(choosePlan(request, report, error)) << error;
  EXPECT_EQ(report.chosen.parallel[0].tp, 2);
  EXPECT_DOUBLE_EQ(report.chosen.stepSeconds, 6);
}

TEST(ChoosePlan, ContextParallelismSharesTheTokens) {
  // One 4 s layer that trains, 2 ranks, 1 micro-batch: neither replicas
  // nor stages nor tp fit; two context-parallel ranks each take half the
  // tokens (free gathers): 12 / 2 = 6 s.
  PlanRequest request;
  request.calibration = freeTransfers();
  request.ranks = 2;
  request.microBatches = 1;
  request.modules = {module("llm", {layer(4, true, true, 0)}, false)};
  PlanReport report;
  std::string error;
  EXPECT_FALSE(choosePlan(request, report, error));
  request.modules[0].cpChoices = {1, 2};
  ASSERT_TRUE(choosePlan(request, report, error)) << error;
  EXPECT_EQ(report.chosen.parallel[0].cp, 2);
  EXPECT_EQ(report.chosen.dp, 1);
  EXPECT_DOUBLE_EQ(report.chosen.stepSeconds, 6);
}

} // namespace
