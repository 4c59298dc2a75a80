//===- Placement.cpp - Modules, stages and ranks of a parallel plan -------===//
#include "compiler/Plan/Placement.h"

#include "compiler/Plan/Planner.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <limits>

namespace starch::plan {

namespace {

/// Layer counts per stage: as given, or an even split with the remainder
/// on the first stages.
bool splitLayers(const ModuleInput &module, std::vector<int64_t> &counts,
                 std::string &error) {
  int64_t layers = static_cast<int64_t>(module.layers.size());
  int64_t stages = module.parallel.stages;
  if (stages == 0) {
    counts.clear();
    return true;
  }
  if (module.parallel.balanced && stages <= layers &&
      module.layerCosts.size() == module.layers.size()) {
    counts = balancedSplit(module.layerCosts, module.headCost, module.tailCost,
                           stages);
    return true;
  }
  if (!module.parallel.layers.empty()) {
    counts = module.parallel.layers;
    int64_t total = 0;
    for (int64_t count : counts)
      total += count;
    if (total != layers) {
      error = module.field + ".layers: the stages hold " +
              std::to_string(total) + " layers, module '" + module.name +
              "' has " + std::to_string(layers);
      return false;
    }
    return true;
  }
  if (stages > layers) {
    error = module.field + ".stages: " + std::to_string(stages) +
            " stages for module '" + module.name + "', which has " +
            std::to_string(layers) + " layer" + (layers == 1 ? "" : "s") +
            " (a stage holds at least one)";
    return false;
  }
  counts.assign(stages, layers / stages);
  for (int64_t i = 0; i < layers % stages; ++i)
    ++counts[i];
  return true;
}

/// Objects one key per line; arrays that hold no object on one line (layer
/// lists, rank groups), so a plan reads as a table.
void writeJson(const nlohmann::ordered_json &value, int depth,
               std::string &out) {
  bool nested = false;
  if (value.is_array())
    for (const auto &element : value)
      nested = nested || element.is_object();
  if (!value.is_object() && !nested) {
    out += value.dump();
    return;
  }
  std::string pad(2 * (depth + 1), ' ');
  bool object = value.is_object();
  out += object ? "{\n" : "[\n";
  size_t i = 0;
  for (auto it = value.begin(); it != value.end(); ++it, ++i) {
    out += pad;
    if (object)
      out += nlohmann::ordered_json(it.key()).dump() + ": ";
    writeJson(it.value(), depth + 1, out);
    out += i + 1 < value.size() ? ",\n" : "\n";
  }
  out += std::string(2 * depth, ' ') + (object ? "}" : "]");
}

std::string layoutName(config::ParallelLayout layout) {
  return layout == config::ParallelLayout::colocated ? "colocated"
                                                     : "modality_parallel";
}

} // namespace

std::vector<int64_t> balancedSplit(const std::vector<double> &costs,
                                   double head, double tail, int64_t stages,
                                   const std::vector<double> &lastCosts) {
  int64_t n = static_cast<int64_t>(costs.size());
  const std::vector<double> &onLast = lastCosts.empty() ? costs : lastCosts;
  std::vector<double> prefix(n + 1, 0), lastPrefix(n + 1, 0);
  for (int64_t i = 0; i < n; ++i) {
    prefix[i + 1] = prefix[i] + costs[i];
    lastPrefix[i + 1] = lastPrefix[i] + onLast[i];
  }
  // best[s][i]: the cheapest bottleneck of layers [0, i) on s + 1 stages;
  // cut[s][i]: where the last of them begins.
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<std::vector<double>> best(stages,
                                        std::vector<double>(n + 1, inf));
  std::vector<std::vector<int64_t>> cut(stages, std::vector<int64_t>(n + 1, 0));
  for (int64_t i = 1; i <= n; ++i)
    best[0][i] = head + (stages == 1 ? lastPrefix[i] + tail : prefix[i]);
  for (int64_t s = 1; s < stages; ++s)
    for (int64_t i = s + 1; i <= n; ++i)
      for (int64_t j = s; j < i; ++j) {
        double last = s == stages - 1 ? lastPrefix[i] - lastPrefix[j] + tail
                                      : prefix[i] - prefix[j];
        double bottleneck = std::max(best[s - 1][j], last);
        if (bottleneck < best[s][i]) {
          best[s][i] = bottleneck;
          cut[s][i] = j;
        }
      }
  std::vector<int64_t> counts(stages);
  for (int64_t s = stages - 1, end = n; s >= 0; --s) {
    int64_t begin = s > 0 ? cut[s][end] : 0;
    counts[s] = end - begin;
    end = begin;
  }
  return counts;
}

bool placeModules(const std::vector<ModuleInput> &modules,
                  config::ParallelLayout layout, int64_t ranks,
                  Placement &placement, std::string &error) {
  placement = {};
  placement.layout = layout;
  std::vector<std::vector<int64_t>> counts(modules.size());
  int64_t perReplica = 0;
  std::string sum;
  for (size_t m = 0; m < modules.size(); ++m) {
    const ModuleInput &module = modules[m];
    if (!splitLayers(module, counts[m], error))
      return false;
    const config::ModuleParallelConfig &p = module.parallel;
    perReplica += p.stages * p.tp * p.cp;
    sum += (sum.empty() ? "" : " + ") + module.name + " " +
           std::to_string(p.stages) + "x" + std::to_string(p.tp) + "x" +
           std::to_string(p.cp);
  }
  if (ranks == 0)
    ranks = perReplica;
  if (ranks % perReplica != 0) {
    error = std::to_string(ranks) +
            " ranks do not fit the plan: one replica "
            "needs " +
            std::to_string(perReplica) + " (stages x tp x cp: " + sum +
            "), so the rank count must be a multiple of " +
            std::to_string(perReplica);
    return false;
  }
  placement.ranks = ranks;
  placement.ranksPerReplica = perReplica;
  placement.dp = ranks / perReplica;

  // Replica-major: replica d holds ranks [d * R, (d + 1) * R); within it,
  // modules in order, then stages, then cp, then tp (consecutive tp ranks).
  int64_t offset = 0;
  for (size_t m = 0; m < modules.size(); ++m) {
    const ModuleInput &module = modules[m];
    const config::ModuleParallelConfig &p = module.parallel;
    ModulePlacement placed{module.name, p.tp, p.cp, module.frozen, {}};
    size_t next = 0;
    for (int64_t s = 0; s < p.stages; ++s) {
      StagePlacement stage;
      for (int64_t i = 0; i < counts[m][s]; ++i) {
        if (next < module.layerCosts.size())
          stage.flops += module.layerCosts[next];
        stage.layers.push_back(module.layers[next++]);
      }
      if (s == 0)
        stage.flops += module.headCost;
      if (s == p.stages - 1)
        stage.flops += module.tailCost;
      if (s == p.stages - 1)
        stage.attached = module.attached;
      for (int64_t d = 0; d < placement.dp; ++d) {
        std::vector<int64_t> group;
        for (int64_t i = 0; i < p.tp * p.cp; ++i)
          group.push_back(d * perReplica + offset + s * p.tp * p.cp + i);
        stage.ranks.push_back(group);
      }
      placed.stages.push_back(std::move(stage));
    }
    offset += p.stages * p.tp * p.cp;
    placement.modules.push_back(std::move(placed));
  }

  // Encoders without a stage of their own run on the LLM's first stage.
  StagePlacement &first = placement.modules.back().stages.front();
  size_t at = 0;
  for (size_t m = 0; m + 1 < modules.size(); ++m)
    if (modules[m].parallel.stages == 0) {
      first.attached.push_back(modules[m].name);
      first.attached.insert(first.attached.end(), modules[m].attached.begin(),
                            modules[m].attached.end());
      first.layers.insert(first.layers.begin() + at, modules[m].layers.begin(),
                          modules[m].layers.end());
      at += modules[m].layers.size();
      for (double cost : modules[m].layerCosts)
        first.flops += cost;
      first.flops += modules[m].headCost + modules[m].tailCost;
    }
  first.firstOwnLayer = at;

  // Links: within each module stage to stage; then the encoders into the
  // LLM (modality parallel) or one chain through them (colocated).
  const ModulePlacement &llm = placement.modules.back();
  for (const ModulePlacement &module : placement.modules)
    for (int64_t s = 0; s + 1 < static_cast<int64_t>(module.stages.size()); ++s)
      placement.links.push_back({module.name, s, module.name, s + 1});
  std::vector<const ModulePlacement *> staged;
  for (const ModulePlacement &module : placement.modules)
    if (!module.stages.empty())
      staged.push_back(&module);
  for (size_t m = 0; m + 1 < staged.size(); ++m) {
    const ModulePlacement &from = *staged[m];
    const ModulePlacement &to =
        layout == config::ParallelLayout::colocated ? *staged[m + 1] : llm;
    placement.links.push_back(
        {from.name, static_cast<int64_t>(from.stages.size()) - 1, to.name, 0});
  }
  return true;
}

int64_t replicaRanks(const config::ModelConfig &model) {
  int64_t ranks = 0;
  for (const config::EncoderConfig &encoder : model.encoders)
    ranks +=
        encoder.parallel.stages * encoder.parallel.tp * encoder.parallel.cp;
  const config::ModuleParallelConfig &llm = model.llmParallel;
  return ranks + llm.stages * llm.tp * llm.cp;
}

bool isDistributed(const config::ModelConfig &model) {
  if (model.parallel.ranks > 1 || model.llmParallel.tp > 1 ||
      model.llmParallel.stages > 1 || model.llmParallel.cp > 1)
    return true;
  for (const config::EncoderConfig &encoder : model.encoders)
    if (encoder.parallel.tp > 1)
      return true;
  return false;
}

bool ProgramPlan::isChain() const {
  for (size_t s = 0; s < stageTp.size(); ++s)
    if (stageTp[s] != stageTp[0] ||
        stageNext[s] != (s + 1 < stageTp.size() ? int64_t(s) + 1 : -1))
      return false;
  return true;
}

bool programPlan(const config::ModelConfig &model, int64_t ranks,
                 ProgramPlan &plan, std::string &error) {
  // model.json's parser has refused an encoder's cp != 1.
  const config::ModuleParallelConfig &llm = model.llmParallel;
  std::string where = model.path + ": ";
  plan = ProgramPlan();
  plan.tp = llm.tp;
  plan.cp = llm.cp;
  plan.splitModules.push_back("llm");
  plan.stageTp.clear();
  plan.stageNext.clear();
  // Stage indices: encoders' stages in order, then the LLM's.
  std::vector<int64_t> encoderLast;
  for (const config::EncoderConfig &encoder : model.encoders) {
    const config::ModuleParallelConfig &p = encoder.parallel;
    if (p.tp != 1 && p.tp != llm.tp) {
      error = where + "encoders." + encoder.name + ".parallel: tp " +
              std::to_string(p.tp) +
              " must be 1 (whole on each rank of its "
              "stages) or the LLM's tp " +
              std::to_string(llm.tp) + " (split as the LLM is)";
      return false;
    }
    if (p.tp == llm.tp && llm.tp > 1)
      plan.splitModules.push_back(encoder.name);
    for (int64_t s = 0; s < p.stages; ++s) {
      plan.stageTp.push_back(p.tp);
      plan.stageNext.push_back(static_cast<int64_t>(plan.stageTp.size()));
    }
    if (p.stages > 0)
      encoderLast.push_back(static_cast<int64_t>(plan.stageTp.size()) - 1);
  }
  int64_t llmFirst = static_cast<int64_t>(plan.stageTp.size());
  for (int64_t s = 0; s < llm.stages; ++s) {
    plan.stageTp.push_back(llm.tp);
    plan.stageNext.push_back(
        s + 1 < llm.stages ? static_cast<int64_t>(plan.stageTp.size()) : -1);
  }
  // Modality parallel: every encoder's last stage sends to the LLM's first
  // (a chain does so already for the last encoder).
  if (model.parallel.layout == config::ParallelLayout::modalityParallel)
    for (int64_t last : encoderLast)
      plan.stageNext[last] = llmFirst;
  plan.stages = static_cast<int64_t>(plan.stageTp.size());
  // Each context-parallel rank holds a whole replica's stages; encoders on
  // stages of their own would then be counted cp times, against the
  // model.json rule (ranks = dp x sum of stages x tp x cp).
  if (plan.cp > 1 && plan.stages > llm.stages) {
    error = where +
            "llm.parallel.cp: context parallelism with encoders on "
            "stages of their own is not built yet (cp " +
            std::to_string(plan.cp) + "); give the encoders \"stages\": 0";
    return false;
  }
  int64_t replica = plan.ranksPerReplica() * plan.cp;
  int64_t world = ranks > 0 ? ranks : replica;
  if (world % replica != 0) {
    error = where + "parallel.ranks: " + std::to_string(world) +
            " ranks are not a multiple of one replica's " +
            std::to_string(replica) +
            " (stages x tp summed over the modules, times the LLM's cp)";
    return false;
  }
  plan.dp = world / replica;
  return true;
}

void setStageStarts(const Placement &placement, ProgramPlan &plan) {
  plan.stageStarts.clear();
  bool qualified = placement.modules.size() > 1;
  for (const ModulePlacement &module : placement.modules)
    for (const StagePlacement &stage : module.stages)
      if (stage.firstOwnLayer < stage.layers.size())
        plan.stageStarts.push_back(
            (qualified ? module.name + ":" : std::string()) +
            stage.layers[stage.firstOwnLayer]);
}

namespace {

/// Three significant digits, as a JSON number.
double rounded(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3g", value);
  return std::stod(text);
}

/// One plan of a report: its layout and modules, and what it is predicted
/// to cost.
nlohmann::ordered_json candidateJson(const CandidatePlan &plan,
                                     const std::vector<std::string> &names) {
  using json = nlohmann::ordered_json;
  json modules = json::array();
  for (size_t m = 0; m < plan.parallel.size() && m < names.size(); ++m) {
    const config::ModuleParallelConfig &p = plan.parallel[m];
    modules.push_back({{"name", names[m]},
                       {"stages", p.stages},
                       {"tp", p.tp},
                       {"cp", p.cp},
                       {"layers", p.layers}});
  }
  return {{"layout", layoutName(plan.layout)},
          {"dp", plan.dp},
          {"micro_batches", plan.microBatches},
          {"split", plan.balanced ? "balanced" : "even"},
          {"schedule", plan.zeroBubble ? "zero_bubble" : "1f1b"},
          {"modules", modules},
          {"step_s", rounded(plan.stepSeconds)},
          {"bubble", rounded(plan.bubble)},
          {"memory_gb", rounded(plan.peakMemory / 1e9)}};
}

} // namespace

std::string placementJson(const Placement &placement, const std::string &model,
                          const PlanReport *report) {
  using json = nlohmann::ordered_json;
  json modules = json::array();
  size_t stageIndex = 0;
  for (const ModulePlacement &module : placement.modules) {
    json stages = json::array();
    for (const StagePlacement &stage : module.stages) {
      json entry = {{"layers", stage.layers}};
      if (!stage.attached.empty())
        entry["modules"] = stage.attached;
      entry["ranks"] = stage.ranks;
      // Predicted work of one micro-batch (forward and the backward the
      // stage needs), in GFLOP to 3 digits.
      entry["gflop"] = rounded(stage.flops / 1e9);
      // The planner's stage order is the placement's.
      if (report && stageIndex < report->chosen.stageSeconds.size()) {
        entry["busy_s"] = rounded(report->chosen.stageSeconds[stageIndex]);
        entry["memory_gb"] =
            rounded(report->chosen.stageMemory[stageIndex] / 1e9);
      }
      ++stageIndex;
      stages.push_back(entry);
    }
    modules.push_back({{"name", module.name},
                       {"frozen", module.frozen},
                       {"tp", module.tp},
                       {"cp", module.cp},
                       {"stages", stages}});
  }
  json links = json::array();
  for (const PipelineLink &link : placement.links)
    links.push_back({{"from", {link.fromModule, link.fromStage}},
                     {"to", {link.toModule, link.toStage}}});
  json root = {{"model", model},
               {"layout", layoutName(placement.layout)},
               {"ranks", placement.ranks},
               {"dp", placement.dp},
               {"ranks_per_replica", placement.ranksPerReplica},
               {"modules", modules},
               {"links", links}};
  if (report) {
    std::vector<std::string> names;
    for (const ModulePlacement &module : placement.modules)
      names.push_back(module.name);
    const CandidatePlan &chosen = report->chosen;
    root["schedule"] = chosen.zeroBubble ? "zero_bubble" : "1f1b";
    root["micro_batches"] = chosen.microBatches;
    root["predicted"] = {{"step_s", rounded(chosen.stepSeconds)},
                         {"bubble", rounded(chosen.bubble)},
                         {"memory_gb_per_rank", rounded(chosen.peakMemory / 1e9)},
                         {"calibration", report->calibrationSource}};
    json families = json::array();
    for (const PlanFamily &family : report->families) {
      json entry = {{"family", family.name},
                    {"description", family.description}};
      if (family.found)
        entry["plan"] = candidateJson(family.best, names);
      else
        entry["plan"] = nullptr;
      families.push_back(entry);
    }
    root["families"] = families;
    root["chosen"] = candidateJson(chosen, names);
    root["plans_costed"] = report->considered;
    root["plans_over_memory"] = report->overMemory;
  }
  std::string out;
  writeJson(root, 0, out);
  return out + "\n";
}

} // namespace starch::plan
