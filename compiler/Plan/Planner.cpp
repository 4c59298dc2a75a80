//===- Planner.cpp - Choosing a parallel plan by predicted step time ------===//
#include "compiler/Plan/Planner.h"

#include "compiler/Plan/Placement.h"
#include "compiler/Plan/StepTime.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <map>
#include <tuple>

namespace starch::plan {

namespace {

using config::ModuleParallelConfig;
using config::ParallelLayout;

/// What the enumeration fixes before layers are split.
struct Structure {
  ParallelLayout layout;
  std::vector<int64_t> tp, stages;
  int64_t dp, microBatches;
  /// The LLM's context-parallel degree.
  int64_t cp = 1;
};

double allReduceSeconds(double bytes, int64_t ranks, const Calibration &c) {
  if (ranks <= 1 || bytes <= 0)
    return 0;
  double share = 2.0 * static_cast<double>(ranks - 1) / ranks;
  return share * bytes / c.commBytesPerSecond + c.commLatencySeconds;
}

/// Seconds of one micro-batch through `work` split over `tp` ranks (and the
/// LLM's `cp`): its forward, and its backward's input- and weight-gradient
/// parts without the recomputation.
struct Seconds {
  double forward = 0, inputGrad = 0, weightGrad = 0;
  double backward() const { return inputGrad + weightGrad; }
};

Seconds layerSeconds(const LayerWork &work, int64_t tp, int64_t cp,
                     bool isLayer, const Calibration &c) {
  double share = 1.0 / static_cast<double>(tp * cp);
  Seconds s;
  s.forward = work.forward * share + work.overhead;
  if (work.inputGrad > 0)
    s.inputGrad = work.inputGrad * share + work.overhead;
  if (work.weightGrad > 0)
    s.weightGrad = work.weightGrad * share + work.overhead;
  if (isLayer && tp > 1) {
    // Megatron's two all-reduces per layer and pass (attention and MLP
    // outputs), on this rank's tokens.
    double reduce = 2 * allReduceSeconds(work.boundaryBytes / cp, tp, c);
    s.forward += reduce;
    if (work.inputGrad > 0)
      s.inputGrad += reduce;
  }
  if (isLayer && cp > 1) {
    // Keys and values gathered from the other context-parallel ranks (and
    // their gradients reduce-scattered back).
    double gather = static_cast<double>(cp - 1) / cp * work.boundaryBytes / tp /
                        c.commBytesPerSecond +
                    c.commLatencySeconds;
    s.forward += gather;
    if (work.inputGrad > 0)
      s.inputGrad += gather;
  }
  return s;
}

/// A stage under construction: its work and memory.
struct StageBuild {
  double forward = 0, inputGrad = 0, weightGrad = 0, paramBytes = 0,
         trainedBytes = 0, activationBytes = 0, inputBytes = 0, outputBytes = 0;
  bool hasBackward = false;

  void add(const LayerWork &work, int64_t tp, int64_t cp, bool isLayer,
           const Calibration &c) {
    Seconds s = layerSeconds(work, tp, cp, isLayer, c);
    forward += s.forward;
    inputGrad += s.inputGrad;
    weightGrad += s.weightGrad;
    hasBackward |= work.inputGrad + work.weightGrad > 0;
    paramBytes += work.paramBytes / tp;
    trainedBytes += work.trainedBytes / tp;
    activationBytes += work.activationBytes / (tp * cp);
    if (isLayer) {
      if (inputBytes == 0)
        inputBytes = work.boundaryBytes / cp;
      outputBytes = work.boundaryBytes / cp;
    }
  }
};

// A module's ops before its first layer (an embedding) and after its last
// (a head, a projector) are not split by tensor parallelism, except the
// LLM's without context parallelism: its embedding, LM head and loss split
// along the vocabulary (starch-tensor-parallel). Context parallelism shares
// the tokens from the first layer on, so the LLM's tail too. The callers
// pass tp = 1 (and cp = 1 for heads) for the others.

/// The tensor-parallel degree of module `m`'s head and tail: the LLM's is
/// its tp without context parallelism (vocabulary parallelism), else 1.
int64_t edgeTp(bool isLlm, int64_t tp, int64_t cp) {
  return isLlm && cp == 1 ? tp : 1;
}

class Planner {
public:
  explicit Planner(const PlanRequest &request) : request_(request) {}

  bool run(PlanReport &report, std::string &error);

private:
  const PlanRequest &request_;
  /// Balanced layer counts per (module, tp, stages, extra first-stage
  /// seconds).
  std::map<std::tuple<size_t, int64_t, int64_t, int64_t, double>,
           std::vector<int64_t>>
      balancedCache_;

  size_t llm() const { return request_.modules.size() - 1; }
  std::vector<int64_t> split(size_t m, int64_t tp, int64_t cp, int64_t stages,
                             bool balanced, double firstStageExtra);
  double busySeconds(const LayerWork &work, int64_t tp, int64_t cp,
                     bool isLayer, bool onLastStage = false) const;
  /// The plan's stages and memory, and its step if it fits the memory
  /// limit (most plans at full size do not: predicting their steps would be
  /// most of the planning time).
  CandidatePlan evaluate(const Structure &s, bool balanced, bool zeroBubble);
  bool overMemory(const CandidatePlan &plan) const {
    return request_.memoryBytesPerRank > 0 &&
           plan.peakMemory > request_.memoryBytesPerRank;
  }
  void enumerate(const std::function<void(const Structure &)> &visit);
};

/// A stage's busy time per micro-batch for `work`: the forward, then the
/// backward that recomputes it (on the pipeline's last stage, one forward).
double Planner::busySeconds(const LayerWork &work, int64_t tp, int64_t cp,
                            bool isLayer, bool onLastStage) const {
  Seconds s = layerSeconds(work, tp, cp, isLayer, request_.calibration);
  return (onLastStage ? 1 : 2) * s.forward + s.backward();
}

std::vector<int64_t> Planner::split(size_t m, int64_t tp, int64_t cp,
                                    int64_t stages, bool balanced,
                                    double firstStageExtra) {
  const ModuleProfile &module = request_.modules[m];
  int64_t layers = static_cast<int64_t>(module.layers.size());
  if (!balanced) {
    std::vector<int64_t> counts(stages, layers / stages);
    for (int64_t i = 0; i < layers % stages; ++i)
      ++counts[i];
    return counts;
  }
  auto key = std::make_tuple(m, tp, cp, stages, firstStageExtra);
  auto it = balancedCache_.find(key);
  if (it != balancedCache_.end())
    return it->second;
  // The LLM's last stage runs one slot per micro-batch (no separate
  // forward); an encoder's last stage is not the pipeline's last.
  bool lastIsPipelineLast = m == llm();
  std::vector<double> costs, lastCosts;
  for (const LayerWork &work : module.work) {
    costs.push_back(busySeconds(work, tp, cp, true));
    lastCosts.push_back(lastIsPipelineLast
                            ? busySeconds(work, tp, cp, true, true)
                            : costs.back());
  }
  // The first stage also carries the encoders placed on it.
  int64_t edge = edgeTp(m == llm(), tp, cp);
  double tail = busySeconds(module.tail, edge, cp, false, lastIsPipelineLast);
  std::vector<int64_t> counts = balancedSplit(
      costs, busySeconds(module.head, edge, 1, false) + firstStageExtra, tail,
      stages, lastCosts);
  balancedCache_[key] = counts;
  return counts;
}

CandidatePlan Planner::evaluate(const Structure &s, bool balanced,
                                bool zeroBubble) {
  const Calibration &c = request_.calibration;
  const std::vector<ModuleProfile> &modules = request_.modules;
  CandidatePlan plan;
  plan.layout = s.layout;
  plan.dp = s.dp;
  plan.microBatches = s.microBatches;
  plan.balanced = balanced;
  plan.zeroBubble = zeroBubble;
  std::vector<StageBuild> stages;
  std::vector<int64_t> stageTp, next;
  std::vector<int64_t> encoderLast;
  size_t llmFirst = 0;
  // Encoders with no stage of their own join the LLM's first stage.
  std::vector<size_t> riders;
  for (size_t m = 0; m < modules.size(); ++m) {
    const ModuleProfile &module = modules[m];
    ModuleParallelConfig parallel;
    parallel.tp = s.tp[m];
    parallel.stages = s.stages[m];
    parallel.cp = m == llm() ? s.cp : 1;
    if (m == llm())
      llmFirst = stages.size();
    if (s.stages[m] == 0) {
      riders.push_back(m);
      plan.parallel.push_back(parallel);
      continue;
    }
    // Encoders without stages of their own ride on the LLM's first stage.
    double riding = 0;
    if (m == llm())
      for (size_t e = 0; e < llm(); ++e)
        if (s.stages[e] == 0) {
          const ModuleProfile &encoder = modules[e];
          riding += busySeconds(encoder.head, 1, 1, false) +
                    busySeconds(encoder.tail, 1, 1, false);
          for (const LayerWork &work : encoder.work)
            riding += busySeconds(work, s.tp[e], 1, true);
        }
    parallel.layers =
        split(m, s.tp[m], parallel.cp, s.stages[m], balanced, riding);
    size_t layer = 0;
    int64_t edge = edgeTp(m == llm(), s.tp[m], parallel.cp);
    for (int64_t k = 0; k < s.stages[m]; ++k) {
      StageBuild stage;
      if (k == 0)
        stage.add(module.head, edge, 1, false, c);
      for (int64_t i = 0; i < parallel.layers[k]; ++i)
        stage.add(module.work[layer++], s.tp[m], parallel.cp, true, c);
      if (k + 1 == s.stages[m])
        stage.add(module.tail, edge, parallel.cp, false, c);
      stages.push_back(stage);
      stageTp.push_back(s.tp[m]);
      next.push_back(k + 1 < s.stages[m] ? static_cast<int64_t>(stages.size())
                                         : -1);
    }
    if (m != llm())
      encoderLast.push_back(static_cast<int64_t>(stages.size()) - 1);
    plan.parallel.push_back(parallel);
  }
  // Colocated: one chain; modality parallel: every encoder into the LLM.
  for (size_t e = 0; e < encoderLast.size(); ++e)
    next[encoderLast[e]] =
        s.layout == ParallelLayout::colocated && e + 1 < encoderLast.size()
            ? encoderLast[e] + 1
            : static_cast<int64_t>(llmFirst);
  for (size_t m : riders) {
    const ModuleProfile &module = modules[m];
    StageBuild &first = stages[llmFirst];
    first.add(module.head, 1, 1, false, c);
    for (const LayerWork &work : module.work)
      first.add(work, s.tp[m], 1, true, c);
    first.add(module.tail, 1, 1, false, c);
  }

  // A stage receiving values that carry a gradient runs a backward too, if
  // only to pass their cotangents on (an encoder's features travelling
  // through a frozen encoder's stage of a chain). Stages send to later
  // indices, so one pass in order settles it.
  std::vector<bool> gradientsIn(stages.size(), false);
  for (size_t k = 0; k < stages.size(); ++k)
    if ((stages[k].hasBackward || gradientsIn[k]) && next[k] >= 0)
      gradientsIn[next[k]] = true;
  std::vector<StageTiming> timings;
  for (size_t k = 0; k < stages.size(); ++k) {
    const StageBuild &stage = stages[k];
    StageTiming timing;
    timing.next = next[k];
    bool last = next[k] < 0;
    timing.hasBackward = stage.hasBackward || gradientsIn[k] || last;
    timing.forward = stage.forward;
    // A stage that only passes cotangents through recomputes nothing.
    timing.backward = stage.hasBackward || last
                          ? stage.forward + stage.inputGrad + stage.weightGrad
                          : 0;
    // Each zero-bubble part computes the forward again; the weight part
    // also back-propagates through the stage's layers (a layer's weight
    // gradient needs the cotangent of its output), all but the stage's
    // own inputs' cotangent, which this counts too.
    timing.inputGrad = stage.forward + stage.inputGrad;
    timing.weightGrad = stage.forward + stage.inputGrad + stage.weightGrad;
    timing.weightGrads = stage.weightGrad > 0;
    timing.inputGrads = gradientsIn[k];
    timing.sendSeconds =
        last ? 0
             : stage.outputBytes / c.commBytesPerSecond + c.commLatencySeconds;
    // AdamW reads a parameter, its gradient and two moments and writes
    // three of them (fp32); the replicas sum gradients first.
    // The context-parallel ranks are replicas to the optimizer.
    int64_t replicas = s.dp * s.cp;
    double moments = request_.zero1 ? 2.0 / replicas : 2.0;
    // Plus what the program spends once per step (profiled).
    timing.finishSeconds = c.stepOverheadSeconds +
                           allReduceSeconds(stage.trainedBytes, replicas, c) +
                           7 * stage.trainedBytes / c.memoryBytesPerSecond /
                               (request_.zero1 ? replicas : 1);
    timings.push_back(timing);
    int64_t after = 0;
    for (int64_t n = next[k]; n >= 0; n = next[n])
      ++after;
    int64_t inFlight = std::min(after + 1, s.microBatches);
    double memory = stage.paramBytes + stage.trainedBytes * (1 + moments) +
                    stage.activationBytes +
                    static_cast<double>(inFlight) * stage.inputBytes;
    plan.stageMemory.push_back(memory);
    plan.peakMemory = std::max(plan.peakMemory, memory);
  }
  if (overMemory(plan))
    return plan;
  StepPrediction step = predictStep(
      timings, s.microBatches,
      zeroBubble ? Schedule::zeroBubble : Schedule::oneForwardOneBackward);
  plan.stepSeconds = step.seconds;
  plan.bubble = step.bubble;
  plan.stageSeconds = step.busy;
  return plan;
}

/// Every structure the program can run: a replica's ranks split among the
/// modules' stages x tp (x the LLM's cp), encoders of tp 1 or the LLM's.
void Planner::enumerate(const std::function<void(const Structure &)> &visit) {
  const std::vector<ModuleProfile> &modules = request_.modules;
  for (int64_t dp = 1; dp <= request_.ranks; ++dp) {
    if (request_.ranks % dp != 0 || request_.microBatches % dp != 0)
      continue;
    int64_t replica = request_.ranks / dp;
    for (int64_t cp : modules.back().cpChoices)
      for (int64_t tp : modules.back().tpChoices) {
        if (replica % cp != 0 || (replica / cp) % tp != 0)
          continue;
        int64_t budget = replica / cp;
        Structure s{ParallelLayout::colocated,
                    std::vector<int64_t>(modules.size()),
                    std::vector<int64_t>(modules.size()),
                    dp,
                    request_.microBatches / dp,
                    cp};
        s.tp[llm()] = tp;
        // Encoders one by one, then the LLM takes what is left.
        std::function<void(size_t, int64_t)> place = [&](size_t m,
                                                         int64_t left) {
          if (m == llm()) {
            int64_t layers = static_cast<int64_t>(modules[m].layers.size());
            if (left % tp != 0 || left / tp < 1 || left / tp > layers)
              return;
            s.stages[m] = left / tp;
            bool staged = false;
            for (size_t e = 0; e < llm(); ++e)
              staged |= s.stages[e] > 0;
            s.layout = ParallelLayout::colocated;
            visit(s);
            // With no encoder on stages of its own both layouts are one
            // program.
            if (staged) {
              s.layout = ParallelLayout::modalityParallel;
              visit(s);
            }
            return;
          }
          const ModuleProfile &module = modules[m];
          for (int64_t etp : module.tpChoices) {
            if (etp != 1 && etp != tp)
              continue;
            s.tp[m] = etp;
            // Context parallelism runs encoders on the LLM's first stage.
            int64_t most =
                cp > 1 ? 0 : static_cast<int64_t>(module.layers.size());
            for (int64_t stages = 0; stages <= most && stages * etp <= left;
                 ++stages) {
              // With no stage of its own it is split when it can be.
              if (stages == 0 && etp == 1 && tp > 1 &&
                  std::count(module.tpChoices.begin(), module.tpChoices.end(),
                             tp))
                continue;
              s.stages[m] = stages;
              place(m + 1, left - stages * etp);
            }
          }
        };
        place(0, budget);
      }
  }
}

bool better(const CandidatePlan &a, const CandidatePlan &b) {
  const double tolerance = 1e-9;
  if (a.stepSeconds < b.stepSeconds * (1 - tolerance))
    return true;
  if (b.stepSeconds < a.stepSeconds * (1 - tolerance))
    return false;
  return a.peakMemory < b.peakMemory;
}

bool Planner::run(PlanReport &report, std::string &error) {
  auto start = std::chrono::steady_clock::now();
  const std::vector<ModuleProfile> &modules = request_.modules;
  bool multimodal = modules.size() > 1;
  report = PlanReport();
  report.calibrationSource = request_.calibration.source;
  report.families = {{"even", "one chain, even layer counts per stage"},
                     {"balanced", "one chain, cost-balanced stages"}};
  if (multimodal)
    report.families = {
        {"even", "one chain, even layer counts per stage"},
        {"llava", "encoders on the LLM's first stage, even LLM split"},
        {"balanced", "one chain, cost-balanced stages"},
        {"modality", "encoders on ranks of their own"}};
  bool found = false;
  CandidatePlan smallest;
  bool anyCandidate = false;
  enumerate([&](const Structure &s) {
    bool staged = false;
    for (size_t e = 0; e + 1 < modules.size(); ++e)
      staged |= s.stages[e] > 0;
    int64_t stageCount = 0;
    for (int64_t stages : s.stages)
      stageCount += stages;
    for (int choice = 0; choice < 4; ++choice) {
      bool balanced = choice & 1, zeroBubble = choice & 2;
      // One stage has no waits to fill.
      if (zeroBubble && stageCount < 2)
        continue;
      CandidatePlan plan = evaluate(s, balanced, zeroBubble);
      ++report.considered;
      if (!anyCandidate || plan.peakMemory < smallest.peakMemory)
        smallest = plan;
      anyCandidate = true;
      if (overMemory(plan)) {
        ++report.overMemory;
        continue;
      }
      auto offer = [&](PlanFamily &family) {
        if (!family.found || better(plan, family.best)) {
          family.best = plan;
          family.found = true;
        }
      };
      bool colocated = s.layout == ParallelLayout::colocated;
      if (!multimodal) {
        offer(report.families[balanced ? 1 : 0]);
      } else { // the order of report.families
        if (!balanced && colocated)
          offer(report.families[0]);
        if (!balanced && !staged)
          offer(report.families[1]);
        if (balanced && colocated)
          offer(report.families[2]);
        if (!colocated && staged)
          offer(report.families[3]);
      }
      if (!found || better(plan, report.chosen)) {
        report.chosen = plan;
        found = true;
      }
    }
  });
  report.planningSeconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  if (!anyCandidate) {
    error = "no plan fits " + std::to_string(request_.ranks) + " ranks with " +
            std::to_string(request_.microBatches) +
            " micro-batches per step (the data-parallel replicas must divide "
            "both, and one replica needs a stage per module)";
    return false;
  }
  if (!found) {
    char text[160];
    std::snprintf(text, sizeof text,
                  "every plan of %lld ranks is over the memory limit of %.3g "
                  "GB per rank (the smallest needs %.3g GB)",
                  static_cast<long long>(request_.ranks),
                  request_.memoryBytesPerRank / 1e9, smallest.peakMemory / 1e9);
    error = text;
    return false;
  }
  return true;
}

} // namespace

bool choosePlan(const PlanRequest &request, PlanReport &report,
                std::string &error) {
  if (request.modules.empty()) {
    error = "no module to plan";
    return false;
  }
  Planner planner(request);
  return planner.run(report, error);
}

std::string planReportText(const PlanRequest &request,
                           const PlanReport &report) {
  auto describe = [&](const CandidatePlan &plan) {
    std::string text =
        plan.layout == ParallelLayout::colocated ? "chain" : "modality";
    text += ", dp " + std::to_string(plan.dp) + ", " +
            std::to_string(plan.microBatches) + " mb";
    text += plan.zeroBubble ? ", zb:" : ":";
    for (size_t m = 0; m < request.modules.size(); ++m) {
      const ModuleParallelConfig &p = plan.parallel[m];
      text += " " + request.modules[m].name;
      if (p.stages == 0) {
        text += " (on llm)";
      } else {
        text += " [";
        for (size_t i = 0; i < p.layers.size(); ++i)
          text += (i ? "|" : "") + std::to_string(p.layers[i]);
        text += "]";
      }
      if (p.tp > 1)
        text += "x" + std::to_string(p.tp);
    }
    return text;
  };
  auto line = [&](const std::string &name, const CandidatePlan &plan) {
    char numbers[96];
    std::snprintf(numbers, sizeof numbers, "%-9s %10.4g %6.1f%% %10.3g",
                  name.c_str(), plan.stepSeconds, 100 * plan.bubble,
                  plan.peakMemory / 1e9);
    return std::string(numbers) + "  " + describe(plan) + "\n";
  };
  // Stages are layer counts in [..|..], xN a tensor-parallel degree.
  std::string text =
      "family      step (s)  bubble  memory GB  plan (layers per "
      "stage, xtp)\n";
  for (const PlanFamily &family : report.families) {
    if (family.found)
      text += line(family.name, family.best);
    else
      text += family.name +
              std::string(10 - std::min<size_t>(family.name.size(), 9), ' ') +
              "no plan of this family fits\n";
  }
  text += line("chosen", report.chosen);
  char tail[160];
  std::snprintf(tail, sizeof tail,
                "%lld plans costed (%lld over the memory limit) in %.3f s; ",
                static_cast<long long>(report.considered),
                static_cast<long long>(report.overMemory),
                report.planningSeconds);
  text += tail;
  text += "calibration: " + report.calibrationSource +
          "; backward: " + request.backwardSource + "\n";
  return text;
}

} // namespace starch::plan
