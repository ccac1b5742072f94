/// \file pull_polynomial.hpp
/// At fixed (m_Zd, ε) every pull (X^exp − X^th)/σ is a cubic in δ, for every measurement kind: δ′ = δ + a is linear,
/// ρ_d = 1 + f δ′² quadratic and κ_d = 1 − b δ′ linear (eqs. 4, 6, 7), so the weak charges ρ_d (A ∓ B δ′) are cubic
/// and the g−2 terms (eqs. 8, 10) quadratic. The coefficients, computed once per cell, let an inner loop over δ run
/// as Horner evaluations with no division and no call into the physics. Every backend's inner loop uses them
/// (CellPulls below); predict_measurement stays the direct formula that the tests check them against.
#pragma once

#include <cmath>

#include "zdscan/physics/chi2.hpp"

namespace zdscan
{
/// pull(δ) = c[0] + c[1] δ + c[2] δ² + c[3] δ³. No default initialisation: the per-cell arrays of them are filled
/// slot by slot (zeroing them cost as much as the rest of the cell setup).
struct PullPolynomial
{
    double c[4];
};

ZD_HD inline double evaluate(const PullPolynomial& p, double delta)
{
    return fused(fused(fused(p.c[3], delta, p.c[2]), delta, p.c[1]), delta, p.c[0]);
}

namespace detail
{
/// Σ_k q_k δ′^k with δ′ = δ + a, rewritten in powers of δ (binomial shift, degree ≤ 3).
ZD_HD inline PullPolynomial shift_to_delta(const double q[4], double a)
{
    PullPolynomial p;
    p.c[3] = q[3];
    p.c[2] = q[2] + 3.0 * q[3] * a;
    p.c[1] = q[1] + 2.0 * q[2] * a + 3.0 * q[3] * a * a;
    p.c[0] = q[0] + q[1] * a + q[2] * a * a + q[3] * a * a * a;
    return p;
}
}  // namespace detail

/// The ε-independent factors of a measurement's pull at one mass. With δ′ = δ + a, a = shift·ε (eq. 4):
/// pull(δ′) = (p0 + p0e ε²) + p1 ε δ′ + p2 δ′² + p3 ε δ′³. Computed once per mass, so that a cell's coefficients
/// cost a few multiplications per measurement.
struct PullFactors
{
    double p0, p0e, p1, p2, p3, shift;
    /// search_limit with an excluded band: the ε⁻² coefficient of the constant term above the band's middle, where
    /// it is the smaller in magnitude (0 otherwise).
    double p0inv;
    /// search_limit, one-sided poisson0: the ε¹ coefficient of the constant term (χ² ∝ ε²; 0 otherwise).
    double p0e1;
    /// meson_decay part 0: the δ′ coefficient that does not scale with ε (the Z penguin's u; 0 otherwise).
    double p1c;
};

ZD_HD inline PullFactors pull_factors(const MeasurementConstants& c, const MassTerms& t, int i)
{
    const double m = t.m_zd_gev;
    const double inv_sigma = c.inv_sigma;
    PullFactors f{};
    if (c.kind == MeasurementKind::search_limit)
    {
        // pull = (0 − S)/1 with S = f ε² (or fa/ε² above the band's middle; f ε for a one-sided poisson0 limit):
        // no δ, no shift.
        if (c.search_power == 1) f.p0e1 = -t.f[i];
        else f.p0e = -t.f[i];
        f.p0inv = -t.fa[i];
        return f;
    }
    f.shift = (m / constants::m_z_gev) * c.w.tan;
    if (c.kind == MeasurementKind::meson_decay)
    {
        // meson_signal: part 0 pull −(u δ′ + v ε), part 1 −w ε, part 2 (X^exp − a((u δ′ + v ε)² + w² ε²))/σ.
        const double u = t.f[i], v = t.fa[i], w = t.fb[i];
        if (c.meson_part == 1)
        {
            f.p0e1 = -u;  // the companion keeps w in f
            f.shift = 0;
            return f;
        }
        if (c.meson_part == 0)
        {
            f.p0e1 = -v;
            f.p1c = -u;
            return f;
        }
        const double a = c.rate_scale * inv_sigma;
        f.p0 = c.x_exp * inv_sigma;
        f.p0e = -a * (v * v + w * w);
        f.p1 = -a * 2.0 * u * v;
        f.p2 = -a * u * u;
        return f;
    }
    if (c.kind == MeasurementKind::lepton_g2)
    {
        // X^th = a^V + a^A: a^V = α/2π F_V (ε + K δ′)², K = (m/m_Z)(1 − 4s²)/(4 s c) (eq. 8); a^A = −D F_A δ′²
        // (eq. 10). So X^th = cv ε² + 2 cv K ε δ′ + (cv K² − D F_A) δ′².
        constexpr double sqrt2 = 1.41421356237309504880;
        const double cv = constants::alpha / (2.0 * constants::pi) * t.f[i];
        const double k = (m / constants::m_z_gev) * (1.0 - 4.0 * c.w.s2) / (4.0 * c.w.sin * c.w.cos);
        const double d = constants::g_fermi_gev2 * c.m_lepton_gev * c.m_lepton_gev
                         / (8.0 * sqrt2 * constants::pi * constants::pi) * t.fa[i];
        f.p0 = c.x_exp * inv_sigma;
        f.p0e = -cv * inv_sigma;
        f.p1 = -2.0 * cv * k * inv_sigma;
        f.p2 = -(cv * k * k - d) * inv_sigma;
        f.p3 = 0;
        return f;
    }
    // ρ_d = 1 + f δ′², κ_d ŝ² = ŝ² − ŝ² b δ′ with b = ε (m_Z/m) cotθ f (eqs. 6, 7); the weak charge is
    // X = s_0 (1 + f δ′²)(A + B δ′), B = k_b b, with the kind's constants s_0, A, k_b.
    const double prop = t.f[i];
    const double b_per_eps = (constants::m_z_gev / m) * c.w.cot * prop;
    const double s2 = c.w.s2;
    double s0 = 0, big_a = 0, k_b = 0;
    switch (c.kind)
    {
        case MeasurementKind::pves_proton:  // −2q ρ g_AV^ep(κ ŝ²), g = −1/2 + 2κŝ² + c_ep
            s0 = -2.0 * weak_charge_qed_factor();
            big_a = -0.5 + 2.0 * s2 + c.couplings.c_ep;
            k_b = -2.0 * s2;
            break;
        case MeasurementKind::pves_electron:  // −2 ρ g_AV^ee(κ ŝ²), g = 1/2 − 2κŝ² + c_ee
            s0 = -2.0;
            big_a = 0.5 - 2.0 * s2 + c.couplings.c_ep;
            k_b = 2.0 * s2;
            break;
        default:  // apv: −2q ρ [Z (g_AV^ep(κŝ²) + b_ep) + N (g_en + b_en)]
            s0 = -2.0 * weak_charge_qed_factor();
            big_a = c.z * (-0.5 + 2.0 * s2 + c.couplings.c_ep + c.box_ep) + c.n * (c.couplings.g_en + c.box_en);
            k_b = -2.0 * c.z * s2;
            break;
    }
    // X = s0 A + s0 k_b b δ′ + s0 A f δ′² + s0 k_b b f δ′³, and the pull is (X^exp − X)/σ.
    f.p0 = (c.x_exp - s0 * big_a) * inv_sigma;
    f.p0e = 0;
    f.p1 = -(s0 * k_b * b_per_eps) * inv_sigma;
    f.p2 = -(s0 * big_a * prop) * inv_sigma;
    f.p3 = f.p1 * prop;
    return f;
}

/// The pull as a cubic in δ at kinetic mixing epsilon.
ZD_HD inline PullPolynomial pull_polynomial(const PullFactors& f, double epsilon)
{
    double constant = f.p0e * epsilon * epsilon;
    if (f.p0e1 != 0) constant = f.p0e1 * epsilon;  // a one-sided poisson0 limit (p0e is 0 there)
    if (f.p0inv != 0)  // search_limit band: the side of its middle where ε is (search_signal)
    {
        const double above = f.p0inv / (epsilon * epsilon);
        constant = -above < -constant ? above : constant;
    }
    // meson_decay part 0 adds a δ′ term free of ε (for every other kind p1c is 0 and q[1] keeps its bits).
    const double linear = f.p1c != 0 ? fused(f.p1, epsilon, f.p1c) : f.p1 * epsilon;
    const double q[4] = {f.p0 + constant, linear, f.p2, f.p3 * epsilon};
    return detail::shift_to_delta(q, f.shift * epsilon);
}

/// The pull of measurement i of c at mass terms t and kinetic mixing epsilon, as a cubic in δ.
ZD_HD inline PullPolynomial pull_polynomial(const MeasurementConstants& c, const MassTerms& t, int i, double epsilon)
{
    return pull_polynomial(pull_factors(c, t, i), epsilon);
}

/// Every measurement's pull factors at one mass, the enabled measurements first (in list order), then the
/// disabled ones: the order of CellPulls.
struct MassPulls
{
    int n_enabled = 0;
    int n = 0;
    int measurement[max_measurements];  ///< index into ObservableConstants::m of each slot (the first n are set)
    PullFactors f[max_measurements];    ///< the first n are set
    Correlations corr;                  ///< the whitening of the enabled slots (ObservableConstants::corr)
};

ZD_HD inline MassPulls mass_pulls(const ObservableConstants& c, const MassTerms& t)
{
    MassPulls r;
    for (int pass = 0; pass < 2; ++pass)
    {
        for (int i = 0; i < c.n; ++i)
        {
            if (c.m[i].enabled == (pass == 0))
            {
                r.measurement[r.n] = i;
                r.f[r.n++] = pull_factors(c.m[i], t, i);
            }
        }
        if (pass == 0) r.n_enabled = r.n;
    }
    r.corr = c.corr;
    return r;
}

/// The whitened pull of enabled slot k: Σ_{j≤k} W_kj p_j, coefficient by coefficient, one fused chain in j (the
/// same operations in cell_pulls and in the CUDA walk's whitening phase).
ZD_HD inline PullPolynomial whitened_pull(const Correlations& corr, const PullPolynomial* p, int k)
{
    PullPolynomial w{};
    for (int c = 0; c < 4; ++c)
    {
        double acc = 0;
        for (int j = 0; j <= k; ++j) acc = fused(corr.w[k][j], p[j].c[c], acc);
        w.c[c] = acc;
    }
    return w;
}

/// The pulls of one (m_Zd, ε) cell: the enabled measurements first (their squares sum to χ²_total, in list order),
/// then the disabled ones (written to the file, so they are checked for overflow too).
struct CellPulls
{
    int n_enabled = 0;
    int n = 0;
    int measurement[max_measurements];   ///< index into ObservableConstants::m of each slot (the first n are set)
    PullPolynomial p[max_measurements];  ///< the first n are set
};

ZD_HD inline CellPulls cell_pulls(const MassPulls& mass, double epsilon)
{
    CellPulls r;
    r.n_enabled = mass.n_enabled;
    r.n = mass.n;
    for (int s = 0; s < mass.n; ++s)
    {
        r.measurement[s] = mass.measurement[s];
        r.p[s] = pull_polynomial(mass.f[s], epsilon);
    }
    if (mass.corr.on)  // correlated uncertainties: the enabled pulls whitened, so that χ² is still Σ p_k²
    {
        PullPolynomial w[max_measurements];
        for (int k = 0; k < r.n_enabled; ++k) w[k] = whitened_pull(mass.corr, r.p, k);
        for (int k = 0; k < r.n_enabled; ++k) r.p[k] = w[k];
    }
    return r;
}

ZD_HD inline CellPulls cell_pulls(const ObservableConstants& c, const MassTerms& t, double epsilon)
{
    return cell_pulls(mass_pulls(c, t), epsilon);
}

/// χ²_total(δ) = Σ pull_i(δ)² over the enabled measurements, in list order: the scalar form of every backend's δ
/// loop (bit for bit).
ZD_HD inline double chi2_total(const CellPulls& pulls, double delta)
{
    double acc = 0;
    for (int s = 0; s < pulls.n_enabled; ++s)
    {
        const double p = evaluate(pulls.p[s], delta);
        acc = fused(p, p, acc);
    }
    return acc;
}

/// dχ²_total/dδ = Σ 2 pull_i pull_i′ at δ (host analysis: the posterior's quadrature, zdscan.Model's gradient).
inline double chi2_total_slope(const CellPulls& pulls, double delta)
{
    double slope = 0;
    for (int s = 0; s < pulls.n_enabled; ++s)
    {
        const double* c = pulls.p[s].c;
        const double v = c[0] + delta * (c[1] + delta * (c[2] + delta * c[3]));
        slope += 2 * v * (c[1] + delta * (2 * c[2] + 3 * delta * c[3]));
    }
    return slope;
}

/// Whether a disabled measurement's χ² might overflow somewhere on |δ| ≤ delta_abs_max: |pull| is bounded by
/// Σ|c_k| δ^k, and squares of values below 1e150 are finite. False for all finite, moderate coefficients (every
/// config the reader accepts), so the δ loop need not evaluate disabled terms.
ZD_HD inline bool disabled_terms_may_overflow(const CellPulls& pulls, double delta_abs_max)
{
    for (int s = pulls.n_enabled; s < pulls.n; ++s)
    {
        const PullPolynomial& p = pulls.p[s];
        const double bound =
            ((std::fabs(p.c[3]) * delta_abs_max + std::fabs(p.c[2])) * delta_abs_max + std::fabs(p.c[1]))
                * delta_abs_max
            + std::fabs(p.c[0]);
        if (!(bound < 1e150)) return true;  // also NaN
    }
    return false;
}

/// The first δ index where a disabled term is inf or NaN (−1: none); the slow path behind
/// disabled_terms_may_overflow.
ZD_HD inline int first_nonfinite_disabled(const CellPulls& pulls, const double* delta, int n_delta)
{
    for (int k = 0; k < n_delta; ++k)
    {
        for (int s = pulls.n_enabled; s < pulls.n; ++s)
        {
            const double p = evaluate(pulls.p[s], delta[k]);
            if (!(p * p < HUGE_VAL)) return k;
        }
    }
    return -1;
}
}  // namespace zdscan
