//===- StarchResizeOps.td - Interpolation of images and tables -*- tablegen -*-===//
//
// ONNX Resize and its gradient. Included by StarchOps.td (one op list).
// Vision encoders run at a resolution other than their configured one
// interpolate their position-embedding table with it, so it trains.
//
//===----------------------------------------------------------------------===//

def Starch_ResizeOp : Starch_Op<"resize", [Pure]> {
  let summary = "nearest, linear or cubic interpolation (ONNX Resize)";
  let description = [{
    Resizes every dimension `d` of `input` by `scales[d]` to the result's
    size there (the importer gives `floor(size * scale)` for ONNX scales,
    and `scale = out / in` for ONNX sizes). Interpolation is separable, as
    ONNX's reference computes it: along each dimension, output index `x`
    samples the input at the source coordinate `coordinates` gives
    (`half_pixel`: `(x + 0.5) / scale - 0.5`; `pytorch_half_pixel`: the same,
    0 when `scale * in` is 1; `align_corners`: `x (in - 1) / (scale * in - 1)`;
    `asymmetric`: `x / scale`; `tf_half_pixel_for_nn`: `(x + 0.5) / scale`)
    and reads

    - `nearest`: the element at that coordinate rounded by `nearest`
      (`round_prefer_floor`, `round_prefer_ceil`, `floor`, `ceil`);
    - `linear`: its two neighbours, weighted by distance;
    - `cubic`: its four neighbours with Keys's weights for coefficient
      `cubic_coeff_a` (-0.75 in ONNX, -0.5 in PIL and PyTorch's bicubic).

    Neighbours outside the input read the edge element, or with
    `exclude_outside` get weight 0 (the others renormalised). Float
    elements; the result has the input's element type and rank. Sums run in
    f64 in a fixed order. `scales` print with every digit they need to read
    back exactly (the sampling positions depend on them).

    ```mlir
    %big = starch.resize %pos mode = cubic coordinates = half_pixel nearest = round_prefer_floor cubic_coeff_a = -7.5e-01 scales = [1.0, 1.0, 1.5, 1.5]
        : tensor<1x64x4x4xf32> -> tensor<1x64x6x6xf32>
    ```
  }];
  let arguments = (ins Starch_FloatTensor:$input, Starch_ResizeMode:$mode,
                       Starch_ResizeCoordinates:$coordinates,
                       Starch_ResizeNearest:$nearest, F64Attr:$cubic_coeff_a,
                       UnitAttr:$exclude_outside, DenseF64ArrayAttr:$scales);
  let results = (outs Starch_FloatTensor:$result);
  let assemblyFormat = [{
    $input `mode` `=` $mode `coordinates` `=` $coordinates `nearest` `=`
    $nearest `cubic_coeff_a` `=` $cubic_coeff_a
    (`exclude_outside` $exclude_outside^)? `scales` `=` custom<ExactDoubles>($scales) attr-dict
    `:` type($input) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Starch_ResizeGradOp : Starch_Op<"resize_grad", [Pure]> {
  let summary = "gradient of starch.resize with respect to its input";
  let description = [{
    `d_out` is the cotangent of a `starch.resize` result, the attributes
    are that resize's; `d_input` (the resize's input type) is the
    transposed interpolation: each input element sums, in output order, the
    `d_out` elements whose neighbours include it, times their weights.

    ```mlir
    %dpos = starch.resize_grad %dbig mode = cubic coordinates = half_pixel nearest = round_prefer_floor cubic_coeff_a = -7.5e-01 scales = [1.0, 1.0, 1.5, 1.5]
        : tensor<1x64x6x6xf32> -> tensor<1x64x4x4xf32>
    ```
  }];
  let arguments = (ins Starch_FloatTensor:$d_out, Starch_ResizeMode:$mode,
                       Starch_ResizeCoordinates:$coordinates,
                       Starch_ResizeNearest:$nearest, F64Attr:$cubic_coeff_a,
                       UnitAttr:$exclude_outside, DenseF64ArrayAttr:$scales);
  let results = (outs Starch_FloatTensor:$d_input);
  let assemblyFormat = [{
    $d_out `mode` `=` $mode `coordinates` `=` $coordinates `nearest` `=`
    $nearest `cubic_coeff_a` `=` $cubic_coeff_a
    (`exclude_outside` $exclude_outside^)? `scales` `=` custom<ExactDoubles>($scales) attr-dict
    `:` type($d_out) `->` type($d_input)
  }];
  let hasVerifier = 1;
}
