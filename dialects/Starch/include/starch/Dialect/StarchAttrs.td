//===- StarchAttrs.td - Enums of the starch dialect -------*- tablegen -*-===//

#ifndef STARCH_ATTRS
#define STARCH_ATTRS

include "mlir/IR/EnumAttr.td"

def Starch_CompareDirection : I32EnumAttr<"CompareDirection",
    "comparison of two tensors, elementwise", [
      I32EnumAttrCase<"eq", 0>, I32EnumAttrCase<"ne", 1>,
      I32EnumAttrCase<"lt", 2>, I32EnumAttrCase<"le", 3>,
      I32EnumAttrCase<"gt", 4>, I32EnumAttrCase<"ge", 5>]> {
  let cppNamespace = "::starch";
}

def Starch_ReduceKind : I32EnumAttr<"ReduceKind", "reduction combiner", [
      I32EnumAttrCase<"sum", 0>, I32EnumAttrCase<"mean", 1>,
      I32EnumAttrCase<"max", 2>, I32EnumAttrCase<"min", 3>,
      I32EnumAttrCase<"prod", 4>]> {
  let cppNamespace = "::starch";
}

def Starch_CollectiveKind : I32EnumAttr<"CollectiveKind",
    "how a collective combines the ranks' tensors", [
      I32EnumAttrCase<"sum", 0>, I32EnumAttrCase<"max", 1>,
      I32EnumAttrCase<"min", 2>]> {
  let cppNamespace = "::starch";
}

def Starch_GeluApproximation : I32EnumAttr<"GeluApproximation",
    "how gelu evaluates the Gaussian CDF", [
      I32EnumAttrCase<"none", 0>, I32EnumAttrCase<"tanh", 1>,
      I32EnumAttrCase<"sigmoid", 2>]> {
  let cppNamespace = "::starch";
}

def Starch_AttentionMask : I32EnumAttr<"AttentionMaskKind",
    "which keys a query may see", [
      I32EnumAttrCase<"full", 0>, I32EnumAttrCase<"causal", 1>,
      I32EnumAttrCase<"additive", 2>, I32EnumAttrCase<"bitfield", 3>]> {
  let cppNamespace = "::starch";
}

def Starch_TokenStrategy : I32EnumAttr<"TokenStrategy",
    "how context parallelism deals a sequence's query blocks to ranks", [
      I32EnumAttrCase<"makespan", 0>, I32EnumAttrCase<"uniform", 1>,
      I32EnumAttrCase<"zigzag", 2>]> {
  let cppNamespace = "::starch";
}

#endif // STARCH_ATTRS
