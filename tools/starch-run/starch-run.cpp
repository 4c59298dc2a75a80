//===- starch-run.cpp - Execute starch IR with the reference interpreter --===//
//
// starch-run FILE.mlir [--function=forward] [--input NAME=FILE.npy ...]
//   [--weights PATH | --weights MODULE=PATH ...] [--output-dir DIR] [--print] [--compare NAME=REF.npy ...
//   --rtol R --atol A] [--ranks N] [--threads N] [--time]
//
// Tensor files are .npy, or .pb (a serialized ONNX TensorProto, as in ONNX's
// node tests); a .pb given without NAME= binds to the argument or result
// named like the tensor it holds, else to the next one in order.
//
// Exit status: 0 success, 1 a --compare mismatch (or ranks that disagree),
// 2 an error in the inputs (one line naming the file or argument).
//
//===----------------------------------------------------------------------===//
#include "compiler/Execution/ExecutionInterface.h"
#include "compiler/Interpreter/Interpreter.h"
#include "runtime/comm/CurrentCommunicator.h"
#include "runtime/comm/LocalWorld.h"
#include "runtime/io/Npy.h"
#include "runtime/io/OnnxTensor.h"
#include "runtime/io/Safetensors.h"
#include "runtime/kernels/Elementwise.h"
#include "runtime/kernels/Parallel.h"
#include "starch/Dialect/StarchDialect.h"
#include "starch/Dialect/StarchOps.h"
#include "starch/Dialect/StarchPipeline.h"
#include "tools/ParseToolFlags.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <cmath>
#include <map>
#include <mutex>
#include <optional>
#include <set>

using namespace mlir;
using namespace starch;
namespace cl = llvm::cl;

namespace {

cl::OptionCategory category("starch-run options");
cl::list<std::string> positional(cl::Positional,
                                 cl::desc("<input.mlir> [inputs.npy|.pb...]"),
                                 cl::OneOrMore, cl::cat(category));
std::string inputFile; // positional[0]
cl::opt<std::string> functionName("function",
                                  cl::desc("function to run (default forward)"),
                                  cl::init("forward"), cl::cat(category));
cl::list<std::string>
    inputs("input",
           cl::desc("NAME=FILE.npy|.pb (or FILE in argument order); repeat"),
           cl::cat(category));
cl::list<std::string>
    weightsPaths("weights",
                 cl::desc("ONNX or .safetensors file with the parameters, or "
                          "MODULE=FILE for one module of a multimodal program "
                          "(e.g. llm=ckpt/llm.safetensors); repeat (default: "
                          "the module attribute starch.weights)"),
                 cl::cat(category));
cl::opt<std::string> outputDir("output-dir",
                               cl::desc("write <result name>.npy files here"),
                               cl::cat(category));
cl::opt<std::string> paramsOut(
    "params-out",
    cl::desc("after the run, write every parameter read or written (by "
             "source name, with its final value) to this .safetensors file"),
    cl::cat(category));
cl::opt<bool> printResults("print",
                           cl::desc("print each result's shape, type, mean "
                                    "and first values"),
                           cl::cat(category));
cl::list<std::string>
    compares("compare", cl::desc("NAME=REF.npy|.pb: compare a result; repeat"),
             cl::cat(category));
cl::opt<double> rtol("rtol", cl::desc("relative tolerance of --compare"),
                     cl::init(1e-5), cl::cat(category));
cl::opt<double> atol("atol", cl::desc("absolute tolerance of --compare"),
                     cl::init(1e-8), cl::cat(category));
cl::opt<bool> perRankInputs(
    "per-rank-inputs",
    cl::desc("with --ranks N: every input holds one value per rank, stacked "
             "on a new leading dimension of size N; rank r gets slice r"),
    cl::cat(category));
cl::opt<int> ranks("ranks", cl::desc("simulate N ranks in this process"),
                   cl::init(1), cl::cat(category));
// LLVM itself registers a hidden --threads, so ours is --num-threads and
// main() rewrites --threads to it.
cl::opt<int> threads("num-threads",
                     cl::desc("kernel threads, also spelled --threads (default "
                              "OMP_NUM_THREADS or all cores)"),
                     cl::init(0), cl::cat(category));
cl::opt<bool> timeOps("time", cl::desc("print execution time per op kind"),
                      cl::cat(category));

constexpr int kMismatch = 1, kError = 2;

/// Prints "error: <message>" and gives the error exit status.
int fail(const llvm::Twine &message) {
  llvm::errs() << "error: " << message << "\n";
  return kError;
}

/// One line per diagnostic: "file:line:col: error: message".
void printDiagnostic(Diagnostic &diag) {
  Location loc = diag.getLocation();
  if (auto fileLoc = dyn_cast<FileLineColLoc>(loc))
    llvm::errs() << fileLoc.getFilename().getValue() << ":" << fileLoc.getLine()
                 << ":" << fileLoc.getColumn() << ": ";
  switch (diag.getSeverity()) {
  case DiagnosticSeverity::Error:
    llvm::errs() << "error: ";
    break;
  case DiagnosticSeverity::Warning:
    llvm::errs() << "warning: ";
    break;
  case DiagnosticSeverity::Note:
    llvm::errs() << "note: ";
    break;
  case DiagnosticSeverity::Remark:
    llvm::errs() << "remark: ";
    break;
  }
  llvm::errs() << diag << "\n";
  for (Diagnostic &note : diag.getNotes())
    printDiagnostic(note);
}

std::string typeString(Type type) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << type;
  return text;
}

std::string tensorTypeString(const rt::Tensor &t) {
  return rt::shapeString(t.shape()) + " " + rt::dtypeName(t.dtype());
}

/// Splits "NAME=PATH"; a bare PATH has no name.
std::pair<std::string, std::string> splitBinding(const std::string &text) {
  size_t eq = text.find('=');
  if (eq == std::string::npos)
    return {"", text};
  return {text.substr(0, eq), text.substr(eq + 1)};
}

/// A tensor file: .pb is a serialized ONNX TensorProto (its name comes back
/// in `name`), anything else .npy (no name).
bool readTensorFile(const std::string &path, rt::Tensor &tensor,
                    std::string &name, std::string &error) {
  name.clear();
  if (llvm::StringRef(path).ends_with(".pb"))
    return rt::readOnnxTensorFile(path, tensor, name, error);
  return rt::readNpy(path, tensor, error);
}

std::string argName(func::FuncOp fn, unsigned i) {
  if (auto name = fn.getArgAttrOfType<StringAttr>(i, "starch.name"))
    return name.str();
  return "arg" + std::to_string(i);
}

std::string resultName(func::FuncOp fn, unsigned i) {
  if (auto name = fn.getResultAttrOfType<StringAttr>(i, "starch.name"))
    return name.str();
  return "result" + std::to_string(i);
}

/// Index of the argument of `fn` called `name` (or "argN"), or the count.
unsigned argIndex(func::FuncOp fn, const std::string &name) {
  for (unsigned i = 0, e = fn.getNumArguments(); i < e; ++i)
    if (argName(fn, i) == name || "arg" + std::to_string(i) == name)
      return i;
  return fn.getNumArguments();
}

/// Reads the --input files into one tensor per argument of `fn`: NAME=FILE
/// and .pb files whose tensor is named like an argument bind by name, the
/// other files to the remaining arguments in order.
int loadInputs(func::FuncOp fn, std::vector<rt::Tensor> &args) {
  unsigned count = fn.getNumArguments();
  std::vector<std::string> paths(count);
  std::vector<std::optional<rt::Tensor>> readAlready(count);
  std::vector<std::string> bindings(positional.begin() + 1, positional.end());
  bindings.insert(bindings.end(), inputs.begin(), inputs.end());
  std::vector<std::pair<std::string, std::optional<rt::Tensor>>> unbound;
  for (const std::string &binding : bindings) {
    auto [name, path] = splitBinding(binding);
    std::optional<rt::Tensor> tensor;
    if (name.empty() && llvm::StringRef(path).ends_with(".pb")) {
      std::string error;
      tensor.emplace();
      if (!readTensorFile(path, *tensor, name, error))
        return fail("--input " + binding + ": " + error);
      if (argIndex(fn, name) == count)
        name.clear();
    }
    if (name.empty()) {
      unbound.emplace_back(path, std::move(tensor));
      continue;
    }
    unsigned index = argIndex(fn, name);
    if (index == count)
      return fail("--input " + binding + ": @" + fn.getSymName().str() +
                  " has no argument named '" + name + "'");
    if (!paths[index].empty())
      return fail("--input " + binding + ": input '" + argName(fn, index) +
                  "' is already bound to '" + paths[index] + "'");
    paths[index] = path;
    readAlready[index] = std::move(tensor);
  }
  unsigned next = 0;
  for (auto &[path, tensor] : unbound) {
    while (next < count && !paths[next].empty())
      ++next;
    if (next == count)
      return fail("too many --input files: @" + fn.getSymName().str() +
                  " takes " + std::to_string(count) + " arguments");
    paths[next] = path;
    readAlready[next] = std::move(tensor);
  }
  args.resize(count);
  for (unsigned i = 0; i < count; ++i) {
    Type type = fn.getArgumentTypes()[i];
    std::string label = "input '" + argName(fn, i) + "'";
    if (paths[i].empty())
      return fail("missing " + label + " (argument #" + std::to_string(i) +
                  " of @" + fn.getSymName().str() + ", " + typeString(type) +
                  "); pass --input " + argName(fn, i) + "=FILE.npy");
    rt::Tensor tensor;
    std::string storedName, error;
    if (readAlready[i])
      tensor = *readAlready[i];
    else if (!readTensorFile(paths[i], tensor, storedName, error))
      return fail(label + ": " + error);
    auto ranked = dyn_cast<RankedTensorType>(type);
    std::optional<rt::DType> dtype =
        ranked ? interp::dtypeOf(ranked.getElementType()) : std::nullopt;
    if (!dtype)
      return fail(label + " has type " + typeString(type) +
                  ", which starch-run cannot feed");
    // .npy has no bf16: accept f32 data for a bf16 argument and round it.
    if (*dtype == rt::DType::bf16 && tensor.dtype() == rt::DType::f32) {
      rt::Tensor rounded(rt::DType::bf16, tensor.shape());
      rt::convert(tensor, rounded);
      tensor = rounded;
    }
    // Per rank: one value of the argument's type per rank, stacked.
    llvm::SmallVector<int64_t> expected;
    if (perRankInputs)
      expected.push_back(ranks);
    expected.append(ranked.getShape().begin(), ranked.getShape().end());
    if (tensor.dtype() != *dtype ||
        llvm::ArrayRef<int64_t>(tensor.shape()) != llvm::ArrayRef(expected))
      return fail(label + " from '" + paths[i] + "' is " +
                  tensorTypeString(tensor) + " but @" + fn.getSymName().str() +
                  " expects " + typeString(type) +
                  (perRankInputs ? " for each of the " +
                                       std::to_string(ranks) +
                                       " ranks, stacked (--per-rank-inputs)"
                                 : std::string()));
    args[i] = tensor;
  }
  return 0;
}

/// A provider over one weights file (.onnx or .safetensors).
int fileProvider(const std::string &path, interp::ParamProvider &provider) {
  std::string error;
  if (llvm::StringRef(path).ends_with(".safetensors")) {
    auto file = std::make_shared<rt::SafetensorsFile>();
    if (!file->open(path, error))
      return fail("cannot read weights: " + error);
    provider = [file](const std::string &name, rt::Tensor &out,
                      std::string &error) {
      return file->load(name, out, error);
    };
    return 0;
  }
  std::map<std::string, rt::Tensor> initializers;
  if (!rt::loadOnnxInitializers(path, initializers, error))
    return fail("cannot read weights: " + error);
  provider = [path, params = interp::paramsFromMap(std::move(initializers))](
                 const std::string &name, rt::Tensor &out, std::string &error) {
    if (params(name, out, error))
      return true;
    error = "'" + path + "' has no initializer named '" + name + "'";
    return false;
  };
  return 0;
}

std::string resolveAgainstInput(std::string path) {
  if (!llvm::sys::path::is_absolute(path)) {
    llvm::SmallString<256> full(llvm::sys::path::parent_path(inputFile));
    llvm::sys::path::append(full, path);
    path = std::string(full);
  }
  return path;
}

/// Where the parameters come from: --weights, else the module's
/// `starch.weights` (relative to the .mlir file's directory): one file, or
/// one per module of a multimodal program (parameters named
/// `<module>::<source>`, see interp::paramKey).
int makeParamProvider(ModuleOp module, interp::ParamProvider &provider) {
  // --weights FILE replaces everything; --weights MODULE=FILE one module's.
  std::string path;
  std::map<std::string, std::string> overrides;
  for (const std::string &arg : weightsPaths) {
    size_t equals = arg.find('=');
    if (equals == std::string::npos) {
      if (!path.empty() || weightsPaths.size() > 1)
        return fail("--weights FILE replaces every module's weights; give it "
                    "once, or MODULE=FILE per module");
      path = arg;
    } else {
      overrides[arg.substr(0, equals)] = arg.substr(equals + 1);
    }
  }
  bool readsParams = false;
  module.walk([&](ParamOp) { readsParams = true; });
  if (path.empty() && overrides.empty() && !readsParams)
    return 0;
  if (!path.empty())
    return fileProvider(path, provider);
  Attribute attr = module->getAttr("starch.weights");
  auto perModule = dyn_cast_or_null<DictionaryAttr>(attr);
  if (!overrides.empty() && !perModule) {
    return fail("--weights " + overrides.begin()->first +
                "=...: this program has no modules (starch.weights is one "
                "file); pass --weights FILE");
  }
  if (perModule) {
    for (const auto &[name, file] : overrides)
      if (!perModule.get(name)) {
        std::string names;
        for (NamedAttribute entry : perModule)
          names += (names.empty() ? "" : ", ") + entry.getName().str();
        return fail("--weights " + name + "=" + file +
                    ": no module named '" + name + "' (modules: " + names +
                    ")");
      }
    auto providers =
        std::make_shared<std::map<std::string, interp::ParamProvider>>();
    for (NamedAttribute entry : perModule) {
      std::string name = entry.getName().str();
      auto file = dyn_cast<StringAttr>(entry.getValue());
      if (!file && !overrides.count(name))
        return fail("starch.weights: module '" + name + "' names no file");
      std::string resolved = overrides.count(name)
                                 ? overrides[name]
                                 : resolveAgainstInput(file.str());
      if (int status = fileProvider(resolved, (*providers)[name]))
        return status;
    }
    provider = [providers](const std::string &key, rt::Tensor &out,
                           std::string &error) {
      size_t split = key.find("::");
      std::string module = split == std::string::npos ? "" : key.substr(0, split);
      auto it = providers->find(module);
      if (it == providers->end()) {
        error = "starch.weights names no file for module '" + module + "'";
        return false;
      }
      return it->second(key.substr(split + 2), out, error);
    };
    return 0;
  }
  auto single = dyn_cast_or_null<StringAttr>(attr);
  if (!single) {
    provider = [](const std::string &name, rt::Tensor &, std::string &error) {
      error = "no weights file (pass --weights or set the module attribute "
              "starch.weights)";
      return false;
    };
    return 0;
  }
  return fileProvider(resolveAgainstInput(single.str()), provider);
}

void printTensor(const std::string &name, const rt::Tensor &t) {
  constexpr int64_t kShown = 16;
  int64_t n = t.numElements();
  double sum = 0;
  for (int64_t i = 0; i < n; ++i)
    sum += rt::elementAsDouble(t, i);
  llvm::outs() << name << ": " << tensorTypeString(t) << " mean "
               << llvm::format("%.6g", n ? sum / n : 0.0) << " [";
  for (int64_t i = 0; i < std::min(n, kShown); ++i) {
    llvm::outs() << (i ? ", " : "");
    if (t.dtype() == rt::DType::i64)
      llvm::outs() << t.data<int64_t>()[i];
    else
      llvm::outs() << llvm::format("%.6g", rt::elementAsDouble(t, i));
  }
  llvm::outs() << (n > kShown ? ", ...]" : "]") << "\n";
}

std::string sanitizeFileName(std::string name) {
  for (char &c : name)
    if (c == '/' || c == '\\' || c == ':')
      c = '_';
  return name;
}

int writeOutputs(const std::vector<std::string> &names,
                 const std::vector<rt::Tensor> &results) {
  if (std::error_code ec = llvm::sys::fs::create_directories(outputDir))
    return fail("cannot create --output-dir '" + outputDir +
                "': " + ec.message());
  for (size_t i = 0; i < results.size(); ++i) {
    rt::Tensor tensor = results[i];
    if (tensor.dtype() == rt::DType::bf16) { // .npy has no bf16
      rt::Tensor wide(rt::DType::f32, tensor.shape());
      rt::convert(tensor, wide);
      tensor = wide;
    }
    llvm::SmallString<256> path(outputDir);
    llvm::sys::path::append(path, sanitizeFileName(names[i]) + ".npy");
    std::string error;
    if (!rt::writeNpy(std::string(path), tensor, error))
      return fail(error);
  }
  return 0;
}

/// allclose with NaN == NaN; prints one line per comparison.
int compareOutputs(const std::vector<std::string> &names,
                   const std::vector<rt::Tensor> &results) {
  int status = 0;
  for (const std::string &binding : compares) {
    auto [name, path] = splitBinding(binding);
    rt::Tensor expected;
    std::string storedName, error;
    if (!readTensorFile(path, expected, storedName, error))
      return fail("--compare " + binding + ": " + error);
    // A bare .pb names its result; a bare .npy must be the only result.
    if (name.empty())
      name = storedName;
    auto it = std::find(names.begin(), names.end(), name);
    if (name.empty() && names.size() == 1)
      it = names.begin();
    if (it == names.end())
      return fail("--compare " + binding + ": no result named '" + name + "'");
    const rt::Tensor &got = results[it - names.begin()];
    if (got.shape() != expected.shape()) {
      llvm::outs() << *it << ": MISMATCH shape " << rt::shapeString(got.shape())
                   << " vs reference " << rt::shapeString(expected.shape())
                   << "\n";
      status = kMismatch;
      continue;
    }
    double maxAbs = 0, maxRel = 0;
    int64_t bad = 0, firstBad = -1;
    for (int64_t i = 0, e = got.numElements(); i < e; ++i) {
      double a = rt::elementAsDouble(got, i),
             b = rt::elementAsDouble(expected, i);
      if (std::isnan(a) && std::isnan(b))
        continue;
      double diff = a == b ? 0.0 : std::fabs(a - b);
      if (std::isnan(diff))
        diff = INFINITY;
      maxAbs = std::max(maxAbs, diff);
      if (diff > 0)
        maxRel = std::max(maxRel, b != 0 ? diff / std::fabs(b) : INFINITY);
      if (!(diff <= atol + rtol * std::fabs(b))) {
        if (firstBad < 0)
          firstBad = i;
        ++bad;
      }
    }
    llvm::outs() << *it << ": max_abs_err " << llvm::format("%.3g", maxAbs)
                 << " max_rel_err " << llvm::format("%.3g", maxRel);
    if (bad) {
      llvm::outs() << " MISMATCH (" << bad << " of " << got.numElements()
                   << " elements; first at flat index " << firstBad << ": got "
                   << llvm::format("%.8g", rt::elementAsDouble(got, firstBad))
                   << " expected "
                   << llvm::format("%.8g",
                                   rt::elementAsDouble(expected, firstBad))
                   << ")\n";
      status = kMismatch;
    } else {
      llvm::outs() << " ok\n";
    }
  }
  return status;
}

void printProfile(const std::map<std::string, interp::OpProfile> &profile,
                  double totalSeconds) {
  std::vector<std::pair<std::string, interp::OpProfile>> rows(profile.begin(),
                                                              profile.end());
  std::sort(rows.begin(), rows.end(), [](const auto &a, const auto &b) {
    return a.second.seconds > b.second.seconds;
  });
  double opSeconds = 0;
  for (auto &row : rows)
    opSeconds += row.second.seconds;
  llvm::outs() << "time: " << llvm::format("%.3f", totalSeconds * 1e3)
               << " ms total\n";
  for (auto &[name, entry] : rows)
    llvm::outs() << llvm::format(
        "  %-24s %8lld calls %10.3f ms %5.1f%%\n", name.c_str(),
        (long long)entry.count, entry.seconds * 1e3,
        opSeconds > 0 ? 100 * entry.seconds / opSeconds : 0.0);
}

/// Slice `rank` of a tensor stacked per rank (a copy).
rt::Tensor rankSlice(const rt::Tensor &stacked, int rank) {
  rt::Shape shape(stacked.shape().begin() + 1, stacked.shape().end());
  size_t bytes = stacked.byteSize() / stacked.shape()[0];
  return rt::Tensor::view(stacked.dtype(), shape,
                          const_cast<uint8_t *>(stacked.bytes()) + rank * bytes)
      .clone();
}

/// Runs `fn` on every rank; rank 0's results come back in `results`.
int execute(func::FuncOp fn, const interp::ParamProvider &params,
            const std::vector<rt::Tensor> &args,
            std::vector<rt::Tensor> &results) {
  std::vector<std::vector<rt::Tensor>> perRank(ranks);
  std::vector<std::map<std::string, rt::Tensor>> paramsPerRank(ranks);
  std::map<std::string, interp::OpProfile> profile;
  std::string paramsError;
  auto start = std::chrono::steady_clock::now();
  rt::LocalWorld world(ranks);
  rt::Status status = world.run([&](int rank, rt::Communicator &comm) {
    interp::Interpreter interpreter(params);
    interpreter.setCommunicator(&comm);
    std::vector<rt::Tensor> rankArgs = args;
    if (perRankInputs)
      for (rt::Tensor &arg : rankArgs)
        arg = rankSlice(arg, rank);
    // The collective kernels talk through this rank thread's communicator.
    rt::setCurrentCommunicator(&comm);
    interpreter.enableProfiling(timeOps);
    // A pipelined module: each rank runs its stage's variant of `fn`.
    func::FuncOp rankFn = fn;
    if (auto module = fn->getParentOfType<ModuleOp>();
        PipelineLayout::of(module))
      rankFn = module.lookupSymbol<func::FuncOp>(
          entryForRank(module, functionName, rank));
    if (!rankFn)
      return rt::Status::error("no function @" +
                               entryForRank(fn->getParentOfType<ModuleOp>(),
                                            functionName, rank) +
                               " for rank " + std::to_string(rank));
    FailureOr<std::vector<rt::Tensor>> out = interpreter.run(rankFn, rankArgs);
    if (failed(out))
      return rt::Status::error("execution failed");
    perRank[rank] = std::move(*out);
    if (!paramsOut.empty())
      paramsPerRank[rank] = interpreter.currentParams();
    if (rank == 0)
      profile = interpreter.profile();
    return rt::Status::success();
  });
  // Tensor-parallel parameters are written whole, joined from their blocks.
  if (status.ok() && !paramsOut.empty()) {
    std::map<std::string, rt::Tensor> whole;
    auto module = fn->getParentOfType<ModuleOp>();
    if (rt::Status s = interp::joinParamShards(module, paramsPerRank, whole); !s)
      paramsError = s.message();
    else if (!rt::writeSafetensors(paramsOut, whole, paramsError))
      paramsError = paramsError.empty() ? "cannot write" : paramsError;
    else
      paramsError.clear();
    if (!paramsError.empty()) {
      llvm::errs() << "error: --params-out: " << paramsError << "\n";
      return kError;
    }
  }
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  if (!status.ok()) {
    // Execution failures were printed by the interpreter as diagnostics.
    if (!paramsError.empty())
      llvm::errs() << "error: --params-out: " << paramsError << "\n";
    return kError;
  }
  for (int rank = 1; rank < ranks; ++rank)
    for (size_t i = 0; i < perRank[0].size(); ++i) {
      const rt::Tensor &a = perRank[0][i], &b = perRank[rank][i];
      if (a.shape() != b.shape() || a.dtype() != b.dtype() ||
          std::memcmp(a.bytes(), b.bytes(), a.byteSize()) != 0) {
        llvm::errs() << "error: result '" << resultName(fn, i) << "' of rank "
                     << rank << " differs from rank 0\n";
        return kMismatch;
      }
    }
  results = std::move(perRank[0]);
  if (timeOps)
    printProfile(profile, seconds);
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  std::vector<std::string> storage(argv, argv + argc);
  for (std::string &arg : storage)
    for (const char *spelling : {"--threads", "-threads"})
      if (arg == spelling || arg.rfind(std::string(spelling) + "=", 0) == 0)
        arg = "--num-threads" + arg.substr(std::string(spelling).size());
  std::vector<const char *> rewritten;
  for (const std::string &arg : storage)
    rewritten.push_back(arg.c_str());
  cl::HideUnrelatedOptions(category);
  starch::tools::parseToolFlags(static_cast<int>(rewritten.size()),
                                rewritten.data(),
                                "starch-run: execute starch IR on the CPU\n");
  inputFile = positional[0];
  // Each rank is a thread of this process, each thread pool a set of threads.
  if (ranks < 1 || ranks > 256)
    return fail("--ranks must lie in [1, 256] (ranks are threads of this "
                "process)");
  if (threads < 0 || threads > 1024)
    return fail("--threads must lie in [0, 1024]");
  if (threads > 0)
    rt::setNumThreads(threads);

  DialectRegistry registry;
  registry.insert<StarchDialect, func::FuncDialect>();
  exec::registerExecutionModels(registry);
  MLIRContext context(registry);
  context.loadAllAvailableDialects();
  context.printOpOnDiagnostic(false); // one line per error
  // Ranks run the same IR, so they fail the same way: print each message
  // once.
  std::set<std::string> printed;
  std::mutex printedMutex;
  context.getDiagEngine().registerHandler([&](Diagnostic &diag) {
    std::lock_guard<std::mutex> lock(printedMutex);
    if (printed.insert(diag.str()).second)
      printDiagnostic(diag);
  });

  if (!llvm::sys::fs::exists(inputFile))
    return fail("cannot open '" + inputFile + "'");
  OwningOpRef<ModuleOp> module =
      parseSourceFile<ModuleOp>(inputFile, ParserConfig(&context));
  if (!module)
    return kError;
  auto fn = module->lookupSymbol<func::FuncOp>(functionName);
  // A pipelined module has one variant of each entry per stage, all with the
  // same signature; the ranks pick theirs (execute()).
  std::optional<PipelineLayout> pipeline = PipelineLayout::of(*module);
  if (!fn && pipeline)
    fn = module->lookupSymbol<func::FuncOp>(
        stageFunctionName(functionName, 0));
  if (!fn)
    return fail("'" + inputFile + "' has no function @" + functionName);
  if (pipeline && pipeline->worldSize() != ranks)
    return fail("'" + inputFile + "' is a pipelined program for " +
                std::to_string(pipeline->worldSize()) +
                " ranks (starch.pipeline); --ranks is " +
                std::to_string(ranks));

  std::vector<rt::Tensor> args;
  if (int status = loadInputs(fn, args))
    return status;
  interp::ParamProvider params;
  if (int status = makeParamProvider(*module, params))
    return status;

  std::vector<rt::Tensor> results;
  if (int status = execute(fn, params, args, results))
    return status;

  std::vector<std::string> names;
  for (unsigned i = 0; i < results.size(); ++i)
    names.push_back(resultName(fn, i));
  if (printResults)
    for (size_t i = 0; i < results.size(); ++i)
      printTensor(names[i], results[i]);
  if (!outputDir.empty())
    if (int status = writeOutputs(names, results))
      return status;
  return compareOutputs(names, results);
}
