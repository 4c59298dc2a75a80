//===- TrainMain.cpp - main() of every generated training program ---------===//
//
// Sets the run up (flags, data, weights or a checkpoint), then calls the
// generated trainStep() once per optimizer step, reporting and
// checkpointing as asked. Exit codes: 0 done, 1 a run-time error (a step
// whose loss or gradient norm is not finite included), 2 a bad flag (an
// unwritable --save folder included), 130 stopped by SIGINT/SIGTERM (after
// saving, with --save).
//
//===----------------------------------------------------------------------===//
#include "runtime/comm/CurrentCommunicator.h"
#include "runtime/kernels/Parallel.h"
#include "runtime/train/Checkpoint.h"
#include "runtime/train/DataSource.h"
#include "runtime/train/Guards.h"
#include "runtime/train/Options.h"
#include "runtime/train/Program.h"
#include "runtime/train/ProgramConstants.h"
#include "runtime/train/Progress.h"
#include "runtime/train/ShardedCheckpoint.h"
#include "runtime/train/ShardedParams.h"
#include "runtime/train/Trace.h"
#include "runtime/train/WeightLoading.h"
#include "runtime/train/World.h"

#include <chrono>
#include <cinttypes>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <set>
#include <stdexcept>

using namespace starch::rt;

namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

/// Set by SIGINT/SIGTERM; the loop stops between steps so that a checkpoint
/// can be written from a consistent state. A second signal kills at once
/// (SA_RESETHAND).
volatile std::sig_atomic_t stopRequested = 0;

void onStopSignal(int) { stopRequested = 1; }

void installStopHandlers() {
  struct sigaction action = {};
  action.sa_handler = onStopSignal;
  action.sa_flags = SA_RESETHAND;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

TrainState trainState(int64_t step, const DataSource &data) {
  TrainState state;
  state.step = step;
  state.dataPosition = data.position();
  state.generatorState = data.generatorState();
  state.data = data.identity();
  return state;
}

/// The modules saveModuleWeights writes: those that train, all with
/// `saveAll`.
std::set<std::string> modulesToWrite(const ProgramSpec &spec, bool saveAll) {
  std::set<std::string> modules;
  for (const ParamSpec &param : spec.params)
    if (!param.module.empty() && param.kind != ParamKind::optimizerState &&
        (saveAll || param.kind == ParamKind::trainable))
      modules.insert(param.module);
  return modules;
}

/// Saves step `step`. One process writes the single file; several ranks
/// each write their own blocks and rank 0 the index (ShardedCheckpoint.h).
/// Per-module files are written first (the checkpoint, written last, is
/// what a resume trusts, and every module file names the step it holds);
/// under several ranks rank 0 writes them from their parameters joined
/// whole, the only parameters any rank gathers.
void save(const std::string &dir, const ProgramSpec &spec,
          const ParamStore &params, int64_t step, const DataSource &data,
          bool saveAll, const TrainWorld &world) {
  Clock::time_point start = Clock::now();
  TrainState state = trainState(step, data);
  ProgramSpec whole = wholeModelSpec(spec);
  std::set<std::string> modules = modulesToWrite(spec, saveAll);
  std::string written;
  if (world.isDistributed()) {
    ParamStore joined;
    if (!modules.empty())
      joined = joinRankBlocks(spec, params, [&](const ParamSpec &param) {
        return modules.count(param.module) &&
               param.kind != ParamKind::optimizerState;
      });
    if (world.isRoot())
      for (const std::string &module :
           saveModuleWeights(dir, whole, joined, step, saveAll))
        written += (written.empty() ? " and " : ", ") + module + ".safetensors";
    saveShardedCheckpoint(dir, spec, params, state);
  } else {
    for (const std::string &module :
         saveModuleWeights(dir, whole, params, step, saveAll))
      written += (written.empty() ? " and " : ", ") + module + ".safetensors";
    saveCheckpoint(dir, whole, params, state);
    // Rank files of an earlier sharded save here are no longer named.
    removeStaleShardFiles(dir, {});
  }
  if (!world.isRoot())
    return;
  std::printf("checkpoint: step %" PRId64 " saved to %s/%s%s%s (%.2f s)\n",
              step, dir.c_str(), kCheckpointFileName,
              world.isDistributed() ? " (index of the ranks' files)" : "",
              written.c_str(), secondsSince(start));
  std::fflush(stdout);
}

/// Whether two flags name the same existing folder ("ck" and "./ck/").
bool sameFolder(const std::string &a, const std::string &b) {
  std::error_code error;
  return !a.empty() && !b.empty() && std::filesystem::equivalent(a, b, error);
}

/// "warning: step 3: micro-batch 2 of 4 scores no label ..." for the first
/// few steps that have such micro-batches, then one line saying so.
class UnscoredWarnings {
public:
  void check(const ProgramSpec &spec, const StepInputs &batch, int64_t step) {
    if (shown_ > kLimit)
      return;
    std::vector<int64_t> unscored = unscoredMicroBatches(spec, batch);
    if (unscored.empty())
      return;
    if (shown_++ == kLimit) {
      std::fprintf(stderr, "warning: more steps have micro-batches that score "
                           "no label; not shown\n");
      return;
    }
    std::string list;
    for (int64_t micro : unscored)
      list += (list.empty() ? "" : ", ") + std::to_string(micro + 1);
    std::fprintf(stderr,
                 "warning: step %" PRId64 ": micro-batch%s %s of %" PRId64
                 " score%s no label (every label is -100, at position 0 or "
                 "at a placeholder token); loss 0 and no gradient\n",
                 step, unscored.size() > 1 ? "es" : "", list.c_str(),
                 spec.microBatches, unscored.size() > 1 ? "" : "s");
  }

private:
  static constexpr int kLimit = 10;
  int shown_ = 0;
};

int64_t trainableValues(const ProgramSpec &spec) {
  int64_t count = 0;
  for (const ParamSpec &param : spec.params)
    if (param.kind == ParamKind::trainable)
      count += numElements(param.shape);
  return count;
}

/// " | encoders vision (image, 1 x 16 tokens/sequence), ..." or nothing.
std::string encoderSummary(const ProgramSpec &spec) {
  std::string text;
  for (const ModalitySpec &m : spec.modalities)
    text += (text.empty() ? " | encoders " : ", ") + m.encoder + " (" +
            (m.modality.empty() ? "" : m.modality + ", ") +
            std::to_string(m.inputsPerSequence) + " x " +
            std::to_string(m.tokensPerInput) + " tokens/sequence)";
  return text;
}

/// Whether any rank was asked to stop: every rank leaves the loop after
/// the same step (a rank alone would leave the others in a collective).
bool stopAgreed(const TrainWorld &world) {
  if (!world.isDistributed())
    return stopRequested;
  Tensor flag(DType::i64, {1});
  flag.data<int64_t>()[0] = stopRequested ? 1 : 0;
  Tensor any;
  if (Status s = currentCommunicator()->allReduce(flag, CollectiveOp::max, any);
      !s)
    throw std::runtime_error(s.message());
  return any.data<int64_t>()[0] != 0;
}

int run(const ProgramSpec &spec, const TrainOptions &options,
        const TrainWorld &world) {
  if (options.numThreads > 0)
    setNumThreads(options.numThreads);
  if (!options.trace.empty())
    enableTrace();
  // Rank 0 speaks and writes for the job; every replica holds the same
  // parameters after each step.
  bool root = world.isRoot();

  // Data first: a bad file fails before a large weights file is read.
  DataSource data =
      options.data.empty()   ? DataSource::synthetic(spec, options.seed)
      : isDataset(options.data) ? DataSource::fromDataset(spec, options.data)
                                : DataSource::fromFiles(spec, options.data,
                                                        options.labels,
                                                        options.inputFiles);
  // The ranks of one replica (its stages and tensor-parallel groups) read
  // the same data.
  if (world.isDistributed())
    data.setReplica(spec.replicaOf(world.rank()), spec.dataParallel);
  // Weights files hold whole parameters, of which a rank keeps its blocks;
  // a checkpoint is read only where it overlaps them.
  ProgramSpec whole = wholeModelSpec(spec);
  ParamStore params;
  int64_t done = 0;
  std::string origin;
  if (!options.resumeDir.empty()) {
    // No allocateParams here: the checkpoint's tensors move in directly.
    TrainState state =
        resumeCheckpoint(options.resumeDir, spec, world.rank(), params);
    if (state.data != data.identity() && root)
      std::fprintf(stderr,
                   "warning: the checkpoint was trained on '%s', this run "
                   "reads '%s'\n",
                   state.data.c_str(), data.identity().c_str());
    // The generator state continues; --seed only seeds fresh runs.
    data.restore(state.dataPosition, state.generatorState);
    done = state.step;
    origin = "resumed from " + options.resumeDir + " at step " +
             std::to_string(done);
  } else {
    params = allocateParams(whole);
    loadWeights(options.weights, whole, params);
    origin = "weights " + describeWeights(options.weights);
    if (hasShardedParams(spec))
      params = takeRankBlocks(spec, std::move(params), world.rank());
  }
  if (done > options.steps)
    throw std::runtime_error("the checkpoint is at step " +
                             std::to_string(done) + ", past --steps " +
                             std::to_string(options.steps));

  LossLog lossLog(root ? options.lossLog : std::string());
  // Before the header, so a supervisor that saw it can rely on them.
  installStopHandlers();
  std::string context =
      spec.contextParallel > 1
          ? " x " + std::to_string(spec.contextParallel) + " context-parallel"
          : std::string();
  std::string replicas =
      !world.isDistributed() ? std::string()
      : spec.contextParallel > 1
          ? std::to_string(spec.dataParallel) + " data-parallel" + context +
                " x " + std::to_string(spec.ranksPerReplica()) +
                " tensor-parallel ranks; per replica "
      : spec.pipelineStages > 1
          ? std::to_string(spec.dataParallel) + " data-parallel x " +
                std::to_string(spec.pipelineStages) + " pipeline stages on " +
                std::to_string(spec.ranksPerReplica()) + " ranks; per replica "
      : spec.ranksPerReplica() > 1
          ? std::to_string(spec.dataParallel) + " data-parallel x " +
                std::to_string(spec.tensorParallel) +
                " tensor-parallel ranks; per replica "
          : std::to_string(world.size()) + " data-parallel ranks x ";
  if (root)
    std::printf("train %s: steps %" PRId64 "..%" PRId64 " | %" PRId64
                " tokens/step (%s%" PRId64 " x %" PRId64 " x %" PRId64
                ") | %" PRId64 " trainable values%s | data %s | %s | %d "
                "threads%s\n",
                spec.model.c_str(), done + 1, options.steps,
                spec.tokensPerStep(), replicas.c_str(), spec.microBatches,
                spec.batchSize, spec.sequenceLength, trainableValues(whole),
                encoderSummary(spec).c_str(), data.description().c_str(),
                origin.c_str(), numThreads(),
                world.isDistributed() ? " per rank" : "");
  std::fflush(stdout);
  if (done == options.steps) {
    if (root)
      std::printf("nothing to do: the checkpoint is at step %" PRId64 "\n",
                  done);
    return 0;
  }

  ProgressReporter progress(spec, done + 1, options.steps, options.logEvery);
  UnscoredWarnings unscored;
  // The step of the newest checkpoint in --save, for messages.
  int64_t lastSaved = sameFolder(options.resumeDir, options.saveDir) ? done : 0;
  Clock::time_point runStart = Clock::now();
  StepInputs batch;
  for (int64_t step = done + 1; step <= options.steps; ++step) {
    data.nextBatch(batch);
    if (root)
      unscored.check(spec, batch, step);
    Clock::time_point stepStart = Clock::now();
    StepOutputs outputs;
    {
      TraceScope span("step " + std::to_string(step));
      outputs = trainStep(params, batch, step);
    }
    double seconds = secondsSince(stepStart);
    lossLog.write(step, outputs);
    if (root)
      progress.record(step, outputs, seconds);
    // trainStep updated the parameters in place: this state must never
    // replace the last good checkpoint.
    if (!isFiniteStep(outputs))
      throw std::runtime_error(
          describeNonFiniteStep(spec, step, outputs) +
          "; stopping without saving" +
          (options.saveDir.empty() ? std::string()
           : lastSaved > 0
               ? " (the latest checkpoint stays step " +
                     std::to_string(lastSaved) + ")"
               : " (nothing was saved to " + options.saveDir + ")"));
    bool last = step == options.steps;
    bool periodic = options.saveEvery > 0 && step % options.saveEvery == 0;
    bool stop = stopAgreed(world);
    bool saving = !options.saveDir.empty() && (last || periodic || stop);
    if (saving) {
      try {
        save(options.saveDir, spec, params, step, data, options.saveAll, world);
      } catch (const std::exception &e) {
        // The save is atomic: a failed one leaves the previous checkpoint.
        throw std::runtime_error(
            "step " + std::to_string(step) + ": " + e.what() +
            (lastSaved > 0 ? "; the checkpoint of step " +
                                 std::to_string(lastSaved) + " is kept"
                           : std::string()));
      }
      lastSaved = step;
    }
    if (stop && !last) {
      if (root)
        progress.finish(secondsSince(runStart));
      std::fprintf(stderr, "stopped by a signal after step %" PRId64 "\n",
                   step);
      return 130;
    }
  }
  if (root)
    progress.finish(secondsSince(runStart));
  if (!options.trace.empty()) {
    writeTrace(options.trace);
    if (root)
      std::printf("trace: %s\n", options.trace.c_str());
  }
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  const ProgramSpec &spec = programSpec();
  TrainOptions options;
  if (std::optional<int> exitCode =
          parseTrainOptions(argc, argv, spec, options))
    return *exitCode;
  if (spec.shapeOnly) {
    std::fprintf(stderr,
                 "error: %s was compiled with starchc --shape-only (from an "
                 "export without its weights, to measure the compiler); "
                 "compile it from the complete export to train\n",
                 spec.model.c_str());
    return 1;
  }
  std::string constantsError;
  if (!loadProgramConstants(spec, constantsError)) {
    std::fprintf(stderr, "error: %s\n", constantsError.c_str());
    return 1;
  }
  std::unique_ptr<TrainWorld> world;
  try {
    world = std::make_unique<TrainWorld>(
        argc, argv, spec,
        std::chrono::milliseconds(
            static_cast<int64_t>(options.commTimeoutSeconds * 1000)));
    return run(spec, options, *world);
  } catch (const std::exception &e) {
    // On several ranks, one failing rank ends the job.
    if (world && world->isDistributed())
      world->abort(e.what(), 1);
    std::fflush(stdout);
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}
