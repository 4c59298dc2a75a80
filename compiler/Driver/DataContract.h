//===- DataContract.h - The data a model.json's program takes ---*- C++ -*-===//
//
// starch-data packs a manifest for the program starchc builds from the same
// model.json. Rather than restating how shapes follow from model.json, it
// runs the compiler's own import and composition (starch-raise,
// starch-compose) and reads the result: the token input's shape, the
// vocabulary from the logits, and `starch.modalities`, the attribute the
// generated ProgramSpec is emitted from.
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_COMPILER_DRIVER_DATACONTRACT_H
#define STARCH_COMPILER_DRIVER_DATACONTRACT_H

#include "compiler/Config/ModelConfig.h"
#include "runtime/data/DataContract.h"

#include "mlir/IR/MLIRContext.h"

#include <string>

namespace starch::driver {

/// The contract of `model`'s training program; false with `error` set when
/// the model does not compile that far.
bool deriveDataContract(mlir::MLIRContext &context,
                        const config::ModelConfig &model,
                        rt::DataContract &contract, std::string &error);

} // namespace starch::driver

#endif // STARCH_COMPILER_DRIVER_DATACONTRACT_H
