//===- ExecutionInterface.td - How a starch op executes ----*- tablegen -*-===//
//
// The one declaration of an op's execution: the runtime kernel it calls and
// its argument recipe. The dialect does not know about it; compiler/ attaches
// it to the ops as external models (KernelTable.cpp), as MLIR's
// bufferization and IREE's external interfaces do. The interpreter, the C++
// emitter and the CUDA emitter all read it.
//
//===----------------------------------------------------------------------===//

#ifndef STARCH_EXECUTION_INTERFACE
#define STARCH_EXECUTION_INTERFACE

include "mlir/IR/OpBase.td"

def Starch_ExecutableOpInterface : OpInterface<"ExecutableOpInterface"> {
  let cppNamespace = "::starch::exec";
  let description = [{
    An op that executes as one call of a runtime kernel. Every starch op
    implements it except the ones both consumers handle themselves:
    `param` (a declaration), `read_param` and `write_param` (the parameter
    store), `constant` (data) and `reshape` (a view). The call is built from
    the op's operands, results and attributes (KernelCall.h); the
    interpreter runs it on its tensors and the emitters print it, so the two
    cannot diverge.
  }];
  let methods = [
    InterfaceMethod<[{
        The kernel call that computes every result of this op.
      }],
      "::starch::exec::KernelCall", "getKernelCall">
  ];
}

#endif // STARCH_EXECUTION_INTERFACE
