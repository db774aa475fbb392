#include "strategy/bayes/linalg.h"

#include <cmath>
#include <stdexcept>

namespace tune::bayes {

double dot(const double* a, const double* b, size_t n) {
  // Four partial sums: the compiler may vectorise them without reassociating one long chain.
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    s0 += a[i] * b[i];
    s1 += a[i + 1] * b[i + 1];
    s2 += a[i + 2] * b[i + 2];
    s3 += a[i + 3] * b[i + 3];
  }
  for (; i < n; ++i) s0 += a[i] * b[i];
  return (s0 + s1) + (s2 + s3);
}

namespace {

// Right-looking factorisation of the rows [from, n) of U, given that rows [0, from) are final
// and the trailing block of `u` already holds A minus their contributions. Returns false on a
// non-positive pivot.
bool factor_trailing(Matrix& u, size_t from) {
  const size_t n = u.rows;
  for (size_t k = from; k < n; ++k) {
    double* uk = u.row(k);
    const double pivot = uk[k];
    if (!(pivot > 0) || !std::isfinite(pivot)) return false;
    const double d = std::sqrt(pivot);
    uk[k] = d;
    const double inv = 1.0 / d;
    for (size_t j = k + 1; j < n; ++j) uk[j] *= inv;
    for (size_t i = k + 1; i < n; ++i) {
      double* ui = u.row(i);
      const double f = uk[i];
      if (f == 0) continue;
      for (size_t j = i; j < n; ++j) ui[j] -= f * uk[j];
    }
  }
  return true;
}

void clear_lower(Matrix& u) {
  for (size_t i = 0; i < u.rows; ++i)
    for (size_t j = 0; j < i; ++j) u(i, j) = 0;
}

}  // namespace

Cholesky cholesky(const Matrix& a) {
  const size_t n = a.rows;
  double mean_diag = 0;
  for (size_t i = 0; i < n; ++i) mean_diag += a(i, i);
  mean_diag = n ? std::max(mean_diag / static_cast<double>(n), 1e-300) : 1.0;
  double jitter = 0;
  for (int attempt = 0; attempt < 10; ++attempt) {
    Cholesky c;
    c.upper = a;
    for (size_t i = 0; i < n; ++i) c.upper(i, i) += jitter;
    if (factor_trailing(c.upper, 0)) {
      clear_lower(c.upper);
      c.jitter = jitter;
      return c;
    }
    jitter = jitter == 0 ? 1e-10 * mean_diag : jitter * 10;
  }
  throw std::runtime_error("cholesky: matrix is not positive definite even with jitter");
}

bool extend_cholesky(Cholesky& chol, const Matrix& cols) {
  const size_t n = chol.size(), m = cols.cols, total = n + m;
  if (cols.rows != total) throw std::invalid_argument("extend_cholesky: wrong column count");
  Matrix u(total, total);
  for (size_t i = 0; i < n; ++i)
    for (size_t j = i; j < n; ++j) u(i, j) = chol.upper(i, j);
  // The new columns of U: solve L X = B, one new column at a time.
  std::vector<double> x(n);
  for (size_t c = 0; c < m; ++c) {
    for (size_t i = 0; i < n; ++i) x[i] = cols(i, c);
    solve_lower(chol, x.data());
    for (size_t i = 0; i < n; ++i) u(i, n + c) = x[i];
  }
  // The trailing block: C + jitter*I - X^T X, then factorised as usual.
  for (size_t a = 0; a < m; ++a)
    for (size_t b = a; b < m; ++b) {
      double s = cols(n + a, b) + (a == b ? chol.jitter : 0.0);
      for (size_t i = 0; i < n; ++i) s -= u(i, n + a) * u(i, n + b);
      u(n + a, n + b) = s;
    }
  if (!factor_trailing(u, n)) return false;
  clear_lower(u);
  chol.upper = std::move(u);
  return true;
}

void solve_lower(const Cholesky& chol, double* b) {
  // Column-oriented forward substitution: column j of L is row j of U (contiguous axpy).
  const size_t n = chol.size();
  for (size_t j = 0; j < n; ++j) {
    const double* uj = chol.upper.row(j);
    const double xj = b[j] / uj[j];
    b[j] = xj;
    for (size_t i = j + 1; i < n; ++i) b[i] -= uj[i] * xj;
  }
}

void solve_upper(const Cholesky& chol, double* b) {
  const size_t n = chol.size();
  for (size_t k = n; k-- > 0;) {
    const double* uk = chol.upper.row(k);
    b[k] = (b[k] - dot(uk + k + 1, b + k + 1, n - k - 1)) / uk[k];
  }
}

void solve(const Cholesky& chol, std::vector<double>& b) {
  solve_lower(chol, b.data());
  solve_upper(chol, b.data());
}

Matrix inverse(const Cholesky& chol) {
  // A^{-1} = U^{-1} U^{-T}: invert the triangle, then multiply it by its transpose.
  const size_t n = chol.size();
  Matrix w(n, n);  // rows of W = U^{-T} = L^{-1}, i.e. W(i, :) solves L w = e_i ... built by rows
  for (size_t i = 0; i < n; ++i) {
    double* wi = w.row(i);
    wi[i] = 1.0;
    solve_lower(chol, wi);  // wi = L^{-1} e_i, a column of L^{-1}; nonzero from i on
  }
  // w(i, :) is column i of L^{-1}; A^{-1}(a, b) = sum_k L^{-1}(k, a) L^{-1}(k, b)
  //                                          = dot(column a of L^{-1}, column b of L^{-1}).
  Matrix out(n, n);
  for (size_t a = 0; a < n; ++a)
    for (size_t b = a; b < n; ++b) {
      const size_t from = b;  // column a of L^{-1} is zero above row a, column b above row b
      const double s = dot(w.row(a) + from, w.row(b) + from, n - from);
      out(a, b) = s;
      out(b, a) = s;
    }
  return out;
}

double log_det(const Cholesky& chol) {
  double s = 0;
  for (size_t i = 0; i < chol.size(); ++i) s += std::log(chol.upper(i, i));
  return 2 * s;
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
