//===- Manifest.cpp - The JSONL training-data manifest --------------------===//
#include "runtime/data/Manifest.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace fs = std::filesystem;

namespace starch::rt {

namespace {

using json = nlohmann::json;
constexpr int64_t kIgnoreIndex = -100;

struct LineError {
  std::string what;
};

[[noreturn]] void fail(const std::string &what) { throw LineError{what}; }

std::vector<int64_t> idsAt(const json &sample, const char *key) {
  const json &value = sample[key];
  if (!value.is_array())
    fail("\"" + std::string(key) + "\" must be a list of token ids");
  std::vector<int64_t> ids;
  for (const json &id : value) {
    if (!id.is_number_integer())
      fail("\"" + std::string(key) + "\" holds " + id.dump() +
           ", not an integer token id");
    ids.push_back(id.get<int64_t>());
  }
  return ids;
}

void checkRange(const std::vector<int64_t> &ids, const char *key,
                int64_t vocab, bool allowIgnore) {
  for (size_t i = 0; i < ids.size(); ++i)
    if ((ids[i] < 0 || ids[i] >= vocab) &&
        !(allowIgnore && ids[i] == kIgnoreIndex))
      fail("\"" + std::string(key) + "\"[" + std::to_string(i) + "] is " +
           std::to_string(ids[i]) + "; ids must lie in [0, " +
           std::to_string(vocab) + ")" + (allowIgnore ? " or be -100" : ""));
}

std::vector<std::string> filesAt(const json &value,
                                 const EncoderInputContract &input,
                                 const fs::path &folder) {
  std::vector<std::string> files;
  auto add = [&](const json &entry) {
    if (!entry.is_string() || entry.get<std::string>().empty())
      fail("\"" + input.encoder + "\" must be a file path or a list of them");
    fs::path path = entry.get<std::string>();
    files.push_back(
        (path.is_relative() ? folder / path : path).lexically_normal().string());
  };
  if (value.is_array()) {
    for (const json &entry : value)
      add(entry);
  } else {
    add(value);
  }
  return files;
}

ManifestSample parseLine(const std::string &text, const DataContract &contract,
                         const ManifestOptions &options,
                         const fs::path &folder) {
  json sample;
  try {
    sample = json::parse(text);
  } catch (const json::exception &e) {
    // parse_error, and out_of_range for a number past a double (1e999).
    fail(std::string("not valid JSON: ") + e.what());
  }
  if (!sample.is_object())
    fail("a line must be one JSON object");
  for (auto it = sample.begin(); it != sample.end(); ++it) {
    const std::string &key = it.key();
    bool known = key == "tokens" || key == "labels" || key == "id" ||
                 key == "text";
    for (const EncoderInputContract &input : contract.inputs)
      known = known || key == input.encoder;
    if (!known) {
      std::string list = "tokens, labels, id, text";
      for (const EncoderInputContract &input : contract.inputs)
        list += ", " + input.encoder;
      fail("unknown key \"" + key + "\" (expected: " + list + ")");
    }
  }
  if (!sample.contains("tokens"))
    fail("\"tokens\" missing (the sequence's token ids)");
  ManifestSample result;
  int64_t length = contract.sequenceLength;
  result.tokens = idsAt(sample, "tokens");
  result.labels = sample.contains("labels") ? idsAt(sample, "labels")
                                            : result.tokens;
  if (result.labels.size() != result.tokens.size())
    fail("\"labels\" holds " + std::to_string(result.labels.size()) +
         " ids, \"tokens\" " + std::to_string(result.tokens.size()));
  int64_t count = static_cast<int64_t>(result.tokens.size());
  if (count > length || count == 0 || (count < length && options.padToken < 0))
    fail("\"tokens\" holds " + std::to_string(count) + " ids; the program's " +
         "sequences hold " + std::to_string(length) +
         (count < length && count > 0
              ? " (pad shorter lines with starch-data --pad-token ID)"
              : ""));
  checkRange(result.tokens, "tokens", contract.vocabSize, false);
  checkRange(result.labels, "labels", contract.vocabSize, true);
  result.tokens.resize(length, options.padToken);
  result.labels.resize(length, kIgnoreIndex);
  for (const EncoderInputContract &input : contract.inputs) {
    std::vector<std::string> files;
    if (sample.contains(input.encoder))
      files = filesAt(sample[input.encoder], input, folder);
    if (static_cast<int64_t>(files.size()) > input.slots)
      fail("\"" + input.encoder + "\" lists " + std::to_string(files.size()) +
           " files; a sequence holds at most " + std::to_string(input.slots));
    std::string noun = input.modality.empty() ? "input" : input.modality;
    int64_t used;
    try {
      used = contract.usedSlots(input, result.tokens.data(), "\"tokens\"");
    } catch (const std::runtime_error &e) {
      fail(e.what());
    }
    if (used != static_cast<int64_t>(files.size()))
      fail("\"tokens\" holds " + std::to_string(used * input.tokensPerInput) +
           " placeholder tokens " + std::to_string(input.placeholderToken) +
           " of encoder '" + input.encoder + "' but \"" + input.encoder +
           "\" lists " + std::to_string(files.size()) + " " + noun +
           (files.size() == 1 ? "" : "s") + "; each fills " +
           std::to_string(input.tokensPerInput) + ", so " +
           std::to_string(files.size() * input.tokensPerInput) +
           " are needed");
    result.files.push_back(std::move(files));
  }
  return result;
}

} // namespace

std::string manifestWhere(const std::string &path, int64_t line) {
  return path + ":" + std::to_string(line);
}

std::vector<ManifestSample> readManifest(const std::string &path,
                                         const DataContract &contract,
                                         const ManifestOptions &options) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec))
    throw std::runtime_error("'" + path + "': no such manifest file");
  std::ifstream in(path);
  if (!in)
    throw std::runtime_error("cannot open '" + path + "'");
  if (options.padToken >= contract.vocabSize)
    throw std::runtime_error("the pad token " +
                             std::to_string(options.padToken) +
                             " lies outside the vocabulary of " +
                             std::to_string(contract.vocabSize));
  for (const EncoderInputContract &input : contract.inputs)
    if (options.padToken == input.placeholderToken)
      throw std::runtime_error("the pad token " +
                               std::to_string(options.padToken) +
                               " is encoder '" + input.encoder +
                               "''s placeholder");
  fs::path folder = fs::absolute(path).parent_path();
  std::vector<ManifestSample> samples;
  std::string text;
  for (int64_t line = 1; std::getline(in, text); ++line) {
    if (text.find_first_not_of(" \t\r") == std::string::npos)
      continue; // blank lines separate nothing
    try {
      samples.push_back(parseLine(text, contract, options, folder));
    } catch (const LineError &e) {
      throw std::runtime_error(manifestWhere(path, line) + ": " + e.what);
    }
    samples.back().line = line;
  }
  if (samples.empty())
    throw std::runtime_error("'" + path + "' holds no samples");
  return samples;
}

} // namespace starch::rt
