/// \file chi2.hpp
/// The four χ² terms of the seed paper, eq. (27): χ²_i = (X_i^exp − X_i^th(ε, δ, m_Zd))² / σ_i², with σ_i the
/// experimental and SM uncertainties in quadrature, i ∈ {Qweak, APV(Cs), a_μ, a_e}.
/// The per-mass work (loop-function quadrature, propagators, K) is hoisted into MassTerms so that the inner
/// (ε, δ) loop is a few dozen flops; the same functions run in the OpenMP loop and in the CUDA kernel.
#pragma once

#include "constants.hpp"
#include "dark_z_model.hpp"
#include "lepton_g2.hpp"
#include "loop_functions.hpp"
#include "macros.hpp"
#include "weak_charges.hpp"

namespace zdscan
{
/// One measurement entering eq. (27).
struct Chi2Measurement
{
    /// X^exp. For g−2 this is the anomaly a^exp − a^SM, because X^th = a^SM + a^Zd.
    double x_exp = 0;
    double sigma = 1;     ///< σ = σ_exp ⊕ σ_SM
    bool enabled = true;  ///< counted in the total
};

/// Scan-wide constants of the four observables (built on the host from the config, copied to the device).
struct ObservableConstants
{
    MixingAngle w_qweak;  ///< θ_W at the Qweak scale Q = sqrt(Q²)
    MixingAngle w_apv;    ///< θ_W at the APV scale
    MixingAngle w_mu;     ///< θ_W at m_μ (text after eq. 8)
    MixingAngle w_e;      ///< θ_W at m_e
    double q2_qweak_gev2 = 0;
    WeakChargeCouplings couplings;
    Chi2Measurement qweak, apv_cs, a_mu, a_e;
};

/// Everything that depends on m_Zd alone.
struct MassTerms
{
    double m_zd_gev = 0;
    double f_qweak = 0;           ///< eq. (25) at the Qweak Q²
    double k_apv = 0;             ///< K(133Cs; m_Zd), the APV form of f (text after eq. 26)
    double fv_mu = 0, fa_mu = 0;  ///< F_V, F_A at m_Zd/m_μ (eqs. 9, 11)
    double fv_e = 0, fa_e = 0;    ///< F_V, F_A at m_Zd/m_e
};

ZD_HD inline MassTerms make_mass_terms(double m_zd_gev, double q2_qweak_gev2, double k_apv)
{
    MassTerms t;
    t.m_zd_gev = m_zd_gev;
    t.f_qweak = propagator_pv_scattering(m_zd_gev, q2_qweak_gev2);
    t.k_apv = k_apv;
    t.fv_mu = loop_function_vector(m_zd_gev / constants::m_mu_gev);
    t.fa_mu = loop_function_axial(m_zd_gev / constants::m_mu_gev);
    t.fv_e = loop_function_vector(m_zd_gev / constants::m_e_gev);
    t.fa_e = loop_function_axial(m_zd_gev / constants::m_e_gev);
    return t;
}

/// The theory side X^th of the four observables (g−2: the Z_d contribution only).
struct ObservablePredictions
{
    double qw_proton = 0;  ///< eq. (24)
    double qw_cs133 = 0;   ///< eq. (26)
    double a_mu_zd = 0;    ///< eqs. (8) + (10) for the muon
    double a_e_zd = 0;     ///< eqs. (8) + (10) for the electron
};

ZD_HD inline double a_lepton_zd(const MassTerms& t, double epsilon, double delta, const MixingAngle& w,
                                double m_lepton_gev, double f_v, double f_a)
{
    const double dp = delta_prime(t.m_zd_gev, epsilon, delta, w.tan);
    return a_lepton_vector(t.m_zd_gev, epsilon, dp, w, f_v) + a_lepton_axial(m_lepton_gev, dp, f_a);
}

ZD_HD inline ObservablePredictions predict_observables(const ObservableConstants& c, const MassTerms& t, double epsilon,
                                                       double delta)
{
    ObservablePredictions p;
    {
        const double dp = delta_prime(t.m_zd_gev, epsilon, delta, c.w_qweak.tan);
        const double rho = rho_d(dp, t.f_qweak);
        const double kappa = kappa_d(t.m_zd_gev, epsilon, dp, c.w_qweak.cot, t.f_qweak);
        p.qw_proton = qw_proton(rho, kappa, c.w_qweak.s2, c.couplings);
    }
    {
        const double dp = delta_prime(t.m_zd_gev, epsilon, delta, c.w_apv.tan);
        const double rho = rho_d(dp, t.k_apv);
        const double kappa = kappa_d(t.m_zd_gev, epsilon, dp, c.w_apv.cot, t.k_apv);
        p.qw_cs133 = qw_nucleus(rho, kappa, c.w_apv.s2, c.couplings, constants::cs133_z, constants::cs133_n);
    }
    p.a_mu_zd = a_lepton_zd(t, epsilon, delta, c.w_mu, constants::m_mu_gev, t.fv_mu, t.fa_mu);
    p.a_e_zd = a_lepton_zd(t, epsilon, delta, c.w_e, constants::m_e_gev, t.fv_e, t.fa_e);
    return p;
}

/// χ² = (X^exp − X^th)² / σ², eq. (27).
ZD_HD inline double chi2_term(const Chi2Measurement& m, double x_th)
{
    const double pull = (m.x_exp - x_th) / m.sigma;
    return pull * pull;
}

/// The four terms at one point and their total over the enabled ones.
struct Chi2Terms
{
    double qweak = 0, apv_cs = 0, a_mu = 0, a_e = 0;
    double total = 0;
};

ZD_HD inline Chi2Terms evaluate_chi2(const ObservableConstants& c, const MassTerms& t, double epsilon, double delta)
{
    const ObservablePredictions p = predict_observables(c, t, epsilon, delta);
    Chi2Terms r;
    r.qweak = chi2_term(c.qweak, p.qw_proton);
    r.apv_cs = chi2_term(c.apv_cs, p.qw_cs133);
    r.a_mu = chi2_term(c.a_mu, p.a_mu_zd);
    r.a_e = chi2_term(c.a_e, p.a_e_zd);
    r.total = (c.qweak.enabled ? r.qweak : 0.0) + (c.apv_cs.enabled ? r.apv_cs : 0.0) + (c.a_mu.enabled ? r.a_mu : 0.0)
              + (c.a_e.enabled ? r.a_e : 0.0);
    return r;
}
}  // namespace zdscan
