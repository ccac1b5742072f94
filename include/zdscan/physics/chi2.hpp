/// \file chi2.hpp
/// χ² of a set of measurements (seed paper eq. 27): χ²_i = (X_i^exp − X_i^th(ε, δ, m_Zd))² / σ_i², with σ_i the
/// experimental and SM uncertainties in quadrature; the total sums the enabled ones in list order.
///
/// A measurement is data: a kind (the formula) and its constants. The kinds (docs/physics.md, "Measurement kinds"):
/// - pves_proton:   Q_W^p = −2 ρ_d g_AV^ep(κ_d ŝ²) (1 − α/2π), f = m²/(m² + Q²) at its Q²     (eqs. 24, 25)
/// - pves_electron: Q_W^e = −2 ρ_d g_AV^ee(κ_d ŝ²), g_AV^ee(s²) = 1/2 − 2s² + c_ee, f as above (Møller; DLM)
/// - apv:           Q_W(Z, N) of eq. (26), f = K(Z; m) (text after eq. 26)
/// - lepton_g2:     Δa_ℓ = a_ℓ^V + a_ℓ^A                                                        (eqs. 8–11)
/// - search_limit:  a published limit ε_CL(m) on a rate ∝ ε²: X^th = S = z_CL BR (ε/ε_CL)², X^exp = 0, σ = 1, so
///                  χ² = z_CL² BR² (ε/ε_CL)⁴; an excluded band [ε_lo, ε_hi] takes S = min(z BR ε²/ε_lo², z ε_hi²/ε²)
///                  (docs/physics.md, "Direct searches"; independent of δ)
/// - meson_decay:   a limit on (or measurement of) BR(K⁺ → π⁺ Z_d) or BR(B⁺ → K⁺ Z_d) × B_X (meson_decay.hpp).
///                  With BR = (u δ′ + v ε)² + (w ε)² per unit of the limit, the poisson0 form's χ² = a² BR is two
///                  pulls, linear in δ′: u δ′ + v ε (meson_part 0) and w ε (meson_part 1, the companion that no δ′
///                  cancels); the quadratic forms (half_normal, gaussian_rate, a measured BR) are one pull
///                  (X^exp − a BR)/σ (meson_part 2). docs/physics.md, "Rare meson decays"
/// The per-mass work (loop-function quadrature, propagators, K) is hoisted into MassTerms, one slot per measurement,
/// so that the inner (ε, δ) loop is a few dozen flops per measurement. Plain data, no allocation: the same code runs
/// in the OpenMP loop and in the CUDA kernel.
#pragma once

#include "zdscan/physics/constants.hpp"
#include "zdscan/physics/dark_z_model.hpp"
#include "zdscan/physics/fused.hpp"
#include "zdscan/physics/lepton_g2.hpp"
#include "zdscan/physics/loop_functions.hpp"
#include "zdscan/physics/macros.hpp"
#include "zdscan/physics/weak_charges.hpp"

namespace zdscan
{
/// Measurements a scan takes at once (fixed capacity: device code does not allocate).
inline constexpr int max_measurements = 16;

enum class MeasurementKind : int
{
    pves_proton = 0,
    pves_electron = 1,
    apv = 2,
    lepton_g2 = 3,
    search_limit = 4,
    meson_decay = 5
};

/// One measurement as the inner loop sees it (built on the host from the config).
struct MeasurementConstants
{
    MeasurementKind kind = MeasurementKind::pves_proton;
    bool enabled = true;  ///< counted in the total
    /// X^exp. For lepton_g2 this is the anomaly a^exp − a^SM, because X^th = a^SM + a^Zd.
    double x_exp = 0;
    double sigma = 1;      ///< σ = σ_exp ⊕ σ_SM
    double inv_sigma = 1;  ///< 1/σ, set with it (the per-cell pull coefficients multiply by it)
    MixingAngle w;     ///< θ_W at the measurement's scale (ŝ² running)
    /// pves_proton, apv: c_ep and g_en (pinned: ε = δ = 0 gives the configured SM value); pves_electron: c_ee in
    /// c_ep.
    WeakChargeCouplings couplings;
    int z = 0, n = 0;               ///< apv: the nucleus
    double box_ep = 0, box_en = 0;  ///< apv: γZ-box terms added to g_AV^ep, g_AV^en (eq. 26)
    double m_lepton_gev = 0;        ///< lepton_g2
    double q2_gev2 = 0;             ///< pves_*: momentum transfer of the propagator
    int search_power = 2;           ///< search_limit: the power of ε in its pull below the band (search_limit.hpp)
    /// meson_decay: 0 the pull u δ′ + v ε, 1 its companion w ε, 2 the quadratic (X^exp − rate_scale·BR)/σ.
    int meson_part = 0;
    double rate_scale = 1;  ///< meson_decay part 2: a of the limit's form (1 for a measured BR)
};

/// Correlated uncertainties (docs/physics.md, "Correlated uncertainties"): χ² = pᵀ R⁻¹ p over the enabled
/// measurements' pulls p (list order), R their correlation matrix. With R = L Lᵀ (Cholesky), χ² = |W p|², W = L⁻¹
/// lower triangular: each whitened pull (W p)_k = Σ_{j≤k} W_kj p_j is a cubic in δ like the pulls it mixes.
struct Correlations
{
    int on = 0;                                            ///< 0: R = 1 (the uncorrelated χ² of eq. 27)
    double w[max_measurements][max_measurements] = {};  ///< W, indices of the enabled measurements in list order
};

/// All measurements of a scan.
struct ObservableConstants
{
    int n = 0;
    MeasurementConstants m[max_measurements];
    Correlations corr;
};

/// Everything that depends on m_Zd alone, one slot per measurement: the propagator f (pves), K (apv), the loop
/// functions F_V (in f) and F_A (in fa) at m_Zd/m_ℓ (lepton_g2), or a search's z BR/ε_lo² (in f) and z ε_hi² (in fa;
/// 0 for a one-sided limit), both 0 where the search has no limit (search_limit), or a meson decay's rate factors
/// u, v, w (in f, fa, fb; the companion part 1 holds w in f), 0 where it has no limit or is closed (meson_decay).
struct MassTerms
{
    double m_zd_gev = 0;
    double f[max_measurements] = {};
    double fa[max_measurements] = {};
    double fb[max_measurements] = {};
};

/// Per-mass values the host computes from tables (K, search limits, meson decays): mass_inputs_per_mass doubles a
/// mass, slots i, max_measurements + i and 2 max_measurements + i for measurement i (ScanProblem::mass_inputs,
/// MassTermsAt::input_table).
inline constexpr int mass_inputs_per_mass = 3 * max_measurements;

/// in[i]: K(Z_i; m_Zd) for apv measurement i; in[i], in[max_measurements + i]: a search's two factors; the three
/// slots: a meson decay's u, v, w.
ZD_HD inline MassTerms make_mass_terms(const ObservableConstants& c, double m_zd_gev, const double* in)
{
    MassTerms t;
    t.m_zd_gev = m_zd_gev;
    for (int i = 0; i < c.n; ++i)
    {
        const MeasurementConstants& m = c.m[i];
        switch (m.kind)
        {
            case MeasurementKind::pves_proton:
            case MeasurementKind::pves_electron: t.f[i] = propagator_pv_scattering(m_zd_gev, m.q2_gev2); break;
            case MeasurementKind::apv: t.f[i] = in[i]; break;
            case MeasurementKind::search_limit:
                t.f[i] = in[i];
                t.fa[i] = in[max_measurements + i];
                break;
            case MeasurementKind::meson_decay:
                t.f[i] = in[i];
                t.fa[i] = in[max_measurements + i];
                t.fb[i] = in[2 * max_measurements + i];
                break;
            case MeasurementKind::lepton_g2:
                t.f[i] = loop_function_vector(m_zd_gev / m.m_lepton_gev);
                t.fa[i] = loop_function_axial(m_zd_gev / m.m_lepton_gev);
                break;
        }
    }
    return t;
}

ZD_HD inline double a_lepton_zd(double m_zd_gev, double epsilon, double delta, const MixingAngle& w,
                                double m_lepton_gev, double f_v, double f_a)
{
    const double dp = delta_prime(m_zd_gev, epsilon, delta, w.tan);
    return a_lepton_vector(m_zd_gev, epsilon, dp, w, f_v) + a_lepton_axial(m_lepton_gev, dp, f_a);
}

/// A search's pull magnitude S (χ² = S²): f ε² (or f |ε| for a one-sided poisson0 limit, search_power 1) below the
/// band's middle, fa/ε² above it (search_factors; fa = 0: one-sided). The smaller of the two is the one on the ε's
/// side, as the pull polynomial takes it. S exceeds √(χ² at the limit) where the search excludes the point.
ZD_HD inline double search_signal(const MassTerms& t, int i, double epsilon, int power = 2)
{
    const double below = power == 1 ? t.f[i] * (epsilon < 0 ? -epsilon : epsilon) : t.f[i] * epsilon * epsilon;
    if (t.fa[i] == 0) return below;
    const double above = t.fa[i] / (epsilon * epsilon);
    return above < below ? above : below;
}

/// A meson decay's X^th (chi2.hpp header): part 0 u δ′ + v ε, part 1 w ε, part 2 rate_scale ((u δ′ + v ε)² + (w ε)²).
ZD_HD inline double meson_signal(const MeasurementConstants& c, const MassTerms& t, int i, double epsilon,
                                 double delta)
{
    if (c.meson_part == 1) return t.f[i] * epsilon;
    const double linear = t.f[i] * delta_prime(t.m_zd_gev, epsilon, delta, c.w.tan) + t.fa[i] * epsilon;
    if (c.meson_part == 0) return linear;
    const double out_of_phase = t.fb[i] * epsilon;
    return c.rate_scale * (linear * linear + out_of_phase * out_of_phase);
}

/// X^th of measurement i (lepton_g2: the Z_d contribution only; search_limit: its signal S; meson_decay: above).
ZD_HD inline double predict_measurement(const MeasurementConstants& c, const MassTerms& t, int i, double epsilon,
                                        double delta)
{
    if (c.kind == MeasurementKind::search_limit) return search_signal(t, i, epsilon, c.search_power);
    if (c.kind == MeasurementKind::meson_decay) return meson_signal(c, t, i, epsilon, delta);
    if (c.kind == MeasurementKind::lepton_g2)
    {
        return a_lepton_zd(t.m_zd_gev, epsilon, delta, c.w, c.m_lepton_gev, t.f[i], t.fa[i]);
    }
    // Neutral-current kinds: G_F → ρ_d G_F, ŝ² → κ_d ŝ² with the measurement's propagator (eqs. 4–7).
    const double f = t.f[i];
    const double dp = delta_prime(t.m_zd_gev, epsilon, delta, c.w.tan);
    const double rho = rho_d(dp, f);
    const double kappa = kappa_d(t.m_zd_gev, epsilon, dp, c.w.cot, f);
    switch (c.kind)
    {
        case MeasurementKind::pves_proton: return qw_proton(rho, kappa, c.w.s2, c.couplings);
        case MeasurementKind::pves_electron: return qw_electron(rho, kappa, c.w.s2, c.couplings.c_ep);
        default: return qw_nucleus(rho, kappa, c.w.s2, c.couplings, c.z, c.n, c.box_ep, c.box_en);
    }
}

/// χ² = (X^exp − X^th)² / σ², eq. (27).
ZD_HD inline double chi2_term(const MeasurementConstants& m, double x_th)
{
    const double pull = (m.x_exp - x_th) / m.sigma;
    return pull * pull;
}

/// Each measurement's term at one point and the total over the enabled ones.
struct Chi2Terms
{
    double term[max_measurements] = {};
    double total = 0;
};

/// Each term and the total. With correlations, an enabled measurement's term is its whitened pull squared (the
/// k-th enabled one takes (W p)_k: the terms still sum to the total; a disabled one keeps its own pull squared).
ZD_HD inline Chi2Terms evaluate_chi2(const ObservableConstants& c, const MassTerms& t, double epsilon, double delta)
{
    Chi2Terms r;
    if (c.corr.on)
    {
        double pull[max_measurements];
        int enabled[max_measurements], n_enabled = 0;
        for (int i = 0; i < c.n; ++i)
        {
            pull[i] = (c.m[i].x_exp - predict_measurement(c.m[i], t, i, epsilon, delta)) / c.m[i].sigma;
            if (c.m[i].enabled) enabled[n_enabled++] = i;
            r.term[i] = pull[i] * pull[i];
        }
        for (int k = 0; k < n_enabled; ++k)
        {
            double w = 0;
            for (int j = 0; j <= k; ++j) w = fused(c.corr.w[k][j], pull[enabled[j]], w);
            r.term[enabled[k]] = w * w;
        }
        for (int i = 0; i < c.n; ++i) r.total += c.m[i].enabled ? r.term[i] : 0.0;
        return r;
    }
    for (int i = 0; i < c.n; ++i)
    {
        r.term[i] = chi2_term(c.m[i], predict_measurement(c.m[i], t, i, epsilon, delta));
        r.total += c.m[i].enabled ? r.term[i] : 0.0;  // list order: the sum is reproducible
    }
    return r;
}

/// The total alone (the inner loop of every backend).
ZD_HD inline double chi2_total(const ObservableConstants& c, const MassTerms& t, double epsilon, double delta)
{
    if (c.corr.on) return evaluate_chi2(c, t, epsilon, delta).total;
    double total = 0;
    for (int i = 0; i < c.n; ++i)
    {
        total += c.m[i].enabled ? chi2_term(c.m[i], predict_measurement(c.m[i], t, i, epsilon, delta)) : 0.0;
    }
    return total;
}
}  // namespace zdscan
