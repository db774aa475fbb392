// Torch-free, compiled with -fno-math-errno so that the square roots vectorise (CMakeLists.txt).
#include "train/cpu_loops.h"

#include <cmath>
#include <stdexcept>
#include <string>

namespace tune {

// Built for AVX-512, AVX2 and plain x86-64, the best one picked when the program loads.
#define TUNE_CPU_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))

TUNE_CPU_CLONES void sgd_values(float* p, const float* g, float* buf, int64_t n, float lr,
                                float decay, float momentum, bool nesterov, bool first) {
  for (int64_t i = 0; i < n; ++i) {
    float d = g[i] + decay * p[i];
    if (buf) {
      const float b = first ? d : buf[i] * momentum + d;
      buf[i] = b;
      d = nesterov ? d + momentum * b : b;
    }
    p[i] = p[i] - lr * d;
  }
}

TUNE_CPU_CLONES void rmsprop_values(float* p, const float* g, float* sq, float* buf, int64_t n,
                                    float lr, float decay, float alpha, float eps, float momentum) {
  const float rest = 1.0f - alpha;
  for (int64_t i = 0; i < n; ++i) {
    const float d = g[i] + decay * p[i];
    const float s = sq[i] * alpha + rest * d * d;
    sq[i] = s;
    float step = d / (std::sqrt(s) + eps);
    if (buf) {
      step = buf[i] * momentum + step;
      buf[i] = step;
    }
    p[i] = p[i] - lr * step;
  }
}

RowsLoss cross_entropy_rows(const float* logits, const int64_t* y, int64_t n, int64_t c,
                            float* softmax_minus_one_hot) {
  RowsLoss out;
  for (int64_t r = 0; r < n; ++r) {
    const float* z = logits + r * c;
    const int64_t label = y[r];
    if (label < 0 || label >= c)
      throw std::out_of_range("cross-entropy: class " + std::to_string(label) + " is outside [0, " +
                              std::to_string(c) + ")");
    int64_t top = 0;
    for (int64_t j = 1; j < c; ++j)
      if (z[j] > z[top]) top = j;
    const float largest = z[top];
    // Each exp(z - largest) once: kept in the gradient's row when there is one.
    float* d = softmax_minus_one_hot ? softmax_minus_one_hot + r * c : nullptr;
    float total = 0;
    for (int64_t j = 0; j < c; ++j) {
      const float e = std::exp(z[j] - largest);
      total += e;
      if (d) d[j] = e;
    }
    out.sum += static_cast<double>(std::log(total) - (z[label] - largest));
    out.correct += top == label;
    if (d) {
      const float inverse = 1.0f / total;
      for (int64_t j = 0; j < c; ++j) d[j] *= inverse;
      d[label] -= 1.0f;
    }
  }
  return out;
}

TUNE_CPU_CLONES void piecewise_forward(const float* z, float slope, const float* mask, float* out,
                                       int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = z[i] > 0 ? z[i] : slope * z[i];
  if (mask)
    for (int64_t i = 0; i < n; ++i) out[i] *= mask[i];
}

TUNE_CPU_CLONES void layer_backward(const float* z, float slope, const float* mask, const float* g,
                                    float scale, float* gz, float* bias_grad, int64_t rows,
                                    int64_t cols) {
  const int64_t n = rows * cols;
  if (!z) {
    for (int64_t i = 0; i < n; ++i) gz[i] = scale * g[i];
  } else if (slope == 0) {  // ReLU: exactly 0 where z <= 0, as LibTorch's threshold_backward
    for (int64_t i = 0; i < n; ++i) gz[i] = z[i] > 0 ? scale * g[i] : 0.0f;
  } else {
    for (int64_t i = 0; i < n; ++i) gz[i] = scale * g[i] * (z[i] > 0 ? 1.0f : slope);
  }
  if (mask)
    for (int64_t i = 0; i < n; ++i) gz[i] *= mask[i];
  for (int64_t j = 0; j < cols; ++j) bias_grad[j] = 0;
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t j = 0; j < cols; ++j) bias_grad[j] += gz[r * cols + j];
}

}  // namespace tune
