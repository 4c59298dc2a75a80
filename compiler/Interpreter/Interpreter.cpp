//===- Interpreter.cpp - Runs functions of starch IR ----------------------===//
#include "compiler/Interpreter/Interpreter.h"

#include "runtime/comm/RankGroups.h"
#include "starch/Dialect/StarchPipeline.h"

#include "runtime/comm/Communicator.h"
#include "starch/Dialect/StarchOps.h"

#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/DenseMap.h"

#include <chrono>

using namespace mlir;

namespace starch::interp {

ParamProvider paramsFromMap(std::map<std::string, rt::Tensor> params) {
  auto shared =
      std::make_shared<std::map<std::string, rt::Tensor>>(std::move(params));
  return
      [shared](const std::string &name, rt::Tensor &out, std::string &error) {
        auto it = shared->find(name);
        if (it == shared->end()) {
          error = "no parameter named '" + name + "'";
          return false;
        }
        out = it->second;
        return true;
      };
}

Interpreter::Interpreter(ParamProvider params) : params_(std::move(params)) {}
Interpreter::Interpreter(std::map<std::string, rt::Tensor> params)
    : params_(paramsFromMap(std::move(params))) {}

static std::string typeString(const rt::Tensor &t) {
  return rt::shapeString(t.shape()) + "x" + rt::dtypeName(t.dtype());
}

static std::string typeString(Type type) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << type;
  return text;
}

/// True when `t` has exactly the shape and element type of `type`.
static bool matchesType(const rt::Tensor &t, Type type) {
  auto ranked = dyn_cast<RankedTensorType>(type);
  if (!ranked)
    return false;
  std::optional<rt::DType> dtype = dtypeOf(ranked.getElementType());
  return dtype && *dtype == t.dtype() &&
         llvm::ArrayRef<int64_t>(t.shape()) == ranked.getShape();
}

std::string paramKey(ParamOp param) {
  std::string name =
      param.getSource() ? param.getSource()->str() : param.getSymName().str();
  if (auto module = param->getAttrOfType<StringAttr>(kModuleAttrName))
    return module.str() + "::" + name;
  return name;
}

LogicalResult Interpreter::readParam(Operation *op, rt::Tensor &out) {
  auto read = cast<ReadParamOp>(op);
  auto param =
      SymbolTable::lookupNearestSymbolFrom<ParamOp>(op, read.getNameAttr());
  if (!param)
    return op->emitOpError() << "reads unknown parameter @" << read.getName();
  std::string name = paramKey(param);
  auto cached = paramCache_.find(name);
  if (cached != paramCache_.end()) {
    out = cached->second;
    return success();
  }
  std::string error;
  if (param.getState()) { // optimizer state starts as zeros
    auto type = cast<RankedTensorType>(param.getType());
    out = rt::Tensor(*dtypeOf(type.getElementType()),
                     rt::Shape(type.getShape().begin(), type.getShape().end()));
    paramCache_[name] = out;
    return success();
  }
  if (!params_ || !params_(name, out, error))
    return op->emitOpError() << "cannot read parameter '" << name
                             << "': " << (error.empty() ? "no data" : error);
  rt::ParamShard shard = paramShard(param);
  if (shard.sharded()) {
    rt::Tensor block;
    int rank = communicator_ ? communicator_->rank() : 0;
    if (rt::Status s = rt::takeShard(out, shard, rank, block); !s)
      return op->emitOpError() << "cannot take this rank's block of parameter '"
                               << name << "': " << s.message();
    out = block;
  }
  Type type = read.getResult().getType();
  if (!matchesType(out, type))
    return op->emitOpError()
           << "parameter '" << name << "' has data of type " << typeString(out)
           << " but is declared " << typeString(type);
  paramCache_[name] = out;
  return success();
}

rt::ParamShard paramShard(ParamOp param) {
  rt::ParamShard shard;
  if (!param.isSharded())
    return shard;
  shard.dim = *param.getShardDim();
  for (Attribute group : param.getShardGroupsAttr()) {
    ArrayRef<int64_t> ranks = cast<DenseI64ArrayAttr>(group).asArrayRef();
    shard.groups.insert(shard.groups.end(), ranks.begin(), ranks.end());
    shard.groupSize = static_cast<int64_t>(ranks.size());
  }
  return shard;
}

rt::Status joinParamShards(
    ModuleOp module,
    llvm::ArrayRef<std::map<std::string, rt::Tensor>> perRank,
    std::map<std::string, rt::Tensor> &params) {
  if (perRank.empty())
    return rt::Status::success();
  params = perRank[0];
  std::optional<PipelineLayout> pipeline = PipelineLayout::of(module);
  for (auto param : module.getOps<ParamOp>()) {
    // The first rank holding the parameter: replica 0's, of its stage.
    int64_t owner = pipeline && param.getStage()
                        ? pipeline->rankOf(0, *param.getStage(), 0)
                        : 0;
    std::string name = paramKey(param);
    if (owner >= static_cast<int64_t>(perRank.size()))
      return rt::Status::error("parameter '" + name + "' is held by rank " +
                               std::to_string(owner) +
                               ", which this run lacks");
    auto own = perRank[owner].find(name);
    if (own == perRank[owner].end())
      continue;
    params[name] = own->second;
    rt::ParamShard shard = paramShard(param);
    if (!shard.sharded())
      continue;
    // The owner's group, in group order.
    rt::RankGroup group;
    int position = 0;
    if (!rt::findRankGroup(shard.groups, shard.groupSize,
                           static_cast<int>(owner), group, position))
      return rt::Status::error("rank " + std::to_string(owner) +
                               " is in no shard group of parameter '" + name +
                               "'");
    std::vector<rt::Tensor> blocks;
    for (int rank : group) {
      if (rank >= static_cast<int64_t>(perRank.size()) ||
          !perRank[rank].count(name))
        return rt::Status::error("no block of parameter '" + name +
                                 "' from rank " + std::to_string(rank));
      blocks.push_back(perRank[rank].at(name));
    }
    if (rt::Status s = rt::joinBlocks(blocks, shard.dim, params[name]); !s)
      return s;
  }
  return rt::Status::success();
}

LogicalResult Interpreter::writeParam(WriteParamOp write,
                                      const rt::Tensor &value) {
  auto param = SymbolTable::lookupNearestSymbolFrom<ParamOp>(
      write, write.getNameAttr());
  if (!param)
    return write.emitOpError()
           << "writes unknown parameter @" << write.getName();
  std::string name = paramKey(param);
  // A copy: the written value may alias a tensor the caller still holds.
  paramCache_[name] = value.clone();
  return success();
}

std::map<std::string, rt::Tensor> Interpreter::currentParams() const {
  return paramCache_;
}

FailureOr<std::vector<rt::Tensor>>
Interpreter::run(func::FuncOp fn, llvm::ArrayRef<rt::Tensor> args) {
  if (fn.isExternal())
    return fn.emitError() << "cannot run external function @"
                          << fn.getSymName();
  if (!fn.getBody().hasOneBlock())
    return fn.emitError() << "@" << fn.getSymName()
                          << " has several blocks; only one is supported";
  Block &body = fn.getBody().front();
  if (args.size() != body.getNumArguments())
    return fn.emitError() << "@" << fn.getSymName() << " takes "
                          << body.getNumArguments() << " arguments but got "
                          << args.size();

  llvm::DenseMap<Value, rt::Tensor> values;
  for (auto [arg, tensor] : llvm::zip(body.getArguments(), args)) {
    if (!matchesType(tensor, arg.getType()))
      return fn.emitError()
             << "argument #" << arg.getArgNumber() << " of @" << fn.getSymName()
             << " is " << typeString(arg.getType()) << " but got "
             << typeString(tensor);
    values[arg] = tensor;
  }

  // Drop each value after its last use, so peak memory follows liveness.
  llvm::DenseMap<Operation *, llvm::SmallVector<Value, 2>> dyingAfter;
  {
    llvm::DenseMap<Value, Operation *> lastUser;
    for (Operation &op : body)
      for (Value operand : op.getOperands())
        lastUser[operand] = &op;
    for (auto &[value, user] : lastUser)
      dyingAfter[user].push_back(value);
  }

  llvm::SmallVector<rt::Tensor, 4> operands, results;
  for (Operation &op : body) {
    operands.clear();
    results.clear();
    for (Value operand : op.getOperands()) {
      auto it = values.find(operand);
      if (it == values.end())
        return op.emitOpError() << "uses a value defined outside the function";
      operands.push_back(it->second);
    }
    if (isa<func::ReturnOp>(op))
      return std::vector<rt::Tensor>(operands.begin(), operands.end());

    auto start = std::chrono::steady_clock::now();
    if (auto call = dyn_cast<func::CallOp>(op)) {
      auto callee = SymbolTable::lookupNearestSymbolFrom<func::FuncOp>(
          &op, call.getCalleeAttr());
      if (!callee)
        return op.emitOpError()
               << "calls unknown function @" << call.getCallee();
      FailureOr<std::vector<rt::Tensor>> out = run(callee, operands);
      if (failed(out))
        return failure();
      results.append(out->begin(), out->end());
    } else if (auto write = dyn_cast<WriteParamOp>(op)) {
      if (failed(writeParam(write, operands[0])))
        return failure();
    } else if (isa<ReadParamOp>(op)) {
      rt::Tensor param;
      if (failed(readParam(&op, param)))
        return failure();
      results.push_back(param);
    } else if (failed(evaluateOp(&op, operands, results))) {
      return failure();
    }
    if (profiling_ && !isa<func::CallOp>(op)) {
      OpProfile &entry = profile_[op.getName().getStringRef().str()];
      entry.seconds += std::chrono::duration<double>(
                           std::chrono::steady_clock::now() - start)
                           .count();
      ++entry.count;
    }

    if (results.size() != op.getNumResults())
      return op.emitOpError() << "produced " << results.size()
                              << " results, expected " << op.getNumResults();
    for (auto [value, tensor] : llvm::zip(op.getResults(), results))
      if (!value.use_empty())
        values[value] = tensor;
    auto dying = dyingAfter.find(&op);
    if (dying != dyingAfter.end())
      for (Value value : dying->second)
        values.erase(value);
  }
  return fn.emitError() << "@" << fn.getSymName() << " has no func.return";
}

} // namespace starch::interp
