// Ceiling probe for tools/benchmark.py: the hoisted inner loop of a scan and nothing else. For each (m, ε) cell
// four cubic pulls (the paper's four measurements) are walked over the δ axis, χ² = Σ pull² with fused
// multiply-adds, and the minimum over δ kept: no physics, no argmin, no δ profile, no output, built with
// -O3 -march=native. zdscan's grid scan does this plus the per-cell coefficients, the argmin, the δ profile and
// the non-finite check; its ratio to this probe says how close to the machine's ceiling it runs.
//
// Usage: ceiling_probe N_M N_EPS N_DELTA [THREADS]   prints "points/s <rate>"
#include <omp.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <vector>

namespace
{
constexpr int pulls = 4;
constexpr int block = 512;

/// χ² at n δ points from four cubic pulls with coefficients c[power][pull].
void chi2_block(const double (&c)[4][pulls], const double* __restrict delta, int n, double* __restrict out)
{
#pragma omp simd
    for (int k = 0; k < n; ++k)
    {
        const double x = delta[k];
        double acc = 0;
#pragma GCC unroll 4
        for (int j = 0; j < pulls; ++j)
        {
            const double v = std::fma(std::fma(std::fma(c[3][j], x, c[2][j]), x, c[1][j]), x, c[0][j]);
            acc = std::fma(v, v, acc);
        }
        out[k] = acc;
    }
}
}  // namespace

int main(int argc, char** argv)
{
    if (argc < 4)
    {
        std::fprintf(stderr, "usage: %s N_M N_EPS N_DELTA [THREADS]\n", argv[0]);
        return 2;
    }
    const long n_m = std::atol(argv[1]), n_eps = std::atol(argv[2]), n_delta = std::atol(argv[3]);
    if (argc > 4) omp_set_num_threads(std::atoi(argv[4]));
    const long cells = n_m * n_eps;
    // Coefficients of the size the paper's pulls have (c0 ~ 1, c1 ~ 10³, c2 ~ 10⁵, c3 ~ 10⁷ per unit δ).
    std::vector<double> coef(static_cast<std::size_t>(cells) * pulls * 4);
    for (std::size_t i = 0; i < coef.size(); ++i) coef[i] = std::pow(100.0, i % 4) * (1.0 + 1e-3 * (i % 97));
    std::vector<double> delta(static_cast<std::size_t>(n_delta));
    for (long k = 0; k < n_delta; ++k) delta[k] = 0.01 * k / (n_delta > 1 ? n_delta - 1 : 1);
    double total = 0;
#pragma omp parallel
    total += 0;  // start the threads before the clock (zdscan's timed region excludes that too)
    const auto start = std::chrono::steady_clock::now();
#pragma omp parallel for schedule(static) reduction(+ : total)
    for (long cell = 0; cell < cells; ++cell)
    {
        double c[4][pulls];  // hoisted into registers: [power][pull]
        for (int j = 0; j < pulls; ++j)
            for (int q = 0; q < 4; ++q) c[q][j] = coef[(static_cast<std::size_t>(cell) * pulls + j) * 4 + q];
        double m = HUGE_VAL;
        alignas(64) double out[block];
        for (long b = 0; b < n_delta; b += block)
        {
            const int n = static_cast<int>(n_delta - b < block ? n_delta - b : block);
            chi2_block(c, delta.data() + b, n, out);
#pragma omp simd reduction(min : m)
            for (int k = 0; k < n; ++k) m = out[k] < m ? out[k] : m;
        }
        total += m;
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("points/s %.6g\nchecksum %.17g\n", static_cast<double>(cells) * n_delta / seconds, total);
    return 0;
}
