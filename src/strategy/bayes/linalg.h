#pragma once
// Dense linear algebra for the Gaussian process: a plain row-major matrix type for the
// strategy's data, and, computed by Eigen (header-only, kept out of this header so that only
// the strategy's own sources include it), a Cholesky factorisation that adds jitter until the
// matrix is numerically positive definite and the triangular solves built on it.
#include <cstddef>
#include <vector>

namespace tune::bayes {

struct Matrix {
  size_t rows = 0, cols = 0;
  std::vector<double> data;  // row-major

  Matrix() = default;
  Matrix(size_t r, size_t c, double fill = 0.0) : rows(r), cols(c), data(r * c, fill) {}
  double& operator()(size_t i, size_t j) { return data[i * cols + j]; }
  double operator()(size_t i, size_t j) const { return data[i * cols + j]; }
  double* row(size_t i) { return data.data() + i * cols; }
  const double* row(size_t i) const { return data.data() + i * cols; }
};

// The upper factor U (U^T U = A + jitter*I) stored row-major, so that row j of U is column j of
// L = U^T: the solves below then run over contiguous memory.
struct Cholesky {
  Matrix upper;
  double jitter = 0;  // what had to be added to the diagonal
  size_t size() const { return upper.rows; }
};

// Factorises a symmetric matrix, retrying with jitter 1e-10, 1e-9, ... (relative to the mean
// diagonal) when a pivot is not positive. Throws std::runtime_error if even 1e-2 fails.
Cholesky cholesky(const Matrix& a);

// Extends a factor of A to one of [[A, B], [B^T, C]] given the new columns (B stacked over C:
// `cols` is (n+m) x m, the last m rows holding C). Returns false if the new block is not
// positive definite (the caller then refactorises the whole matrix with jitter).
bool extend_cholesky(Cholesky& chol, const Matrix& cols);

// Solves L x = b in place (L = U^T, forward substitution).
void solve_lower(const Cholesky& chol, double* b);
// Solves L x = r in place for every row r of `rows` (k x n): one blocked solve for k points.
void solve_lower_rows(const Cholesky& chol, Matrix& rows);
// Solves U x = b in place (back substitution).
void solve_upper(const Cholesky& chol, double* b);
// Solves A x = b in place.
void solve(const Cholesky& chol, std::vector<double>& b);
// A^{-1} from the factor (full symmetric matrix).
Matrix inverse(const Cholesky& chol);
// log det A = 2 sum log U_ii.
double log_det(const Cholesky& chol);

double dot(const double* a, const double* b, size_t n);

// Mean and population variance (divided by n) of `values`; {0, 0} when empty.
struct Moments {
  double mean = 0, variance = 0;
};
Moments moments(const std::vector<double>& values);

}  // namespace tune::bayes
