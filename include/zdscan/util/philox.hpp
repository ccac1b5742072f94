/// \file philox.hpp
/// Counter-based random numbers for the toys of `zdscan coverage` (docs/statistics.md): Philox4x32-10 (Salmon,
/// Moraes, Dror, Shaw, "Parallel random numbers: as easy as 1, 2, 3", SC'11; the Random123 reference). A number is
/// a pure function of (key, counter), so a toy's pseudo-data depend only on (seed, tested point, toy): the same for
/// any thread count, batch size, rank count, and on the CPU and a GPU.
///
/// Gaussian deviates by Marsaglia's polar method, with a logarithm made of +, −, ×, ÷ and fma only: those are
/// correctly rounded on every IEEE machine and on CUDA, while libm's log is not, so the deviates are the same bits
/// everywhere. Plain functions on plain data (ZD_HD): no state, no allocation.
#pragma once

#include <cmath>
#include <cstdint>

#include "zdscan/physics/fused.hpp"
#include "zdscan/physics/macros.hpp"

namespace zdscan
{
struct Philox4x32
{
    std::uint32_t v[4];
};

/// Philox4x32 with 10 rounds: counter ctr, key (k0, k1) (Random123's philox4x32_R(10, ctr, key)).
ZD_HD inline Philox4x32 philox4x32_10(Philox4x32 ctr, std::uint32_t k0, std::uint32_t k1)
{
    constexpr std::uint32_t m0 = 0xD2511F53u, m1 = 0xCD9E8D57u;  // multipliers
    constexpr std::uint32_t w0 = 0x9E3779B9u, w1 = 0xBB67AE85u;  // Weyl key increments (golden ratio, √3 − 1)
    for (int round = 0; round < 10; ++round)
    {
        if (round > 0) k0 += w0, k1 += w1;
        const std::uint64_t p0 = static_cast<std::uint64_t>(m0) * ctr.v[0];
        const std::uint64_t p1 = static_cast<std::uint64_t>(m1) * ctr.v[2];
        const std::uint32_t hi0 = static_cast<std::uint32_t>(p0 >> 32), lo0 = static_cast<std::uint32_t>(p0);
        const std::uint32_t hi1 = static_cast<std::uint32_t>(p1 >> 32), lo1 = static_cast<std::uint32_t>(p1);
        ctr = Philox4x32{{hi1 ^ ctr.v[1] ^ k0, lo1, hi0 ^ ctr.v[3] ^ k1, lo0}};
    }
    return ctr;
}

/// A double in [0, 1) from 53 bits of two words.
ZD_HD inline double uniform53(std::uint32_t a, std::uint32_t b)
{
    return (static_cast<double>(a >> 5) * 67108864.0 + static_cast<double>(b >> 6)) * (1.0 / 9007199254740992.0);
}

/// ln x for x > 0 (normal numbers), to ~1 ulp, from basic operations only (see the file comment): x = m 2^e with
/// m in [√½, √2), ln m = 2 atanh(u), u = (m − 1)/(m + 1), |u| ≤ 0.1716, by its series to u²³ (the next term is
/// below 1e-18); ln 2 in two parts (fdlibm's split) so that e ln 2 is exact to rounding.
ZD_HD inline double portable_log(double x)
{
    int e = 0;
    double m = frexp(x, &e);  // exact: m in [½, 1)
    if (m < 0.70710678118654752440)
    {
        m *= 2.0;
        e -= 1;
    }
    const double u = (m - 1.0) / (m + 1.0), u2 = u * u;
    double s = 1.0 / 23.0;
    for (int k = 21; k >= 1; k -= 2) s = fused(s, u2, 1.0 / k);
    constexpr double ln2_hi = 6.93147180369123816490e-01, ln2_lo = 1.90821492927058770002e-10;
    return fused(static_cast<double>(e), ln2_hi, fused(static_cast<double>(e), ln2_lo, 2.0 * u * s));
}

/// n standard normal deviates for toy `toy` at tested point `point` under `seed`: Philox counter (attempt, toy,
/// point low, point high) and key (seed low, seed high); each attempt is one polar-method pair (accepted with
/// probability π/4), so the deviates of a toy are a fixed sequence whatever n is.
ZD_HD inline void toy_normals(std::uint64_t seed, std::uint64_t point, std::uint32_t toy, int n, double* z)
{
    const std::uint32_t k0 = static_cast<std::uint32_t>(seed), k1 = static_cast<std::uint32_t>(seed >> 32);
    std::uint32_t attempt = 0;
    int have = 0;
    while (have < n)
    {
        const Philox4x32 r = philox4x32_10(
            Philox4x32{{attempt++, toy, static_cast<std::uint32_t>(point), static_cast<std::uint32_t>(point >> 32)}},
            k0, k1);
        const double u = 2.0 * uniform53(r.v[0], r.v[1]) - 1.0, v = 2.0 * uniform53(r.v[2], r.v[3]) - 1.0;
        const double s = fused(u, u, v * v);
        if (!(s > 0 && s < 1)) continue;
        const double f = sqrt(-2.0 * portable_log(s) / s);
        z[have++] = u * f;
        if (have < n) z[have++] = v * f;
    }
}
}  // namespace zdscan
