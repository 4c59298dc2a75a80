//===- Interpreter.h - Reference interpreter of the starch dialect -*- C++
//-*-===//
//
// Executes `starch` IR on host tensors. Used by starch-run (to check every pass
// by execution) and by the importer (constant folding through evaluateOp).
// Built without exceptions; the runtime kernels it calls never throw.
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_COMPILER_INTERPRETER_INTERPRETER_H
#define STARCH_COMPILER_INTERPRETER_INTERPRETER_H

#include "compiler/Execution/ElementTypes.h"
#include "runtime/Tensor.h"
#include "runtime/comm/ParamShards.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Operation.h"
#include "mlir/Support/LogicalResult.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace starch::rt {
class Communicator;
} // namespace starch::rt

namespace starch {
class ParamOp;
class WriteParamOp;
} // namespace starch

namespace starch::interp {

/// The runtime element type of an MLIR element type (compiler/Execution).
using exec::dtypeOf;

/// The MLIR element type of a runtime element type.
mlir::Type mlirTypeOf(rt::DType dtype, mlir::MLIRContext *context);

/// The data of a dense (or splat) elements attribute. Unsupported element types
/// give an empty tensor (`Tensor::empty()`).
rt::Tensor tensorFromAttr(mlir::ElementsAttr attr);

/// A dense attribute of `type` holding `t`'s data; null when the shapes or
/// element types disagree.
mlir::DenseElementsAttr attrFromTensor(const rt::Tensor &t,
                                       mlir::RankedTensorType type);

/// Evaluates one starch op (anything except `starch.read_param`, which needs
/// parameters) on `operands`, appending one tensor per result. Emits a
/// diagnostic on `op` and fails on unsupported ops or element types.
mlir::LogicalResult evaluateOp(mlir::Operation *op,
                               llvm::ArrayRef<rt::Tensor> operands,
                               llvm::SmallVectorImpl<rt::Tensor> &results);

/// Supplies parameter data by its source name (the `source` attribute of a
/// `starch.param`, else its symbol name). Returns false and sets `error` when
/// the parameter cannot be provided.
using ParamProvider = std::function<bool(const std::string &name,
                                         rt::Tensor &out, std::string &error)>;

/// The name a parameter's data is provided and reported under: its source
/// (else its symbol), as `<module>::<source>` when it belongs to a module of
/// a multimodal program (`starch.module`), whose weights file is per module.
std::string paramKey(ParamOp param);

/// How a tensor-parallel parameter is cut (shard_dim/shard_groups); not
/// sharded when it has neither.
rt::ParamShard paramShard(ParamOp param);

/// The parameters of a run on several ranks (`perRank[r]`: rank r's
/// currentParams()) as whole tensors: rank 0's values, with every sharded
/// parameter joined from the blocks of rank 0's group.
rt::Status joinParamShards(
    mlir::ModuleOp module,
    llvm::ArrayRef<std::map<std::string, rt::Tensor>> perRank,
    std::map<std::string, rt::Tensor> &params);

/// A ParamProvider over an in-memory map.
ParamProvider paramsFromMap(std::map<std::string, rt::Tensor> params);

/// Time spent per op kind (`starch.matmul`, ...), filled when profiling is on.
struct OpProfile {
  double seconds = 0;
  int64_t count = 0;
};

class Interpreter {
public:
  explicit Interpreter(ParamProvider params);
  explicit Interpreter(std::map<std::string, rt::Tensor> params);

  /// Runs `fn` on `args` (one per function argument, types must match) and
  /// returns its results. Handles func.return, func.call, starch.read_param
  /// and every other starch op. Failures are emitted as diagnostics.
  mlir::FailureOr<std::vector<rt::Tensor>> run(mlir::func::FuncOp fn,
                                               llvm::ArrayRef<rt::Tensor> args);

  /// Records the time of each op kind into profile().
  void enableProfiling(bool enable = true) { profiling_ = enable; }
  const std::map<std::string, OpProfile> &profile() const { return profile_; }

  /// The rank's view of the world, for collective and send/recv ops (none:
  /// a single rank).
  void setCommunicator(rt::Communicator *communicator) {
    communicator_ = communicator;
  }
  rt::Communicator *communicator() const { return communicator_; }

  /// Every parameter read or written so far, by source name, with its
  /// current value (after the `starch.write_param`s executed).
  std::map<std::string, rt::Tensor> currentParams() const;

private:
  mlir::LogicalResult readParam(mlir::Operation *op, rt::Tensor &out);
  mlir::LogicalResult writeParam(WriteParamOp write, const rt::Tensor &value);

  ParamProvider params_;
  std::map<std::string, rt::Tensor> paramCache_;
  bool profiling_ = false;
  std::map<std::string, OpProfile> profile_;
  rt::Communicator *communicator_ = nullptr;
};

} // namespace starch::interp

#endif // STARCH_COMPILER_INTERPRETER_INTERPRETER_H
