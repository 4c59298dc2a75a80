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

def Starch_ResizeMode : I32EnumAttr<"ResizeMode",
    "how starch.resize interpolates", [
      I32EnumAttrCase<"nearest", 0>, I32EnumAttrCase<"linear", 1>,
      I32EnumAttrCase<"cubic", 2>]> {
  let cppNamespace = "::starch";
}

def Starch_ResizeCoordinates : I32EnumAttr<"ResizeCoordinates",
    "where an output index of starch.resize samples its input", [
      I32EnumAttrCase<"half_pixel", 0>, I32EnumAttrCase<"pytorch_half_pixel", 1>,
      I32EnumAttrCase<"align_corners", 2>, I32EnumAttrCase<"asymmetric", 3>,
      I32EnumAttrCase<"tf_half_pixel_for_nn", 4>]> {
  let cppNamespace = "::starch";
}

def Starch_ResizeNearest : I32EnumAttr<"ResizeNearest",
    "how starch.resize rounds a source coordinate in nearest mode", [
      I32EnumAttrCase<"round_prefer_floor", 0>,
      I32EnumAttrCase<"round_prefer_ceil", 1>,
      I32EnumAttrCase<"floor", 2>, I32EnumAttrCase<"ceil", 3>]> {
  let cppNamespace = "::starch";
}

def Starch_TokenStrategy : I32EnumAttr<"TokenStrategy",
    "how context parallelism deals a sequence's query blocks to ranks", [
      I32EnumAttrCase<"makespan", 0>, I32EnumAttrCase<"uniform", 1>,
      I32EnumAttrCase<"zigzag", 2>]> {
  let cppNamespace = "::starch";
}

#endif // STARCH_ATTRS
