/// \file apv_reanalysis.cc
/// Seed paper eqs. (16)–(23): see include/zdscan/physics/apv_reanalysis.hpp and docs/physics.md, "APV reanalysis".
#include "zdscan/physics/apv_reanalysis.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <optional>
#include <stdexcept>

#include "zdscan/physics/constants.hpp"

namespace zdscan
{
namespace
{
namespace c = constants;

/// Every number of the chain, at one set of inputs.
struct Chain
{
    double hadronic_skin_cs = 0, hadronic_skin_pb = 0;
    double skin_point = 0, r_p_point = 0, r_n_point = 0, r_n = 0;
    double qw_without_skin = 0, q_p = 0, q_n = 0, skin_factor = 0, delta_e_over_e = 0, qw = 0;

    static constexpr int size = 12;
    std::array<double, size> values() const
    {
        return {hadronic_skin_cs, hadronic_skin_pb, skin_point, r_p_point, r_n_point, r_n, qw_without_skin, q_p, q_n,
                skin_factor,      delta_e_over_e,   qw};
    }
};

/// Asymmetry I = (N − Z)/A of eq. (16).
double asymmetry(int z, int n)
{
    return static_cast<double>(n - z) / (n + z);
}

/// (Im E_PNC/β)_exp β / (Im E_PNC)^{w.n.s.} × N: eq. (20) without the skin term. The units 1e-13 and 1e-11 of the
/// two atomic inputs leave a factor 1e-2.
double weak_charge_without_skin(const ApvReanalysisInputs& in)
{
    return c::cs133_n * in.im_epnc_over_beta_exp.value * in.beta_ab3.value / in.im_epnc_wns_th.value * 1e-2;
}

Chain evaluate(const ApvReanalysisInputs& in, const AxialElectronDensity* given_w)
{
    Chain x;
    // eq. (16)
    x.hadronic_skin_cs = in.hadronic_offset_fm.value + in.hadronic_slope_fm.value * asymmetry(c::cs133_z, c::cs133_n);
    x.hadronic_skin_pb = in.hadronic_offset_fm.value + in.hadronic_slope_fm.value * asymmetry(c::pb208_z, c::pb208_n);
    // footnote 3: point ↔ physical radii, R² = R_point² + ⟨r_N²⟩
    const double r_nucleon = in.nucleon_radius_fm.value;
    const double r_p = in.r_p_fm.value;
    if (!(r_p > r_nucleon))
    {
        throw std::invalid_argument("apv_reanalysis.r_p_fm must exceed nucleon_radius_fm (a point radius is real)");
    }
    x.r_p_point = std::sqrt(r_p * r_p - r_nucleon * r_nucleon);
    switch (in.skin_source)
    {
        case ApvReanalysisInputs::SkinSource::prex:  // eq. (18)
            x.skin_point = in.skin_slope.value * in.pb208_skin_point_fm.value + in.skin_intercept_fm.value;
            x.r_n_point = x.r_p_point + x.skin_point;
            break;
        case ApvReanalysisInputs::SkinSource::hadronic:
            x.skin_point = x.hadronic_skin_cs;
            x.r_n_point = x.r_p_point + x.skin_point;
            break;
        case ApvReanalysisInputs::SkinSource::direct:
            x.r_n_point = in.direct_r_n_point_fm.value;
            x.skin_point = x.r_n_point - x.r_p_point;
            break;
    }
    if (!(x.r_n_point > 0))
    {
        throw std::invalid_argument("apv_reanalysis: the point-neutron radius comes out non-positive");
    }
    x.r_n = std::sqrt(x.r_n_point * x.r_n_point + r_nucleon * r_nucleon);  // eq. (19)
    x.qw_without_skin = weak_charge_without_skin(in);                      // eq. (20), δE/E = 0
    // eq. (22): f(r) from the Dirac solution in the field of the (charge ≈ proton) distribution
    std::optional<AxialElectronDensity> own_w;
    if (!given_w) own_w.emplace(c::cs133_z, r_p);
    const AxialElectronDensity& w = given_w ? *given_w : *own_w;
    x.q_p = axial_density_moment(make_nuclear_density(in.density, r_p, in.fermi_diffuseness_fm), w);
    x.q_n = axial_density_moment(make_nuclear_density(in.density, x.r_n, in.fermi_diffuseness_fm), w);
    x.skin_factor = 1 - x.q_n / x.q_p;
    x.delta_e_over_e = c::cs133_n / in.qw_sm.value * x.skin_factor;  // eq. (21)
    x.qw = x.qw_without_skin / (1 + x.delta_e_over_e);               // eqs. (20), (23)
    return x;
}

/// The inputs that carry an uncertainty, with their config key and meaning.
struct InputRef
{
    MeasuredInput ApvReanalysisInputs::*member;
    const char* key;
    const char* what;
};
constexpr InputRef uncertain_inputs[] = {
    {&ApvReanalysisInputs::im_epnc_over_beta_exp, "im_epnc_over_beta_exp", "experiment: (Im E_PNC/beta)_exp"},
    {&ApvReanalysisInputs::beta_ab3, "beta_ab3", "beta (Stark vector polarizability)"},
    {&ApvReanalysisInputs::im_epnc_wns_th, "im_epnc_wns_th", "atomic theory: Im E_PNC (w.n.s.)"},
    {&ApvReanalysisInputs::qw_sm, "qw_sm", "Q_W^SM in the skin term"},
    {&ApvReanalysisInputs::r_p_fm, "r_p_fm", "R_p(133Cs)"},
    {&ApvReanalysisInputs::nucleon_radius_fm, "nucleon_radius_fm", "nucleon radius"},
    {&ApvReanalysisInputs::pb208_skin_point_fm, "pb208_skin_point_fm", "PREX-1+2: 208Pb neutron skin"},
    {&ApvReanalysisInputs::skin_slope, "skin_slope", "Cs-Pb skin correlation: slope"},
    {&ApvReanalysisInputs::skin_intercept_fm, "skin_intercept_fm", "Cs-Pb skin correlation: intercept"},
    {&ApvReanalysisInputs::hadronic_offset_fm, "hadronic_offset_fm", "hadronic skin fit: offset a"},
    {&ApvReanalysisInputs::hadronic_slope_fm, "hadronic_slope_fm", "hadronic skin fit: slope b"},
    {&ApvReanalysisInputs::direct_r_n_point_fm, "direct_r_n_point_fm", "measured point R_n(133Cs)"},
};

/// Central differences with a step of 1e-3 σ: linear propagation, far above the chain's ~1e-12 rounding.
constexpr double derivative_step = 1e-3;
}  // namespace

std::string to_string(ApvReanalysisInputs::SkinSource source)
{
    switch (source)
    {
        case ApvReanalysisInputs::SkinSource::prex: return "prex";
        case ApvReanalysisInputs::SkinSource::hadronic: return "hadronic";
        case ApvReanalysisInputs::SkinSource::direct: return "direct";
    }
    return "?";
}

double apv_weak_charge(const ApvReanalysisInputs& in, const AxialElectronDensity& w)
{
    return evaluate(in, &w).qw;
}

ApvReanalysis compute_apv_reanalysis(const ApvReanalysisInputs& in)
{
    const AxialElectronDensity w(c::cs133_z, in.r_p_fm.value);
    const Chain central = evaluate(in, &w);
    const auto v0 = central.values();
    std::array<double, Chain::size> variance = {};
    ApvReanalysis out;
    for (const InputRef& ref : uncertain_inputs)
    {
        const double sigma = (in.*ref.member).sigma;
        if (!(sigma > 0)) continue;
        ApvReanalysisInputs up = in, down = in;
        (up.*ref.member).value += derivative_step * sigma;
        (down.*ref.member).value -= derivative_step * sigma;
        // f(r) depends on R_p: rebuild the Dirac solution when R_p moves.
        const bool moves_w = ref.member == &ApvReanalysisInputs::r_p_fm;
        const auto vu = evaluate(up, moves_w ? nullptr : &w).values();
        const auto vd = evaluate(down, moves_w ? nullptr : &w).values();
        for (int k = 0; k < Chain::size; ++k)
        {
            const double share = (vu[k] - vd[k]) / (2 * derivative_step);  // ∂value/∂x · σ_x
            variance[k] += share * share;
        }
        const double share_qw = std::fabs(vu[Chain::size - 1] - vd[Chain::size - 1]) / (2 * derivative_step);
        if (share_qw > 0) out.budget.push_back({ref.key, ref.what, share_qw});
    }
    std::sort(out.budget.begin(), out.budget.end(),
              [](const BudgetLine& a, const BudgetLine& b) { return a.sigma_qw > b.sigma_qw; });
    DerivedValue* fields[Chain::size] = {&out.hadronic_skin_cs_fm,
                                         &out.hadronic_skin_pb_fm,
                                         &out.skin_point_cs_fm,
                                         &out.r_p_point_fm,
                                         &out.r_n_point_fm,
                                         &out.r_n_fm,
                                         &out.qw_without_skin,
                                         &out.q_p,
                                         &out.q_n,
                                         &out.skin_factor,
                                         &out.delta_e_over_e,
                                         &out.qw};
    for (int k = 0; k < Chain::size; ++k)
    {
        *fields[k] = {v0[k], std::sqrt(variance[k])};
    }
    return out;
}

double implied_wns_amplitude(const ApvReanalysisInputs& in, double target_qw)
{
    const AxialElectronDensity w(c::cs133_z, in.r_p_fm.value);
    const Chain x = evaluate(in, &w);
    // Q_W = N (E/β)_exp β / (E_wns (1 + δE/E)), and δE/E does not depend on E_wns.
    return x.qw_without_skin * in.im_epnc_wns_th.value / (target_qw * (1 + x.delta_e_over_e));
}

std::vector<ApvAlternative> apv_alternatives(const ApvReanalysisInputs& in)
{
    using Source = ApvReanalysisInputs::SkinSource;
    std::vector<ApvAlternative> rows;
    auto row = [&](const std::string& name, const ApvReanalysisInputs& variant, const std::string& note)
    {
        const ApvReanalysis r = compute_apv_reanalysis(variant);
        rows.push_back({name, r.qw, r.r_n_fm.value, note});
        return r;
    };
    const ApvReanalysis configured =
        row("as configured", in, "skin: " + to_string(in.skin_source) + ", densities: " + to_string(in.density));
    rows.push_back(
        {"no neutron-skin correction", configured.qw_without_skin, 0.0, "eq. 20 with R_n = R_p (delta E/E = 0)"});
    const struct
    {
        Source source;
        const char* name;
        std::string note;
    } sources[] = {
        {Source::prex, "PREX-1+2 through the Cs-Pb correlation", "eqs. 17-19"},
        {Source::hadronic, "hadronic skin (eq. 16) in place of PREX", "antiprotonic-atom fit, I = (N-Z)/A"},
        {Source::direct, "direct R_n(133Cs)", in.direct_r_n_point_fm.source},
    };
    for (const auto& s : sources)
    {
        if (s.source == in.skin_source) continue;
        ApvReanalysisInputs v = in;
        v.skin_source = s.source;
        row(s.name, v, s.note);
    }
    ApvReanalysisInputs other_shape = in;
    other_shape.density =
        in.density == NuclearDensity::Shape::uniform ? NuclearDensity::Shape::fermi : NuclearDensity::Shape::uniform;
    row(to_string(other_shape.density) + " densities in eq. 22", other_shape,
        other_shape.density == NuclearDensity::Shape::fermi
            ? "symmetrized Fermi, a = " + std::to_string(in.fermi_diffuseness_fm).substr(0, 4) + " fm"
            : "uniform spheres");
    if (in.published_qw_sahoo2021.value != 0)
    {
        const double amplitude = implied_wns_amplitude(in, in.published_qw_sahoo2021.value);
        char note[160];
        std::snprintf(note, sizeof note,
                      "published, not recomputed; the w.n.s. amplitude that gives it in this chain: %.4f", amplitude);
        rows.push_back({"Sahoo et al. 2021 amplitude",
                        {in.published_qw_sahoo2021.value, in.published_qw_sahoo2021.sigma},
                        0.0,
                        note});
    }
    return rows;
}
}  // namespace zdscan
