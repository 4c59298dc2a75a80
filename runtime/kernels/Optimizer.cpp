//===- Optimizer.cpp - AdamW update ---------------------------------------===//
#include "runtime/kernels/Optimizer.h"

#include "runtime/kernels/Dispatch.h"
#include "runtime/kernels/Parallel.h"

#include <initializer_list>
#include <string>

namespace starch::rt {

AdamWFactors adamwFactors(const AdamWHyper &hyper, double lr, int64_t step) {
  AdamWFactors f;
  f.decay = 1.0 - lr * hyper.weightDecay;
  f.oneMinusBeta1 = 1.0 - hyper.beta1;
  f.beta2 = hyper.beta2;
  f.oneMinusBeta2 = 1.0 - hyper.beta2;
  f.stepSize = lr / (1.0 - std::pow(hyper.beta1, static_cast<double>(step)));
  f.bc2Sqrt = std::sqrt(1.0 - std::pow(hyper.beta2, static_cast<double>(step)));
  f.epsilon = hyper.epsilon;
  return f;
}

Status checkAdamW(const Tensor &param, const Tensor &grad,
                  const Tensor *gradScale, const Tensor &expAvg,
                  const Tensor &expAvgSq, int64_t step, const Tensor &newParam,
                  const Tensor &newExpAvg, const Tensor &newExpAvgSq) {
  int64_t n = param.numElements();
  for (const Tensor *t : std::initializer_list<const Tensor *>{
           &grad, &expAvg, &expAvgSq, &newParam, &newExpAvg, &newExpAvgSq})
    if (t->numElements() != n || t->dtype() != param.dtype())
      return Status::error("adamw: every tensor must have the param's type");
  if (gradScale &&
      (gradScale->rank() != 0 || gradScale->dtype() != param.dtype()))
    return Status::error("adamw: the gradient scale must be a 0-d tensor of "
                         "the param's type");
  if (step < 1)
    return Status::error("adamw: the step count starts at 1, got " +
                         std::to_string(step));
  return Status::success();
}

Status adamw(const Tensor &param, const Tensor &grad, const Tensor *gradScale,
             const Tensor &expAvg, const Tensor &expAvgSq, double lr,
             int64_t step, const AdamWHyper &hyper, Tensor &newParam,
             Tensor &newExpAvg, Tensor &newExpAvgSq) {
  if (Status s = checkAdamW(param, grad, gradScale, expAvg, expAvgSq, step,
                            newParam, newExpAvg, newExpAvgSq);
      !s)
    return s;
  int64_t n = param.numElements();
  AdamWFactors f = adamwFactors(hyper, lr, step);
  bool ok = dispatchFloat(param.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T *p = param.data<T>(), *g = grad.data<T>(), *m = expAvg.data<T>(),
            *v = expAvgSq.data<T>();
    T *po = newParam.data<T>(), *mo = newExpAvg.data<T>(),
      *vo = newExpAvgSq.data<T>();
    const T scale = gradScale ? gradScale->data<T>()[0] : T(1);
    parallelFor(n, 4096, [&](int64_t begin, int64_t end) {
    // Outputs alias inputs only element for element (an update in
    // place), so no iteration depends on another: vectorise.
#if defined(__clang__)
#pragma clang loop vectorize(assume_safety)
#elif defined(__GNUC__)
#pragma GCC ivdep
#endif
      for (int64_t i = begin; i < end; ++i)
        adamwElement<T>(p[i], g[i] * scale, m[i], v[i], f, po[i], mo[i], vo[i]);
    });
  });
  return ok ? Status::success() : Status::error("adamw needs f32 or f64");
}

} // namespace starch::rt
