#include "scenarios/code_offloading/regression.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "runtime/rng.h"
#include "scenarios/code_offloading/payload.h"
#include "scenarios/code_offloading/workloads.h"

namespace amino::scenarios::offload {

namespace {

constexpr std::uint32_t kMaxRows = 1'000'000;
constexpr std::int32_t kMaxFeatures = 64;
constexpr std::int32_t kMaxBootstrap = 10'000;

// A dense column-major matrix: least squares works column by column.
struct Matrix {
  int rows = 0, cols = 0;
  std::vector<double> a;
  double& at(int r, int c) { return a[static_cast<std::size_t>(c) * rows + r]; }
  double at(int r, int c) const { return a[static_cast<std::size_t>(c) * rows + r]; }
};

// The design matrix (intercept column of ones, then the features) of the given rows.
Matrix design(const RegressionData& d, const std::vector<std::size_t>& rows, OpCounter& ops) {
  Matrix m{static_cast<int>(rows.size()), d.features + 1, {}};
  m.a.resize(static_cast<std::size_t>(m.rows) * m.cols);
  for (int r = 0; r < m.rows; ++r) {
    m.at(r, 0) = 1.0;
    for (int j = 0; j < d.features; ++j) m.at(r, j + 1) = d.x[rows[r] * d.features + j];
  }
  ops.add(static_cast<std::int64_t>(m.rows) * m.cols);
  return m;
}

// Householder reflection of column k applied to columns k.. of A and to b.
void reflect(Matrix& A, std::vector<double>& b, int k, OpCounter& ops) {
  const int n = A.rows;
  double norm = 0;
  for (int i = k; i < n; ++i) norm += A.at(i, k) * A.at(i, k);
  norm = std::sqrt(norm);
  if (norm == 0) throw std::invalid_argument("regression: rank-deficient design");
  const double alpha = A.at(k, k) > 0 ? -norm : norm;  // sign chosen to avoid cancellation
  std::vector<double> v(static_cast<std::size_t>(n - k));  // the reflector, from column k's tail
  for (int i = k; i < n; ++i) v[i - k] = A.at(i, k);
  v[0] -= alpha;
  double vv = 0;
  for (double e : v) vv += e * e;
  auto apply = [&](auto&& element) {  // x -= 2 v (v.x) / (v.v)
    double dot = 0;
    for (int i = k; i < n; ++i) dot += v[i - k] * element(i);
    const double s = 2 * dot / vv;
    for (int i = k; i < n; ++i) element(i) -= s * v[i - k];
    ops.add(2 * static_cast<std::int64_t>(n - k));
  };
  for (int c = k; c < A.cols; ++c) apply([&](int i) -> double& { return A.at(i, c); });
  apply([&](int i) -> double& { return b[i]; });
  ops.add(2 * static_cast<std::int64_t>(n - k));  // the norm and v.v
}

// Solves min |A beta - b| by QR; A and b are overwritten.
std::vector<double> least_squares(Matrix A, std::vector<double> b, OpCounter& ops) {
  if (A.rows <= A.cols) throw std::invalid_argument("regression: needs more rows than coefficients");
  for (int k = 0; k < A.cols; ++k) reflect(A, b, k, ops);
  std::vector<double> beta(A.cols);
  for (int k = A.cols - 1; k >= 0; --k) {
    double s = b[k];
    for (int j = k + 1; j < A.cols; ++j) s -= A.at(k, j) * beta[j];
    beta[k] = s / A.at(k, k);
    ops.add(A.cols - k);
  }
  return beta;
}

std::vector<double> responses(const RegressionData& d, const std::vector<std::size_t>& rows) {
  std::vector<double> b(rows.size());
  for (std::size_t r = 0; r < rows.size(); ++r) b[r] = d.y[rows[r]];
  return b;
}

std::vector<double> fit_rows(const RegressionData& d, const std::vector<std::size_t>& rows, OpCounter& ops) {
  return least_squares(design(d, rows, ops), responses(d, rows), ops);
}

// Residual standard deviation and R^2 of the fit on all rows.
void goodness_of_fit(const RegressionData& d, RegressionResult& r, OpCounter& ops) {
  const std::size_t n = d.y.size();
  double mean = 0;
  for (float v : d.y) mean += v;
  mean /= static_cast<double>(n);
  double ss_res = 0, ss_tot = 0;
  for (std::size_t i = 0; i < n; ++i) {
    double pred = r.coefficients[0];
    for (int j = 0; j < d.features; ++j) pred += r.coefficients[j + 1] * d.x[i * d.features + j];
    ss_res += (d.y[i] - pred) * (d.y[i] - pred);
    ss_tot += (d.y[i] - mean) * (d.y[i] - mean);
  }
  ops.add(static_cast<std::int64_t>(n) * (d.features + 2));
  r.residual_sd = std::sqrt(ss_res / static_cast<double>(n - d.features - 1));
  r.r_squared = ss_tot > 0 ? 1 - ss_res / ss_tot : 1;
}

std::vector<double> bootstrap_std_errors(const RegressionData& d, OpCounter& ops) {
  Rng rng(d.resample_seed);
  const std::size_t n = d.y.size(), m = static_cast<std::size_t>(d.features) + 1;
  std::vector<double> sum(m, 0), sum_sq(m, 0);
  std::vector<std::size_t> rows(n);
  for (int b = 0; b < d.bootstrap; ++b) {
    for (std::size_t& r : rows) r = static_cast<std::size_t>(rng.uniform_int(0, static_cast<std::int64_t>(n) - 1));
    const std::vector<double> beta = fit_rows(d, rows, ops);
    for (std::size_t j = 0; j < m; ++j) {
      sum[j] += beta[j];
      sum_sq[j] += beta[j] * beta[j];
    }
  }
  std::vector<double> se(m);
  for (std::size_t j = 0; j < m; ++j) {
    const double mean = sum[j] / d.bootstrap;
    se[j] = std::sqrt(std::max(0.0, (sum_sq[j] / d.bootstrap - mean * mean) * d.bootstrap / (d.bootstrap - 1)));
  }
  return se;
}

void check(const RegressionData& d) {
  if (d.features < 1 || d.features > kMaxFeatures) throw std::invalid_argument("regression: bad feature count");
  if (d.x.size() != d.y.size() * static_cast<std::size_t>(d.features)) {
    throw std::invalid_argument("regression: x and y sizes disagree");
  }
  if (d.bootstrap < 0 || d.bootstrap == 1 || d.bootstrap > kMaxBootstrap) {
    throw std::invalid_argument("regression: bootstrap needs 0 or at least 2 resamples");
  }
}

}  // namespace

RegressionData make_regression_data(std::uint64_t seed, int rows, const std::vector<double>& coefficients,
                                    double noise_sd, int bootstrap) {
  if (coefficients.size() < 2 || rows < 1) throw std::invalid_argument("regression: bad generator arguments");
  Rng rng(seed);
  RegressionData d;
  d.features = static_cast<std::int32_t>(coefficients.size() - 1);
  d.bootstrap = bootstrap;
  d.resample_seed = seed ^ 0x5EED5EED5EED5EEDULL;
  for (int r = 0; r < rows; ++r) {
    double y = coefficients[0];
    for (int j = 0; j < d.features; ++j) {
      const auto xj = static_cast<float>(rng.uniform(-1, 1));
      d.x.push_back(xj);
      y += coefficients[j + 1] * xj;
    }
    d.y.push_back(static_cast<float>(y + noise_sd * standard_normal(rng)));
  }
  return d;
}

RegressionResult fit_regression(const RegressionData& d) {
  check(d);
  OpCounter ops;
  RegressionResult r;
  std::vector<std::size_t> all(d.y.size());
  for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
  r.coefficients = fit_rows(d, all, ops);
  goodness_of_fit(d, r, ops);
  if (d.bootstrap > 0) r.std_errors = bootstrap_std_errors(d, ops);
  r.counted_ops = ops.count();
  return r;
}

std::string encode_regression_request(const RegressionData& d) {
  check(d);
  ByteWriter w;
  w.i32(d.features).i32(d.bootstrap).u64(d.resample_seed).u32(static_cast<std::uint32_t>(d.y.size()));
  for (float v : d.x) w.f32(v);
  for (float v : d.y) w.f32(v);
  return w.take();
}

RegressionData decode_regression_request(std::string_view bytes) {
  ByteReader r(bytes);
  RegressionData d;
  d.features = r.i32();
  d.bootstrap = r.i32();
  d.resample_seed = r.u64();
  if (d.features < 1 || d.features > kMaxFeatures) throw std::invalid_argument("regression: bad feature count");
  const std::uint32_t n = r.count(kMaxRows, "rows");
  d.x.resize(static_cast<std::size_t>(n) * d.features);
  d.y.resize(n);
  for (float& v : d.x) v = r.f32();
  for (float& v : d.y) v = r.f32();
  r.expect_end();
  check(d);
  return d;
}

std::string encode_regression_result(const RegressionResult& res) {
  ByteWriter w;
  w.i64(res.counted_ops).f64(res.r_squared).f64(res.residual_sd);
  w.u32(static_cast<std::uint32_t>(res.coefficients.size()));
  for (double v : res.coefficients) w.f64(v);
  w.u32(static_cast<std::uint32_t>(res.std_errors.size()));
  for (double v : res.std_errors) w.f64(v);
  return w.take();
}

RegressionResult decode_regression_result(std::string_view bytes) {
  ByteReader r(bytes);
  RegressionResult res;
  res.counted_ops = r.i64();
  res.r_squared = r.f64();
  res.residual_sd = r.f64();
  res.coefficients.resize(r.count(kMaxFeatures + 1, "coefficients"));
  for (double& v : res.coefficients) v = r.f64();
  res.std_errors.resize(r.count(kMaxFeatures + 1, "standard errors"));
  for (double& v : res.std_errors) v = r.f64();
  r.expect_end();
  return res;
}

}  // namespace amino::scenarios::offload
