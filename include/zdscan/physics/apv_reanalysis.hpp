/// \file apv_reanalysis.hpp
/// The weak charge of ¹³³Cs from the atomic parity violation measurement with the neutron-skin correction
/// recomputed, step by step: seed paper eqs. (16)–(23) and footnote 3 (docs/physics.md, "APV reanalysis").
///
///   (16) hadronic skins ΔR_np = a + b I, I = (N − Z)/A (antiprotonic atoms)
///   (18) ΔR_np^point(Cs) = slope · ΔR_np^point(Pb, PREX) + intercept (nuclear-model correlation)
///   (19) R_n = sqrt((R_p^point + ΔR_np^point)² + ⟨r_N²⟩), R_p^point = sqrt(R_p² − ⟨r_N²⟩)
///   (20) Q_W = N (Im E_PNC/β)_exp β / (Im E_PNC)_th, with (Im E_PNC)_th = (Im E_PNC)^{w.n.s.} (1 + δE/E)
///   (21) δE/E = (N / Q_W^SM) (1 − q_n/q_p)
///   (22) q_{p,n} = 4π ∫ ρ_{p,n}(r) f(r) r² dr, f the s1/2–p1/2 axial density normalised to f(0) = 1
///   (23) the result, −72.94(43) with the paper's inputs
/// Uncertainties: linear propagation of every input's σ (derivatives by central differences through the whole
/// chain, the Dirac solution included), added in quadrature; the tests check them against a Monte Carlo.
/// Host code: it runs once per scan, when a config asks for it.
#pragma once

#include <string>
#include <vector>

#include "zdscan/physics/nuclear_density.hpp"

namespace zdscan
{
/// An input with its 1σ uncertainty (0: exact) and a free-text citation.
struct MeasuredInput
{
    double value = 0, sigma = 0;
    std::string source;
};

struct ApvReanalysisInputs
{
    MeasuredInput im_epnc_over_beta_exp;  ///< (Im E_PNC/β)_exp [1e-13 |e|/a_B²]
    MeasuredInput beta_ab3;               ///< β_exp+th [a_B³]
    MeasuredInput im_epnc_wns_th;         ///< (Im E_PNC)_th without skin correction [1e-11 |e| a_B Q_W/N]
    MeasuredInput qw_sm;                  ///< Q_W^SM(¹³³Cs), in eq. (21)
    MeasuredInput r_p_fm;                 ///< physical rms proton radius of ¹³³Cs [fm]
    MeasuredInput nucleon_radius_fm;      ///< ⟨r_N²⟩^{1/2} [fm], footnote 3

    /// Where ΔR_np^point(Cs) comes from.
    enum class SkinSource
    {
        prex,      ///< eq. (18): PREX-1+2 ²⁰⁸Pb skin through the Cs–Pb correlation
        hadronic,  ///< eq. (16) for ¹³³Cs
        direct     ///< a measured point-neutron radius of ¹³³Cs
    };
    SkinSource skin_source = SkinSource::prex;
    MeasuredInput pb208_skin_point_fm;  ///< eq. (17)
    MeasuredInput skin_slope;           ///< Cs–Pb correlation slope
    MeasuredInput skin_intercept_fm;    ///< Cs–Pb correlation intercept [fm]
    MeasuredInput hadronic_offset_fm;   ///< a of eq. (16) [fm]
    MeasuredInput hadronic_slope_fm;    ///< b of eq. (16) [fm]
    MeasuredInput direct_r_n_point_fm;  ///< skin_source direct: point-neutron radius [fm]

    NuclearDensity::Shape density = NuclearDensity::Shape::uniform;  ///< ρ_p and ρ_n in eq. (22)
    double fermi_diffuseness_fm = 0.52;

    /// Not recomputed: a published Q_W(Cs) from another atomic-theory amplitude (Sahoo et al. 2021), shown by
    /// `zdscan apv --alternatives` with the w.n.s. amplitude that would reproduce it in this chain.
    MeasuredInput published_qw_sahoo2021;
};

std::string to_string(ApvReanalysisInputs::SkinSource source);

/// A derived value with its propagated 1σ.
struct DerivedValue
{
    double value = 0, sigma = 0;
};

/// One input's share of the uncertainty of Q_W: |∂Q_W/∂x| σ_x.
struct BudgetLine
{
    std::string input;  ///< the config key
    std::string what;   ///< in words
    double sigma_qw = 0;
};

struct ApvReanalysis
{
    DerivedValue hadronic_skin_cs_fm, hadronic_skin_pb_fm;  ///< eq. (16)
    DerivedValue skin_point_cs_fm;                          ///< eq. (18), or (16), or direct
    DerivedValue r_p_point_fm, r_n_point_fm;                ///< footnote 3
    DerivedValue r_n_fm;                                    ///< eq. (19), physical
    DerivedValue qw_without_skin;                           ///< eq. (20) with δE/E = 0
    DerivedValue q_p, q_n;                                  ///< eq. (22)
    DerivedValue skin_factor;                               ///< 1 − q_n/q_p
    DerivedValue delta_e_over_e;                            ///< eq. (21)
    DerivedValue qw;                                        ///< eq. (23)
    std::vector<BudgetLine> budget;                         ///< inputs with a non-zero share, largest first
};

/// Every step with its uncertainty. Throws std::invalid_argument on inputs the chain cannot use.
ApvReanalysis compute_apv_reanalysis(const ApvReanalysisInputs& in);

/// Q_W alone, with f(r) from a given Dirac solution (no uncertainties): the Monte Carlo's kernel.
double apv_weak_charge(const ApvReanalysisInputs& in, const AxialElectronDensity& w);

/// The w.n.s. amplitude [1e-11 |e| a_B Q_W/N] for which this chain gives Q_W = target (all else as in `in`).
double implied_wns_amplitude(const ApvReanalysisInputs& in, double target_qw);

/// A row of `zdscan apv --alternatives`.
struct ApvAlternative
{
    std::string name;
    DerivedValue qw;
    double r_n_fm = 0;  ///< 0 where not applicable
    std::string note;
};
std::vector<ApvAlternative> apv_alternatives(const ApvReanalysisInputs& in);
}  // namespace zdscan
