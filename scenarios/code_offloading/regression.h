// Regression workload: ordinary least squares with an intercept, solved by Householder QR (stable
// where the normal equations square the condition number), plus bootstrap standard errors of the
// coefficients (refits on resampled rows), on a data set the client generates and ships.
// One counted operation = one multiply-add (QR, back substitution, residuals, resampling copies).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace amino::scenarios::offload {

struct RegressionData {
  std::int32_t features = 0;  // p; the model has p + 1 coefficients (intercept first)
  std::vector<float> x;       // n rows of p features, row-major (float32: what a sensor log holds)
  std::vector<float> y;       // n responses
  std::int32_t bootstrap = 0; // resamples for the standard errors (0: none)
  std::uint64_t resample_seed = 0;
};

struct RegressionResult {
  std::vector<double> coefficients;  // intercept, then one per feature
  std::vector<double> std_errors;    // bootstrap standard error of each coefficient (empty if none)
  double r_squared = 0;
  double residual_sd = 0;
  std::int64_t counted_ops = 0;
};

// The paper's size: 1000 rows, 4 features, 80 bootstrap resamples.
inline constexpr int kPaperRows = 1000;
inline constexpr int kPaperBootstrap = 80;
// The true coefficients of the paper-size data (intercept first).
inline const std::vector<double> kPaperCoefficients = {1.5, -2.0, 0.5, 3.0, -1.0};
inline constexpr double kPaperNoiseSd = 0.1;

// y = c0 + sum_j c[j+1] x_j + N(0, noise_sd^2), features uniform in [-1, 1].
RegressionData make_regression_data(std::uint64_t seed, int rows, const std::vector<double>& coefficients,
                                    double noise_sd, int bootstrap);
RegressionResult fit_regression(const RegressionData& data);

std::string encode_regression_request(const RegressionData& data);
RegressionData decode_regression_request(std::string_view bytes);
std::string encode_regression_result(const RegressionResult& r);
RegressionResult decode_regression_result(std::string_view bytes);

}  // namespace amino::scenarios::offload
