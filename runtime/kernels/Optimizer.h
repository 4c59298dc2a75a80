//===- Optimizer.h - AdamW update ------------------------------*- C++ -*-===//
#ifndef STARCH_RUNTIME_KERNELS_OPTIMIZER_H
#define STARCH_RUNTIME_KERNELS_OPTIMIZER_H

#include "runtime/Tensor.h"
#include "runtime/kernels/Compat.h"
#include "runtime/kernels/Status.h"

#include <cmath>

namespace starch::rt {

struct AdamWHyper {
  double beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8, weightDecay = 0.01;
};

/// The per-step scalars of AdamW, computed in f64 as torch.optim.AdamW does
/// on the host, then used in the parameter's type.
struct AdamWFactors {
  double decay;        // 1 - lr * weight_decay
  double oneMinusBeta1, beta2, oneMinusBeta2;
  double stepSize;     // lr / (1 - beta1^step)
  double bc2Sqrt;      // sqrt(1 - beta2^step)
  double epsilon;
};
AdamWFactors adamwFactors(const AdamWHyper &hyper, double lr, int64_t step);

/// One AdamW update (see starch.adamw); outputs may alias inputs. A
/// non-null `gradScale` (0-d, the param's type) multiplies every gradient.
Status adamw(const Tensor &param, const Tensor &grad, const Tensor *gradScale,
             const Tensor &expAvg, const Tensor &expAvgSq, double lr,
             int64_t step, const AdamWHyper &hyper, Tensor &newParam,
             Tensor &newExpAvg, Tensor &newExpAvgSq);
/// The argument rules of adamw, shared with the CUDA driver (Checks.h).
Status checkAdamW(const Tensor &param, const Tensor &grad,
                  const Tensor *gradScale, const Tensor &expAvg,
                  const Tensor &expAvgSq, int64_t step, const Tensor &newParam,
                  const Tensor &newExpAvg, const Tensor &newExpAvgSq);

/// One element, in the order of torch's single-tensor AdamW: decay, lerp of
/// the first moment, mul + addcmul of the second, then addcdiv. `g` is the
/// gradient times its scale (times 1 without one: the same number).
template <typename T>
STARCH_HOST_DEVICE inline void adamwElement(T p, T g, T m, T v,
                                            const AdamWFactors &f, T &outP,
                                            T &outM, T &outV) {
  p = p * static_cast<T>(f.decay);
  m = m + static_cast<T>(f.oneMinusBeta1) * (g - m);
  v = v * static_cast<T>(f.beta2);
  v = v + static_cast<T>(f.oneMinusBeta2) * g * g;
  T denom = std::sqrt(v) / static_cast<T>(f.bc2Sqrt) + static_cast<T>(f.epsilon);
  outP = p + static_cast<T>(-f.stepSize) * m / denom;
  outM = m;
  outV = v;
}

} // namespace starch::rt

#endif // STARCH_RUNTIME_KERNELS_OPTIMIZER_H
