//===- Options.cpp - Command-line flags of a training program -------------===//
#include "runtime/train/Options.h"

#include "runtime/data/Dataset.h"
#include "runtime/train/Checkpoint.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>

namespace starch::rt {

namespace {

/// positiveInteger's message prints the largest double; say it plainly.
const CLI::Validator positiveInteger(
    [](std::string &text) -> std::string {
      char *end = nullptr;
      errno = 0;
      long long value = std::strtoll(text.c_str(), &end, 10);
      if (text.empty() || *end != '\0' || errno != 0 || value <= 0)
        return "must be a positive integer, not '" + text + "'";
      return "";
    },
    "POSITIVE");

/// strtoull (and CLI11) would wrap "-1" around to 2^64 - 1.
const CLI::Validator unsignedInteger(
    [](std::string &text) -> std::string {
      char *end = nullptr;
      errno = 0;
      std::strtoull(text.c_str(), &end, 10);
      if (text.empty() || text[0] == '-' || *end != '\0' || errno != 0)
        return "must be an integer in [0, 2^64), not '" + text + "'";
      return "";
    },
    "UINT64");

} // namespace

std::optional<int> parseTrainOptions(int argc, char **argv,
                                     const ProgramSpec &spec,
                                     TrainOptions &options) {
  std::string program = argc > 0 ? argv[0] : "train";
  if (auto slash = program.find_last_of('/'); slash != std::string::npos)
    program = program.substr(slash + 1);
  CLI::App app("Trains " + spec.model +
                   " (a Starch training program; docs/train-binary.md).",
               program);
  options.steps = spec.scheduleSteps;
  options.weights = spec.weights;
  std::vector<std::string> weightArgs, inputArgs;
  app.add_option("--steps", options.steps,
                 "Total optimizer steps, counting those of a resumed "
                 "checkpoint (default: the compiled schedule length)")
      ->capture_default_str()
      ->check(positiveInteger);
  CLI::Option *data =
      app.add_option("--data", options.data,
                     "A dataset folder packed by starch-data, or token ids as "
                     "an i64 or i32 .npy [N, " +
                         std::to_string(spec.sequenceLength) +
                         "] (default: synthetic data)")
          ->check(CLI::ExistingPath);
  app.add_option("--labels", options.labels,
                 "Labels .npy shaped like --data, -100 = not scored "
                 "(default: the tokens)")
      ->check(CLI::ExistingFile)
      ->needs(data);
  std::string inputNames;
  for (const InputSpec &input : spec.inputs)
    inputNames += (inputNames.empty() ? "" : ", ") + input.name;
  if (!spec.inputs.empty())
    app.add_option("--input", inputArgs,
                   "An encoder's inputs, NAME=FILE.npy with the inputs of "
                   "every sequence of --data in order (names: " +
                       inputNames + ")")
        ->needs(data);
  app.add_option("--seed", options.seed, "Seed of the synthetic data")
      ->capture_default_str()
      ->check(unsignedInteger);
  app.add_option("--log-every", options.logEvery,
                 "Print a progress line every K steps")
      ->capture_default_str()
      ->check(positiveInteger);
  app.add_option("--weights", weightArgs,
                 spec.weights.size() == 1 && spec.weights[0].module.empty()
                     ? "Weights file, .onnx or .safetensors (default: the "
                       "one named at compile time)"
                     : "MODULE=FILE: a module's weights, .onnx or "
                       ".safetensors (default: the files named at compile "
                       "time)");
  app.add_option("--num-threads", options.numThreads,
                 "Threads of the runtime's kernels, at most 1024 (default: "
                 "OMP_NUM_THREADS or all cores)")
      ->check(positiveInteger)
      ->check(CLI::Validator(
          [](std::string &text) -> std::string {
            // A thread pool of 10^5 threads would abort, not help.
            return std::strtoll(text.c_str(), nullptr, 10) > 1024
                       ? "must be at most 1024, not '" + text + "'"
                       : "";
          },
          "", "at most 1024"));
  app.add_option("--comm-timeout", options.commTimeoutSeconds,
                 "Seconds a rank waits for its peers in any transfer (MPI or "
                 "NCCL) before the job ends naming the rank and the transfer "
                 "(default 60)")
      ->check(CLI::Range(0.1, 86400.0));
  CLI::Option *save = app.add_option(
      "--save", options.saveDir,
      "Write DIR/checkpoint.safetensors at the end (and every --save-every "
      "steps)");
  app.add_option("--save-every", options.saveEvery,
                 "Also checkpoint every K steps")
      ->check(positiveInteger)
      ->needs(save);
  if (!spec.modalities.empty())
    app.add_flag("--save-all", options.saveAll,
                 "Also write DIR/<module>.safetensors of frozen modules (the "
                 "trained ones are always written)")
        ->needs(save);
  app.add_option("--resume", options.resumeDir,
                 "Continue from DIR/checkpoint.safetensors")
      ->check(CLI::ExistingDirectory);
  app.add_option("--loss-log", options.lossLog,
                 "Write 'step loss grad_norm lr' per step to FILE");
  app.add_option("--trace", options.trace,
                 "Write every rank's steps (pipeline forwards, backwards, "
                 "sends and receives) to FILE as a Chrome trace at the end");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp &e) {
    return app.exit(e);
  } catch (const CLI::ParseError &e) {
    // CLI11's own message, made one line, with where to look.
    std::string message = e.what();
    for (char &c : message)
      if (c == '\n')
        c = ' ';
    std::fprintf(stderr, "%s: %s (see --help)\n", program.c_str(),
                 message.c_str());
    return 2;
  }
  auto bad = [&](const std::string &message) {
    std::fprintf(stderr, "%s: %s (see --help)\n", program.c_str(),
                 message.c_str());
    return 2;
  };
  for (const std::string &arg : weightArgs) {
    size_t equals = arg.find('=');
    std::string module = equals == std::string::npos ? "" : arg.substr(0, equals);
    std::string path = equals == std::string::npos ? arg : arg.substr(equals + 1);
    auto it = std::find_if(options.weights.begin(), options.weights.end(),
                           [&](const WeightsFile &f) { return f.module == module; });
    if (it == options.weights.end()) {
      // A path containing '=' in a single-module program.
      if (options.weights.size() == 1 && options.weights[0].module.empty()) {
        options.weights[0].path = arg;
        continue;
      }
      std::string modules;
      for (const WeightsFile &f : options.weights)
        modules += (modules.empty() ? "" : ", ") + f.module;
      return bad("--weights " + arg + ": expected MODULE=FILE with MODULE one of: " +
                 modules);
    }
    it->path = path;
  }
  for (const std::string &arg : inputArgs) {
    size_t equals = arg.find('=');
    std::string name = arg.substr(0, equals);
    bool known = std::any_of(spec.inputs.begin(), spec.inputs.end(),
                             [&](const InputSpec &i) { return i.name == name; });
    if (equals == std::string::npos || !known)
      return bad("--input " + arg + ": expected NAME=FILE.npy with NAME one of: " +
                 inputNames);
    options.inputFiles[name] = arg.substr(equals + 1);
  }
  bool dataset = !options.data.empty() && isDataset(options.data);
  if (dataset && (!options.labels.empty() || !inputArgs.empty()))
    return bad("--data " + options.data + " is a dataset folder: its labels "
               "and encoder inputs are inside; --labels and --input are for "
               ".npy data");
  if (!options.data.empty() && !dataset)
    for (const InputSpec &input : spec.inputs)
      if (!options.inputFiles.count(input.name))
        return bad("--data needs --input " + input.name + "=FILE.npy too");
  // Before anything is read or trained: a run that cannot save would lose
  // its work at the first checkpoint.
  if (!options.saveDir.empty()) {
    try {
      checkSaveFolder(options.saveDir);
    } catch (const std::exception &e) {
      return bad("--save " + options.saveDir + ": " + e.what());
    }
  }
  return std::nullopt;
}

} // namespace starch::rt
