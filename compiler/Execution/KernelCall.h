//===- KernelCall.h - One op's runtime call, for every consumer -*- C++ -*-===//
//
// An op executes as one call of a runtime kernel: `rt::rmsNorm(input,
// weight, 1e-05, out)`. A KernelCall holds that call once, as the kernel and
// its argument recipe (which operand, which result, which attribute in which
// conversion), and serves every consumer from it:
//
//   run()    calls the CPU kernel on the interpreter's tensors;
//   print()  writes the same call as C++ for the generated program, where the
//            tensors have names: `rmsNorm(v3, v4, 1.0000000000000001e-05, v5)`
//            (the CUDA program calls `cuda::rmsNorm` with the same text).
//
// Each argument kind in `arg::` defines, side by side, the value the
// interpreter passes (bind) and the C++ expression the emitter writes
// (print); the expression has that value's type and value, so the generated
// call is the interpreter's call. makeKernelCall checks at compile time that
// the recipe gives every kernel parameter an argument made for its type, and
// STARCH_KERNEL that the CUDA kernel of the same name (runtime/cuda/Kernels.h)
// has the CPU kernel's signature.
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_COMPILER_EXECUTION_KERNELCALL_H
#define STARCH_COMPILER_EXECUTION_KERNELCALL_H

#include "compiler/Execution/CppLiterals.h"
#include "runtime/Tensor.h"
#include "runtime/kernels/Status.h"

#include "mlir/IR/Operation.h"
#include "llvm/ADT/APFloat.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/raw_ostream.h"

#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace starch::exec {

/// The interpreter's tensors of one execution. Results the call does not
/// write (KernelCall::writtenResults) may be empty.
struct CallTensors {
  llvm::ArrayRef<rt::Tensor> operands;
  llvm::MutableArrayRef<rt::Tensor> results;
};

/// The C++ names of the same tensors in generated code.
struct CallNames {
  llvm::ArrayRef<std::string> operands;
  llvm::ArrayRef<std::string> results;
  /// When not empty, an expression for all operands as one
  /// `std::vector<Tensor>` (a variadic op of a thousand operands), which an
  /// operand list prints instead of listing them.
  llvm::StringRef operandList = {};
};

/// The argument kinds. `Param` is the kernel parameter type each is made
/// for; `bind` is what the interpreter passes, `print` what the emitter
/// writes; `markWritten` notes the results the argument lets the kernel
/// write.
namespace arg {

struct Operand {
  using Param = const rt::Tensor &;
  unsigned index;
  const rt::Tensor &bind(const CallTensors &t) const {
    return t.operands[index];
  }
  void print(llvm::raw_ostream &os, const CallNames &n) const {
    os << n.operands[index];
  }
  void markWritten(llvm::MutableArrayRef<bool>) const {}
};

/// An operand the kernel takes by pointer, null when the op has none there.
struct OptionalOperand {
  using Param = const rt::Tensor *;
  std::optional<unsigned> index;
  const rt::Tensor *bind(const CallTensors &t) const {
    return index ? &t.operands[*index] : nullptr;
  }
  void print(llvm::raw_ostream &os, const CallNames &n) const {
    if (index)
      os << "&" << n.operands[*index];
    else
      os << "nullptr";
  }
  void markWritten(llvm::MutableArrayRef<bool>) const {}
};

/// Every operand, in order (variadic ops).
struct OperandList {
  using Param = const std::vector<rt::Tensor> &;
  std::vector<rt::Tensor> bind(const CallTensors &t) const {
    return std::vector<rt::Tensor>(t.operands.begin(), t.operands.end());
  }
  void print(llvm::raw_ostream &os, const CallNames &n) const {
    if (!n.operandList.empty()) {
      os << n.operandList;
      return;
    }
    os << "{";
    llvm::interleave(n.operands, os, ", ");
    os << "}";
  }
  void markWritten(llvm::MutableArrayRef<bool>) const {}
};

struct Result {
  using Param = rt::Tensor &;
  unsigned index;
  rt::Tensor &bind(const CallTensors &t) const { return t.results[index]; }
  void print(llvm::raw_ostream &os, const CallNames &n) const {
    os << n.results[index];
  }
  void markWritten(llvm::MutableArrayRef<bool> written) const {
    written[index] = true;
  }
};

/// A result the kernel takes by pointer and skips when it is null: the
/// fused backward ops' results without uses.
struct OptionalResult {
  using Param = rt::Tensor *;
  std::optional<unsigned> index;
  rt::Tensor *bind(const CallTensors &t) const {
    return index ? &t.results[*index] : nullptr;
  }
  void print(llvm::raw_ostream &os, const CallNames &n) const {
    if (index)
      os << "&" << n.results[*index];
    else
      os << "nullptr";
  }
  void markWritten(llvm::MutableArrayRef<bool> written) const {
    if (index)
      written[*index] = true;
  }
};

struct Int {
  using Param = int64_t;
  int64_t value;
  int64_t bind(const CallTensors &) const { return value; }
  void print(llvm::raw_ostream &os, const CallNames &) const { os << value; }
  void markWritten(llvm::MutableArrayRef<bool>) const {}
};

struct Real {
  using Param = double;
  double value;
  double bind(const CallTensors &) const { return value; }
  void print(llvm::raw_ostream &os, const CallNames &) const {
    os << doubleLiteral(value);
  }
  void markWritten(llvm::MutableArrayRef<bool>) const {}
};

/// A bool, written with its parameter's name: `/*exclusive=*/true`.
struct Flag {
  using Param = bool;
  const char *name;
  bool value;
  bool bind(const CallTensors &) const { return value; }
  void print(llvm::raw_ostream &os, const CallNames &) const {
    os << "/*" << name << "=*/" << (value ? "true" : "false");
  }
  void markWritten(llvm::MutableArrayRef<bool>) const {}
};

struct IntList {
  using Param = const std::vector<int64_t> &;
  std::vector<int64_t> values;
  const std::vector<int64_t> &bind(const CallTensors &) const { return values; }
  void print(llvm::raw_ostream &os, const CallNames &) const {
    os << listLiteral(values);
  }
  void markWritten(llvm::MutableArrayRef<bool>) const {}
};

struct RealList {
  using Param = const std::vector<double> &;
  std::vector<double> values;
  const std::vector<double> &bind(const CallTensors &) const { return values; }
  void print(llvm::raw_ostream &os, const CallNames &) const {
    os << listLiteral(values);
  }
  void markWritten(llvm::MutableArrayRef<bool>) const {}
};

/// A runtime enumerator and its spelling, made from one token by
/// STARCH_ENUM so the two cannot disagree.
template <typename E> struct Enumerator {
  using Param = E;
  E value;
  const char *text; // "UnaryKind::exp"
  E bind(const CallTensors &) const { return value; }
  void print(llvm::raw_ostream &os, const CallNames &) const { os << text; }
  void markWritten(llvm::MutableArrayRef<bool>) const {}
};

/// How generated code spells the scalar types that ScalarOf reads.
template <typename T> struct CppTypeName;
template <> struct CppTypeName<double> {
  static constexpr const char *value = "double";
};
template <> struct CppTypeName<int64_t> {
  static constexpr const char *value = "int64_t";
};

/// The value of a 0-d operand computed at run time (the optimizer's
/// learning rate and step), read on the host: `scalarOf<double>(v7)`, which
/// on the CUDA target copies it from the device.
template <typename T> struct ScalarOf {
  using Param = T;
  unsigned index;
  T bind(const CallTensors &t) const {
    return t.operands[index].template data<T>()[0];
  }
  void print(llvm::raw_ostream &os, const CallNames &n) const {
    os << "scalarOf<" << CppTypeName<T>::value << ">(" << n.operands[index]
       << ")";
  }
  void markWritten(llvm::MutableArrayRef<bool>) const {}
};

/// A runtime struct filled by aggregate initialisation, `ConvParams{{1, 1},
/// ...}`, its fields in declaration order: the interpreter brace-initialises
/// it from the same fields.
template <typename T, typename... Fields> struct Aggregate {
  using Param = const T &;
  const char *typeName;
  std::tuple<Fields...> fields;
  T bind(const CallTensors &t) const {
    return std::apply([&](const Fields &...f) { return T{f.bind(t)...}; },
                      fields);
  }
  void print(llvm::raw_ostream &os, const CallNames &n) const {
    os << typeName << "{";
    bool first = true;
    std::apply(
        [&](const Fields &...f) {
          ((os << (first ? "" : ", "), f.print(os, n), first = false), ...);
        },
        fields);
    os << "}";
  }
  void markWritten(llvm::MutableArrayRef<bool>) const {}
};

} // namespace arg

// The recipe's vocabulary, short so that a table entry reads like the call.
inline arg::Operand in(unsigned index) { return {index}; }
/// Operand `index` by pointer when `present`, else null.
inline arg::OptionalOperand inIf(bool present, unsigned index) {
  return {present ? std::optional<unsigned>(index) : std::nullopt};
}
inline arg::OperandList ins() { return {}; }
inline arg::Result out(unsigned index = 0) { return {index}; }
/// Result `index` by pointer when it has uses, else null (not computed).
inline arg::OptionalResult outIfUsed(mlir::Operation *op, unsigned index) {
  return {op->getResult(index).use_empty() ? std::nullopt
                                           : std::optional<unsigned>(index)};
}
inline arg::OptionalResult noOut() { return {std::nullopt}; }
inline arg::Int i64(int64_t value) { return {value}; }
inline arg::Real f64(double value) { return {value}; }
inline arg::Real f64(const llvm::APFloat &value) {
  return {value.convertToDouble()};
}
inline arg::Flag flag(const char *name, bool value) { return {name, value}; }
inline arg::IntList i64s(llvm::ArrayRef<int64_t> values) {
  return {std::vector<int64_t>(values.begin(), values.end())};
}
inline arg::RealList f64s(llvm::ArrayRef<double> values) {
  return {std::vector<double>(values.begin(), values.end())};
}
template <typename T> arg::ScalarOf<T> scalarOf(unsigned index) {
  return {index};
}
template <typename T, typename... Fields>
arg::Aggregate<T, Fields...> aggregate(const char *typeName, Fields... fields) {
  return {typeName, std::tuple<Fields...>(std::move(fields)...)};
}

namespace detail {

class CallConcept {
public:
  virtual ~CallConcept() = default;
  virtual rt::Status run(const CallTensors &tensors) const = 0;
  virtual void printArguments(llvm::raw_ostream &os,
                              const CallNames &names) const = 0;
  virtual void markWritten(llvm::MutableArrayRef<bool> written) const = 0;
  virtual unsigned arity() const = 0;
};

template <typename Kernel, typename... Args>
class CallModel final : public CallConcept {
public:
  CallModel(Kernel kernel, Args... args)
      : kernel(kernel), args(std::move(args)...) {}

  rt::Status run(const CallTensors &tensors) const override {
    return std::apply(
        [&](const Args &...a) { return kernel(a.bind(tensors)...); }, args);
  }
  void printArguments(llvm::raw_ostream &os,
                      const CallNames &names) const override {
    bool first = true;
    std::apply(
        [&](const Args &...a) {
          ((os << (first ? "" : ", "), a.print(os, names), first = false), ...);
        },
        args);
  }
  void markWritten(llvm::MutableArrayRef<bool> written) const override {
    std::apply([&](const Args &...a) { (a.markWritten(written), ...); }, args);
  }
  unsigned arity() const override { return sizeof...(Args); }

private:
  Kernel kernel;
  std::tuple<Args...> args;
};

} // namespace detail

/// A runtime kernel with its arguments; cheap to copy.
class KernelCall {
public:
  KernelCall(llvm::StringRef entry,
             std::shared_ptr<const detail::CallConcept> call)
      : entry_(entry.str()), call_(std::move(call)) {}

  /// The kernel's name in namespace starch::rt (and starch::rt::cuda).
  llvm::StringRef entry() const { return entry_; }
  /// The number of arguments, one per kernel parameter.
  unsigned arity() const { return call_->arity(); }

  /// Runs the CPU kernel; `tensors.results` holds a tensor of the result's
  /// type wherever writtenResults() is true.
  rt::Status run(const CallTensors &tensors) const {
    return call_->run(tensors);
  }

  /// Writes `<prefix><entry>(<arguments>)`, a C++ expression of type Status.
  void print(llvm::raw_ostream &os, const CallNames &names,
             llvm::StringRef prefix = "") const {
    os << prefix << entry_ << "(";
    call_->printArguments(os, names);
    os << ")";
  }
  std::string str(const CallNames &names, llvm::StringRef prefix = "") const {
    std::string text;
    llvm::raw_string_ostream os(text);
    print(os, names, prefix);
    return text;
  }

  /// For each of the op's `numResults` results, whether the kernel writes
  /// it; the others are passed as null and need no memory.
  llvm::SmallVector<bool> writtenResults(unsigned numResults) const {
    llvm::SmallVector<bool> written(numResults, false);
    call_->markWritten(written);
    return written;
  }

  /// The same call, stating that the kernel may write result `result` over
  /// operand `operand` (element i of the result computed from element i of
  /// the operand and nothing else): an update in place needs no copy.
  KernelCall updatesInPlace(unsigned result, unsigned operand) const {
    KernelCall call = *this;
    call.inPlace_.push_back({result, operand});
    return call;
  }
  /// The operand result `result` may be written over, if any.
  std::optional<unsigned> inPlaceOperand(unsigned result) const {
    for (auto [r, operand] : inPlace_)
      if (r == result)
        return operand;
    return std::nullopt;
  }

private:
  std::string entry_;
  std::shared_ptr<const detail::CallConcept> call_;
  llvm::SmallVector<std::pair<unsigned, unsigned>, 0> inPlace_;
};

/// The call of `kernel` (named `entry`) with `args`, one per parameter, each
/// made for that parameter's type. `TwinKernel` is the type of the other
/// target's kernel of the same name, which must match.
template <typename TwinKernel, typename... Params, typename... Args>
KernelCall makeKernelCall(llvm::StringRef entry,
                          rt::Status (*kernel)(Params...), Args... args) {
  static_assert(sizeof...(Params) == sizeof...(Args),
                "the recipe must give one argument per kernel parameter");
  static_assert((std::is_same_v<Params, typename Args::Param> && ...),
                "each recipe argument must be the kind made for its kernel "
                "parameter's type (arg::*::Param)");
  static_assert(std::is_same_v<TwinKernel, rt::Status (*)(Params...)>,
                "the CUDA kernel must have the CPU kernel's signature");
  return KernelCall(
      entry, std::make_shared<
                 const detail::CallModel<rt::Status (*)(Params...), Args...>>(
                 kernel, args...));
}

} // namespace starch::exec

/// The call of runtime kernel `name`: `rt::name` for the interpreter and the
/// C++ program, `rt::cuda::name` (checked to have the same signature) for
/// the CUDA program.
#define STARCH_KERNEL(name, ...)                                               \
  ::starch::exec::makeKernelCall<decltype(&::starch::rt::cuda::name)>(         \
      #name, &::starch::rt::name, __VA_ARGS__)

/// The runtime enumerator `rt::Type::name`, spelt `Type::name`.
#define STARCH_ENUM(Type, name)                                                \
  ::starch::exec::arg::Enumerator<::starch::rt::Type> {                        \
    ::starch::rt::Type::name, #Type "::" #name                                 \
  }

/// The runtime struct `rt::Type` aggregate-initialised from `fields`.
#define STARCH_AGGREGATE(Type, ...)                                            \
  ::starch::exec::aggregate<::starch::rt::Type>(#Type, __VA_ARGS__)

#endif // STARCH_COMPILER_EXECUTION_KERNELCALL_H
