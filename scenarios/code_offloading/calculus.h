// Calculus workload: numerical integration (adaptive Simpson in 1-D, composite Gauss-Legendre in
// 2-D), differentiation (Richardson-extrapolated central differences) and series summation over a
// fixed set of functions with known closed forms, which the tests compare against.
// One counted operation = one function evaluation or one series term.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace amino::scenarios::offload {

// The given functions of one variable.
enum class CalcFunction : std::uint8_t {
  kSin,          // sin x
  kArctanKernel, // 4 / (1 + x^2)      (integral over [0,1] is pi)
  kGaussian,     // exp(-x^2)
  kX2LogX,       // x^2 ln x
  kDampedCosine, // exp(-x) cos(20 x)  (oscillatory: adaptive refinement has to work)
};

// The given series.
enum class CalcSeries : std::uint8_t {
  kAlternatingHarmonic,  // sum (-1)^(k+1) / k           -> ln 2   (slowly convergent)
  kBasel,                // sum 1 / k^2 + Euler-Maclaurin tail -> pi^2 / 6
  kExpTaylor,            // sum x^k / k!                 -> exp(x)
};

enum class CalcOp : std::uint8_t {
  kIntegrate,    // of `function` over [a, b], to absolute tolerance `tol`
  kIntegrate2D,  // of exp(-(x^2 + y^2)) over [a, b]^2, with n x n panels of 5x5 Gauss points
  kDerivative,   // of `function` at a, initial step b, n Richardson levels
  kSeries,       // of `series` with n terms (x = a for kExpTaylor)
};

struct CalcTask {
  CalcOp op = CalcOp::kIntegrate;
  std::uint8_t which = 0;  // a CalcFunction or a CalcSeries, per op
  double a = 0, b = 0, tol = 0;
  std::int32_t n = 0;
};

struct CalculusResult {
  std::vector<double> values;  // one per task
  std::int64_t counted_ops = 0;
};

double eval_function(CalcFunction f, double x);
// The paper's size: the task list below (see CALIBRATION.md).
std::vector<CalcTask> paper_calculus_tasks();
CalculusResult run_calculus(const std::vector<CalcTask>& tasks);

std::string encode_calculus_request(const std::vector<CalcTask>& tasks);
std::vector<CalcTask> decode_calculus_request(std::string_view bytes);
std::string encode_calculus_result(const CalculusResult& r);
CalculusResult decode_calculus_result(std::string_view bytes);

}  // namespace amino::scenarios::offload
