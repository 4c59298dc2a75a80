//===- StarchDialect.td - The starch dialect --------------*- tablegen -*-===//
//
// The `starch` dialect holds statically shaped tensor programs: the forward
// graphs imported from ONNX, the fused ops recognised in them, and (later) the
// training step built around them.
//
//===----------------------------------------------------------------------===//

#ifndef STARCH_DIALECT
#define STARCH_DIALECT

include "mlir/IR/OpBase.td"
include "starch/Dialect/StarchInterfaces.td"

def Starch_Dialect : Dialect {
  let name = "starch";
  let summary = "Static-shaped tensor ops for training multimodal LLMs";
  let description = [{
    Every value is a ranked tensor with a fully static shape. Broadcasting is
    explicit (`starch.broadcast`); elementwise ops require identical operand
    shapes. Parameters are module-level symbols (`starch.param`) whose data
    lives out of line in the ONNX initializers or a safetensors file; a
    function reads one with `starch.read_param`.

    Ops that belong to a transformer layer carry the discardable attribute
    `starch.layer = "<path>.layers.N"`, derived from the parameter paths.
  }];
  let cppNamespace = "::starch";
  let dependentDialects = ["::mlir::func::FuncDialect"];
  let hasConstantMaterializer = 1;
}

// Every op states its cost (StarchCost.cpp, or the op class's
// extraClassDefinition for the elementwise families).
class Starch_Op<string mnemonic, list<Trait> traits = []>
    : Op<Starch_Dialect, mnemonic,
         !listconcat(traits,
                     [DeclareOpInterfaceMethods<Starch_CostOpInterface>])>;

#endif // STARCH_DIALECT
