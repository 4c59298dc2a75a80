//===- starch-data.cpp - Packs a JSONL manifest into a dataset ------------===//
//
//   starch-data model.json [MANIFEST.jsonl] -o DIR [--pad-token ID]
//               [--sequences-per-shard N] [--num-threads N]
//
// Reads the manifest (token ids with placeholders, image and audio paths),
// decodes and preprocesses every file as the encoder's Hugging Face
// processor does, and writes a dataset folder the training binary streams
// (`./train --data DIR`). The shapes come from compiling model.json's
// modules as far as starch-compose (compiler/Driver/DataContract.h).
// docs/data.md is the reference. Errors print one line naming the file and
// line, exit with status 2 and leave nothing written.
//
//===----------------------------------------------------------------------===//
#include "compiler/Driver/DataContract.h"
#include "compiler/Driver/Driver.h"
#include "passes/Passes.h"
#include "runtime/data/Pack.h"
#include "runtime/kernels/Parallel.h"
#include "tools/ParseToolFlags.h"

#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <cstdio>

using namespace llvm;
namespace driver = starch::driver;
namespace rt = starch::rt;

static cl::OptionCategory category("starch-data options");
static cl::opt<std::string> modelPath(cl::Positional, cl::desc("<model.json>"),
                                      cl::cat(category));
static cl::opt<std::string>
    manifestPath(cl::Positional,
                 cl::desc("[manifest.jsonl] (default: model.json data.manifest)"),
                 cl::cat(category));
static cl::opt<std::string> outputDir("o", cl::desc("the dataset folder to write"),
                                      cl::cat(category));
static cl::opt<int64_t> padToken(
    "pad-token",
    cl::desc("pad shorter lines with this token id, labels with -100 "
             "(default: model.json data.pad_token; none: lines must be full)"),
    cl::init(-1), cl::cat(category));
static cl::opt<int64_t> sequencesPerShard(
    "sequences-per-shard", cl::desc("sequences per shard file (default 1024)"),
    cl::init(1024), cl::cat(category));
static cl::opt<int> threads("num-threads",
                            cl::desc("decoding threads (default: all cores)"),
                            cl::init(0), cl::cat(category));

static int fail(const Twine &message) {
  errs() << "error: " << message << "\n";
  return driver::kUserError;
}

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  starch::registerStarchPasses();
  cl::HideUnrelatedOptions(category);
  starch::tools::parseToolFlags(
      argc, argv, "Packs a JSONL manifest into a Starch dataset\n");
  auto start = std::chrono::steady_clock::now();
  if (modelPath.empty() || outputDir.empty())
    return fail("usage: starch-data model.json [manifest.jsonl] -o DIR");
  if (sequencesPerShard < 1 || sequencesPerShard > (int64_t(1) << 30))
    return fail("--sequences-per-shard must lie in [1, 2^30]");
  if (threads < 0 || threads > 4096)
    return fail("--num-threads must lie in [0, 4096]");
  if (threads > 0)
    rt::setNumThreads(threads);

  std::string error;
  starch::config::ModelConfig model;
  if (!starch::config::parseModelConfig(modelPath, model, error))
    return fail(error);
  std::string manifest =
      manifestPath.empty() ? model.data.manifest : std::string(manifestPath);
  if (manifest.empty())
    return fail("no manifest: name one after model.json, or set data.manifest "
                "in " + modelPath);

  mlir::MLIRContext context;
  rt::DataContract contract;
  if (!driver::deriveDataContract(context, model, contract, error))
    return fail(error);
  std::vector<rt::InputPreprocessor> preprocessors(contract.inputs.size());
  for (size_t i = 0; i < contract.inputs.size(); ++i) {
    size_t encoder = 0;
    while (encoder < model.encoders.size() &&
           model.encoders[encoder].name != contract.inputs[i].encoder)
      ++encoder;
    if (encoder == model.encoders.size())
      return fail(modelPath + ": the program has an encoder '" +
                  contract.inputs[i].encoder + "' that it does not list");
    if (!rt::makePreprocessor(model.encoders[encoder].processor,
                              contract.inputs[i], preprocessors[i], error))
      return fail(modelPath + ": encoders[" + Twine(encoder) +
                  "].processor: " + error);
  }

  rt::DatasetInfo info;
  info.contract = contract;
  info.model = model.name;
  info.manifest = manifest;
  for (size_t i = 0; i < contract.inputs.size(); ++i)
    info.processors[contract.inputs[i].encoder] = preprocessors[i].description;
  outs() << "starch-data " << model.name << ": " << manifest << " -> "
         << outputDir << " (sequences of " << contract.sequenceLength
         << " tokens)\n";
  for (size_t i = 0; i < contract.inputs.size(); ++i)
    outs() << "  " << contract.inputs[i].encoder << " ("
           << contract.inputs[i].slots << " per sequence, "
           << contract.inputs[i].tokensPerInput << " tokens each): "
           << preprocessors[i].description << "\n";
  outs().flush();

  rt::PackOptions options;
  options.sequencesPerShard = sequencesPerShard;
  options.manifest.padToken = padToken >= 0 ? padToken : model.data.padToken;
  auto lastReport = std::chrono::steady_clock::now();
  options.progress = [&](int64_t done, int64_t total) {
    auto now = std::chrono::steady_clock::now();
    if (done < total && now - lastReport < std::chrono::seconds(5))
      return;
    lastReport = now;
    if (done < total)
      std::fprintf(stderr, "  %lld/%lld sequences\n",
                   static_cast<long long>(done), static_cast<long long>(total));
  };
  rt::PackSummary summary;
  if (!rt::tryPackDataset(manifest, outputDir, info, preprocessors, options,
                          summary, error))
    return fail(error);
  double seconds = std::chrono::duration<double>(
                       std::chrono::steady_clock::now() - start)
                       .count();
  outs() << "packed " << summary.sequences << " sequences";
  for (size_t i = 0; i < contract.inputs.size(); ++i)
    outs() << (i ? ", " : " (") << summary.files[i] << " "
           << (contract.inputs[i].modality.empty() ? "input"
                                                   : contract.inputs[i].modality)
           << " files for " << contract.inputs[i].encoder;
  outs() << (contract.inputs.empty() ? "" : ")") << " into " << summary.shards
         << (summary.shards == 1 ? " shard" : " shards") << " in "
         << llvm::format("%.2f", seconds) << " s\n";
  return driver::kSuccess;
}
