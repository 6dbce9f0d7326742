#include "scenarios/code_offloading/calculus.h"

#include <array>
#include <cmath>
#include <numbers>
#include <stdexcept>

#include "scenarios/code_offloading/payload.h"
#include "scenarios/code_offloading/workloads.h"

namespace amino::scenarios::offload {

namespace {

constexpr std::uint32_t kMaxTasks = 1000;
constexpr int kMaxSimpsonDepth = 50;     // bounds the recursion on non-smooth integrands
constexpr std::int32_t kMaxPanels = 4096;
constexpr std::int32_t kMaxRichardson = 20;
constexpr std::int32_t kMaxTerms = 100'000'000;

struct Counted {
  CalcFunction f;
  OpCounter& ops;
  double operator()(double x) const {
    ops.add();
    return eval_function(f, x);
  }
};

double simpson_step(const Counted& f, double a, double b, double fa, double fm, double fb, double whole, double tol,
                    int depth) {
  const double m = (a + b) / 2, lm = (a + m) / 2, rm = (m + b) / 2;
  const double flm = f(lm), frm = f(rm);
  const double left = (m - a) / 6 * (fa + 4 * flm + fm);
  const double right = (b - m) / 6 * (fm + 4 * frm + fb);
  const double delta = left + right - whole;
  // The |delta| <= 15 tol test and the delta/15 correction are Richardson extrapolation of Simpson.
  if (depth >= kMaxSimpsonDepth || std::abs(delta) <= 15 * tol) return left + right + delta / 15;
  return simpson_step(f, a, m, fa, flm, fm, left, tol / 2, depth + 1) +
         simpson_step(f, m, b, fm, frm, fb, right, tol / 2, depth + 1);
}

double adaptive_simpson(const Counted& f, double a, double b, double tol) {
  const double fa = f(a), fb = f(b), fm = f((a + b) / 2);
  const double whole = (b - a) / 6 * (fa + 4 * fm + fb);
  return simpson_step(f, a, b, fa, fm, fb, whole, tol, 0);
}

// 5-point Gauss-Legendre nodes and weights on [-1, 1].
constexpr std::array<double, 5> kGaussX = {-0.9061798459386640, -0.5384693101056831, 0.0, 0.5384693101056831,
                                           0.9061798459386640};
constexpr std::array<double, 5> kGaussW = {0.2369268850561891, 0.4786286704993665, 0.5688888888888889,
                                           0.4786286704993665, 0.2369268850561891};

// Points of the 1-D composite rule: n panels, 5 nodes each, weights already scaled.
void composite_nodes(double a, double b, int n, std::vector<double>& x, std::vector<double>& w) {
  const double h = (b - a) / n;
  for (int p = 0; p < n; ++p) {
    const double mid = a + (p + 0.5) * h;
    for (int k = 0; k < 5; ++k) {
      x.push_back(mid + h / 2 * kGaussX[k]);
      w.push_back(h / 2 * kGaussW[k]);
    }
  }
}

double gauss_2d(double a, double b, int n, OpCounter& ops) {
  std::vector<double> x, w;
  composite_nodes(a, b, n, x, w);
  double sum = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    for (std::size_t j = 0; j < x.size(); ++j) sum += w[i] * w[j] * std::exp(-(x[i] * x[i] + x[j] * x[j]));
    ops.add(static_cast<std::int64_t>(x.size()));
  }
  return sum;
}

// Ridders/Richardson: central differences at h, h/2, h/4, ... extrapolated level by level.
double richardson_derivative(const Counted& f, double x, double h, int levels) {
  std::vector<double> prev, cur;
  for (int i = 0; i < levels; ++i, h /= 2) {
    cur.assign(1, (f(x + h) - f(x - h)) / (2 * h));
    double factor = 4;
    for (int j = 1; j <= i; ++j, factor *= 4) cur.push_back(cur[j - 1] + (cur[j - 1] - prev[j - 1]) / (factor - 1));
    prev.swap(cur);
  }
  return prev.back();
}

double sum_series(CalcSeries s, double x, std::int32_t n, OpCounter& ops) {
  double sum = 0;
  switch (s) {
    case CalcSeries::kAlternatingHarmonic:
      // Summed from the smallest term up, which keeps rounding error below the truncation error.
      for (std::int32_t k = n; k >= 1; --k) sum += ((k % 2) != 0 ? 1.0 : -1.0) / k;
      break;
    case CalcSeries::kBasel: {
      for (std::int32_t k = n; k >= 1; --k) sum += 1.0 / (static_cast<double>(k) * k);
      const double m = n;  // tail sum_{k>n} 1/k^2 ~ 1/n - 1/(2n^2) + 1/(6n^3)
      sum += 1 / m - 1 / (2 * m * m) + 1 / (6 * m * m * m);
      break;
    }
    case CalcSeries::kExpTaylor: {
      double term = 1;
      for (std::int32_t k = 0; k < n; ++k) {
        sum += term;
        term *= x / (k + 1);
      }
      break;
    }
    default:
      throw std::invalid_argument("calculus: unknown series");
  }
  ops.add(n);
  return sum;
}

void check_task(const CalcTask& t) {
  const bool function_op = t.op == CalcOp::kIntegrate || t.op == CalcOp::kDerivative;
  if (function_op && t.which > static_cast<std::uint8_t>(CalcFunction::kDampedCosine)) {
    throw std::invalid_argument("calculus: unknown function");
  }
  if (t.op == CalcOp::kIntegrate && !(t.tol > 0)) throw std::invalid_argument("calculus: tolerance must be > 0");
  if (t.op == CalcOp::kIntegrate2D && (t.n < 1 || t.n > kMaxPanels)) {
    throw std::invalid_argument("calculus: bad panels");
  }
  if (t.op == CalcOp::kDerivative && (t.n < 1 || t.n > kMaxRichardson || !(t.b > 0))) {
    throw std::invalid_argument("calculus: bad derivative step");
  }
  if (t.op == CalcOp::kSeries && (t.n < 1 || t.n > kMaxTerms)) throw std::invalid_argument("calculus: bad term count");
}

double run_task(const CalcTask& t, OpCounter& ops) {
  check_task(t);
  const Counted f{static_cast<CalcFunction>(t.which), ops};
  switch (t.op) {
    case CalcOp::kIntegrate:
      return adaptive_simpson(f, t.a, t.b, t.tol);
    case CalcOp::kIntegrate2D:
      return gauss_2d(t.a, t.b, t.n, ops);
    case CalcOp::kDerivative:
      return richardson_derivative(f, t.a, t.b, t.n);
    case CalcOp::kSeries:
      return sum_series(static_cast<CalcSeries>(t.which), t.a, t.n, ops);
  }
  throw std::invalid_argument("calculus: unknown operation");
}

}  // namespace

double eval_function(CalcFunction f, double x) {
  switch (f) {
    case CalcFunction::kSin:
      return std::sin(x);
    case CalcFunction::kArctanKernel:
      return 4 / (1 + x * x);
    case CalcFunction::kGaussian:
      return std::exp(-x * x);
    case CalcFunction::kX2LogX:
      return x * x * std::log(x);
    case CalcFunction::kDampedCosine:
      return std::exp(-x) * std::cos(20 * x);
  }
  throw std::invalid_argument("calculus: unknown function");
}

std::vector<CalcTask> paper_calculus_tasks() {
  using std::numbers::e;
  using std::numbers::pi;
  auto fn = [](CalcFunction f) { return static_cast<std::uint8_t>(f); };
  auto series = [](CalcSeries s) { return static_cast<std::uint8_t>(s); };
  return {
      {CalcOp::kIntegrate, fn(CalcFunction::kSin), 0, pi, 1e-12, 0},
      {CalcOp::kIntegrate, fn(CalcFunction::kArctanKernel), 0, 1, 1e-12, 0},
      {CalcOp::kIntegrate, fn(CalcFunction::kGaussian), 0, 3, 1e-12, 0},
      {CalcOp::kIntegrate, fn(CalcFunction::kX2LogX), 1, e, 1e-12, 0},
      {CalcOp::kIntegrate, fn(CalcFunction::kDampedCosine), 0, 2 * pi, 1e-12, 0},
      {CalcOp::kIntegrate2D, 0, 0, 1, 0, 80},
      {CalcOp::kDerivative, fn(CalcFunction::kSin), 1, 0.1, 0, 8},
      {CalcOp::kDerivative, fn(CalcFunction::kGaussian), 0.5, 0.1, 0, 8},
      {CalcOp::kSeries, series(CalcSeries::kAlternatingHarmonic), 0, 0, 0, 400'000},
      {CalcOp::kSeries, series(CalcSeries::kBasel), 0, 0, 0, 20'000},
      {CalcOp::kSeries, series(CalcSeries::kExpTaylor), 2.5, 0, 0, 40},
  };
}

CalculusResult run_calculus(const std::vector<CalcTask>& tasks) {
  OpCounter ops;
  CalculusResult r;
  for (const CalcTask& t : tasks) r.values.push_back(run_task(t, ops));
  r.counted_ops = ops.count();
  return r;
}

std::string encode_calculus_request(const std::vector<CalcTask>& tasks) {
  ByteWriter w;
  w.u32(static_cast<std::uint32_t>(tasks.size()));
  for (const CalcTask& t : tasks) {
    w.u8(static_cast<std::uint8_t>(t.op)).u8(t.which).f64(t.a).f64(t.b).f64(t.tol).i32(t.n);
  }
  return w.take();
}

std::vector<CalcTask> decode_calculus_request(std::string_view bytes) {
  ByteReader r(bytes);
  std::vector<CalcTask> tasks(r.count(kMaxTasks, "tasks"));
  for (CalcTask& t : tasks) {
    const std::uint8_t op = r.u8();
    if (op > static_cast<std::uint8_t>(CalcOp::kSeries)) throw std::invalid_argument("calculus: unknown operation");
    t.op = static_cast<CalcOp>(op);
    t.which = r.u8();
    t.a = r.f64();
    t.b = r.f64();
    t.tol = r.f64();
    t.n = r.i32();
  }
  r.expect_end();
  return tasks;
}

std::string encode_calculus_result(const CalculusResult& res) {
  ByteWriter w;
  w.i64(res.counted_ops).u32(static_cast<std::uint32_t>(res.values.size()));
  for (double v : res.values) w.f64(v);
  return w.take();
}

CalculusResult decode_calculus_result(std::string_view bytes) {
  ByteReader r(bytes);
  CalculusResult res;
  res.counted_ops = r.i64();
  res.values.resize(r.count(kMaxTasks, "values"));
  for (double& v : res.values) v = r.f64();
  r.expect_end();
  return res;
}

}  // namespace amino::scenarios::offload
