#include "strategy/bayes/linalg.h"

#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <cmath>
#include <stdexcept>

namespace tune::bayes {

namespace {

using ColMajor = Eigen::MatrixXd;
using RowMajor = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// The row-major upper factor U is, read column-major, the lower factor L = U^T.
Eigen::Map<const ColMajor> lower_of(const Cholesky& chol) {
  return {chol.upper.data.data(), static_cast<Eigen::Index>(chol.size()),
          static_cast<Eigen::Index>(chol.size())};
}

// L of `a` (lower triangle read), or false when a pivot is not positive and finite.
bool factor(const ColMajor& a, ColMajor& lower) {
  const Eigen::LLT<ColMajor> llt(a);
  if (llt.info() != Eigen::Success) return false;
  lower = llt.matrixL();
  return lower.diagonal().allFinite() && (lower.diagonal().array() > 0).all();
}

void store(const ColMajor& lower, Cholesky& chol) {
  const size_t n = static_cast<size_t>(lower.rows());
  chol.upper = Matrix(n, n);
  Eigen::Map<ColMajor>(chol.upper.data.data(), lower.rows(), lower.cols()) = lower;
}

}  // namespace

double dot(const double* a, const double* b, size_t n) {
  const auto len = static_cast<Eigen::Index>(n);
  return Eigen::Map<const Eigen::VectorXd>(a, len).dot(Eigen::Map<const Eigen::VectorXd>(b, len));
}

Cholesky cholesky(const Matrix& a) {
  const auto n = static_cast<Eigen::Index>(a.rows);
  const ColMajor m = Eigen::Map<const RowMajor>(a.data.data(), n, n);
  const double mean_diag = n ? std::max(m.diagonal().mean(), 1e-300) : 1.0;
  double jitter = 0;
  ColMajor lower;
  for (int attempt = 0; attempt < 10; ++attempt) {
    ColMajor shifted = m;
    shifted.diagonal().array() += jitter;
    if (factor(shifted, lower)) {
      Cholesky c;
      store(lower, c);
      c.jitter = jitter;
      return c;
    }
    jitter = jitter == 0 ? 1e-10 * mean_diag : jitter * 10;
  }
  throw std::runtime_error("cholesky: matrix is not positive definite even with jitter");
}

bool extend_cholesky(Cholesky& chol, const Matrix& cols) {
  const auto n = static_cast<Eigen::Index>(chol.size()), m = static_cast<Eigen::Index>(cols.cols);
  if (static_cast<Eigen::Index>(cols.rows) != n + m)
    throw std::invalid_argument("extend_cholesky: wrong column count");
  const Eigen::Map<const RowMajor> b(cols.data.data(), n + m, m);
  const auto l = lower_of(chol);
  // [[L, 0], [X^T, Ls]] with L X = B (the new columns' top) and Ls Ls^T = C + jitter - X^T X.
  ColMajor x = b.topRows(n);
  l.triangularView<Eigen::Lower>().solveInPlace(x);
  ColMajor s = b.bottomRows(m);
  s.diagonal().array() += chol.jitter;
  s.noalias() -= x.transpose() * x;
  ColMajor ls;
  if (!factor(s, ls)) return false;
  ColMajor full = ColMajor::Zero(n + m, n + m);
  full.topLeftCorner(n, n) = l;
  full.bottomLeftCorner(m, n) = x.transpose();
  full.bottomRightCorner(m, m) = ls;
  store(full, chol);
  return true;
}

void solve_lower(const Cholesky& chol, double* b) {
  Eigen::Map<Eigen::VectorXd> v(b, static_cast<Eigen::Index>(chol.size()));
  lower_of(chol).triangularView<Eigen::Lower>().solveInPlace(v);
}

void solve_upper(const Cholesky& chol, double* b) {
  Eigen::Map<Eigen::VectorXd> v(b, static_cast<Eigen::Index>(chol.size()));
  lower_of(chol).transpose().triangularView<Eigen::Upper>().solveInPlace(v);
}

void solve(const Cholesky& chol, std::vector<double>& b) {
  solve_lower(chol, b.data());
  solve_upper(chol, b.data());
}

void solve_lower_rows(const Cholesky& chol, Matrix& rows) {
  // Row-major k x n read column-major is n x k: one right-hand side per column.
  Eigen::Map<ColMajor> b(rows.data.data(), static_cast<Eigen::Index>(rows.cols),
                         static_cast<Eigen::Index>(rows.rows));
  lower_of(chol).triangularView<Eigen::Lower>().solveInPlace(b);
}

Matrix inverse(const Cholesky& chol) {
  const auto n = static_cast<Eigen::Index>(chol.size());
  ColMajor inv = ColMajor::Identity(n, n);
  const auto l = lower_of(chol);
  l.triangularView<Eigen::Lower>().solveInPlace(inv);  // L^{-1}
  ColMajor out(n, n);
  out.setZero();
  out.selfadjointView<Eigen::Lower>().rankUpdate(inv.transpose());  // L^{-T} L^{-1}
  Matrix result(chol.size(), chol.size());
  Eigen::Map<ColMajor>(result.data.data(), n, n) = out.selfadjointView<Eigen::Lower>();
  return result;
}

double log_det(const Cholesky& chol) {
  return 2 * lower_of(chol).diagonal().array().log().sum();
}

Moments moments(const std::vector<double>& values) {
  Moments out;
  if (values.empty()) return out;
  const double n = static_cast<double>(values.size());
  for (double v : values) out.mean += v;
  out.mean /= n;
  for (double v : values) out.variance += (v - out.mean) * (v - out.mean);
  out.variance /= n;
  return out;
}

}  // namespace tune::bayes
