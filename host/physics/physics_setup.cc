/// \file physics_setup.cc
/// From user inputs to the scan-wide constants of every measurement.
#include <cmath>
#include <stdexcept>

#include "zdscan/physics/constants.hpp"
#include "zdscan/physics/physics_config.hpp"

#include <algorithm>

namespace zdscan
{
std::string to_string(MeasurementKind kind)
{
    switch (kind)
    {
        case MeasurementKind::pves_proton: return "pves_proton";
        case MeasurementKind::pves_electron: return "pves_electron";
        case MeasurementKind::apv: return "apv";
        case MeasurementKind::lepton_g2: return "lepton_g2";
        case MeasurementKind::search_limit: return "search_limit";
        case MeasurementKind::meson_decay: return "meson_decay";
    }
    return "?";
}

PhysicsSetup make_physics_setup(const PhysicsConfig& config)
{
    namespace c = constants;
    if (config.measurements.size() > static_cast<std::size_t>(max_measurements))
    {
        throw std::invalid_argument("measurements: at most " + std::to_string(max_measurements) + " per scan");
    }
    PhysicsSetup setup;
    setup.running = make_running_sin2(config.s2w_mz, config.s2w_zero, c::alpha_hat_mz);
    const auto& run = setup.running;
    auto& obs = setup.observables;
    obs.n = static_cast<int>(config.measurements.size());
    for (int i = 0; i < obs.n; ++i)
    {
        const MeasurementInput& in = config.measurements[static_cast<std::size_t>(i)];
        MeasurementConstants& m = obs.m[i];
        m.kind = in.kind;
        m.enabled = in.enabled;
        // σ = σ_exp ⊕ σ_SM (eq. 27). For g−2 X^exp is the anomaly a^exp − a^SM since X^th = a^SM + a^Zd.
        m.x_exp = in.kind == MeasurementKind::lepton_g2 ? in.exp - in.sm : in.exp;
        m.sigma = total_sigma(in);
        m.inv_sigma = 1.0 / m.sigma;
        switch (in.kind)
        {
            case MeasurementKind::pves_proton:  // θ_W at Q = sqrt(Q²)
                m.q2_gev2 = in.q2_gev2;
                m.w = make_mixing_angle(sin2_msbar(run, std::sqrt(in.q2_gev2)));
                m.couplings.c_ep = pin_c_ep(in.sm, m.w.s2);
                break;
            case MeasurementKind::pves_electron:
                m.q2_gev2 = in.q2_gev2;
                m.w = make_mixing_angle(sin2_msbar(run, std::sqrt(in.q2_gev2)));
                m.couplings.c_ep = pin_c_ee(in.sm, m.w.s2);
                break;
            case MeasurementKind::apv:
            {
                m.w = make_mixing_angle(sin2_msbar(run, in.q_mev * 1e-3));
                m.z = in.z;
                m.n = in.n;
                m.box_ep = in.box_ep;
                m.box_en = in.box_en;
                const double s2_reference = sin2_msbar(run, std::sqrt(c::qw_proton_reference_q2_gev2));
                m.couplings.c_ep = pin_c_ep(c::qw_proton_sm_reference, make_mixing_angle(s2_reference).s2);
                m.couplings.g_en = pin_g_en(in.sm, m.w.s2, m.couplings.c_ep, in.z, in.n, in.box_ep, in.box_en);
                break;
            }
            case MeasurementKind::lepton_g2:  // θ_W at the lepton mass (text after eq. 8)
                m.m_lepton_gev = in.m_lepton_gev;
                m.w = make_mixing_angle(sin2_msbar(run, in.m_lepton_gev));
                break;
            case MeasurementKind::search_limit:  // X^exp = 0, σ = 1: the pull is −S (search_limit.hpp)
                m.x_exp = 0;
                m.sigma = 1;
                m.inv_sigma = 1;
                m.w = make_mixing_angle(sin2_msbar(run, 0.0));  // unused
                m.search_power = search_power(in.likelihood, in.table.band());
                break;
            case MeasurementKind::meson_decay:  // meson_decay.hpp; δ′ with θ_W at low Q (m_Zd ≲ 5 GeV)
                m.w = make_mixing_angle(sin2_msbar(run, 0.0));
                m.meson_part = in.meson_part;
                if (!in.measured_rate)  // a limit: the pull is (0 − a·s)/1
                {
                    m.x_exp = 0;
                    m.sigma = 1;
                    m.inv_sigma = 1;
                }
                m.rate_scale = in.meson_part == 2 && !in.measured_rate ? search_scale(in.likelihood, in.cl_percent) : 1;
                break;
        }
    }
    obs.corr = correlation_whitening(config.measurements, config.correlation);
    return setup;
}

bool counts_as_dof(const MeasurementInput& m)
{
    if (m.kind == MeasurementKind::search_limit) return false;
    if (m.kind == MeasurementKind::meson_decay) return m.measured_rate;
    return true;
}

double total_sigma(const MeasurementInput& m)
{
    if (m.errors.empty()) return std::hypot(m.exp_sigma, m.sm_sigma);  // bit for bit as before the components
    double sum = m.exp_sigma * m.exp_sigma + m.sm_sigma * m.sm_sigma;
    for (const auto& e : m.errors) sum += e.second * e.second;
    return std::sqrt(sum);
}

namespace
{
/// The error components a and b share, as (σ_a, σ_b) pairs in a's order (the order the covariance has always been
/// summed in): b's names sorted once and looked up, since a config may give 10^5 components to a measurement
/// (comparing every pair took a minute).
std::vector<std::pair<std::string, std::pair<double, double>>> shared_components(const MeasurementInput& a,
                                                                                  const MeasurementInput& b)
{
    std::vector<const std::pair<std::string, double>*> by_name;
    by_name.reserve(b.errors.size());
    for (const auto& e : b.errors) by_name.push_back(&e);
    auto less = [](const std::pair<std::string, double>* x, const std::pair<std::string, double>* y)
    { return x->first < y->first; };
    std::sort(by_name.begin(), by_name.end(), less);
    std::vector<std::pair<std::string, std::pair<double, double>>> out;
    for (const auto& x : a.errors)
    {
        const auto it = std::lower_bound(by_name.begin(), by_name.end(), &x, less);
        if (it != by_name.end() && (*it)->first == x.first) out.push_back({x.first, {x.second, (*it)->second}});
    }
    return out;
}
}  // namespace

double covariance(const MeasurementInput& a, const MeasurementInput& b, const CorrelationMatrix& explicit_rho)
{
    double cov = 0;
    if (!a.errors.empty() && !b.errors.empty())
        for (const auto& [name, s] : shared_components(a, b)) cov += s.first * s.second;
    const auto& names = explicit_rho.names;
    const auto ia = std::find(names.begin(), names.end(), a.name), ib = std::find(names.begin(), names.end(), b.name);
    if (ia != names.end() && ib != names.end())
    {
        const std::size_t i = static_cast<std::size_t>(ia - names.begin()), j = static_cast<std::size_t>(ib - names.begin());
        cov += explicit_rho.rho[i * names.size() + j] * total_sigma(a) * total_sigma(b);
    }
    return cov;
}

CorrelationMatrix enabled_correlation(const std::vector<MeasurementInput>& list, const CorrelationMatrix& explicit_rho)
{
    CorrelationMatrix r;
    std::vector<const MeasurementInput*> on;
    for (const auto& m : list)
    {
        if (!m.enabled) continue;
        on.push_back(&m);
        r.names.push_back(m.name);
    }
    const std::size_t n = on.size();
    r.rho.assign(n * n, 0.0);
    for (std::size_t i = 0; i < n; ++i)
    {
        r.rho[i * n + i] = 1;
        for (std::size_t j = 0; j < i; ++j)
        {
            r.rho[i * n + j] = r.rho[j * n + i] =
                covariance(*on[i], *on[j], explicit_rho) / (total_sigma(*on[i]) * total_sigma(*on[j]));
        }
    }
    return r;
}

Correlations correlation_whitening(const std::vector<MeasurementInput>& list, const CorrelationMatrix& explicit_rho)
{
    Correlations c;
    const CorrelationMatrix r = enabled_correlation(list, explicit_rho);
    const std::size_t n = r.names.size();
    bool any = false;  // a correlation off the diagonal
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j < i; ++j) any = any || r.rho[i * n + j] != 0;
    if (!any) return c;
    // Cholesky R = L Lᵀ, then W = L⁻¹ (both lower triangular).
    std::vector<std::vector<double>> l(n, std::vector<double>(n, 0.0));
    for (std::size_t i = 0; i < n; ++i)
    {
        for (std::size_t j = 0; j <= i; ++j)
        {
            double sum = r.rho[i * n + j];
            for (std::size_t k = 0; k < j; ++k) sum -= l[i][k] * l[j][k];
            if (i == j)
            {
                if (!(sum > 1e-12))
                {
                    // The measurements row i shares its errors with, and what they share.
                    auto enabled = [&](std::size_t k) -> const MeasurementInput&
                    {
                        return *std::find_if(list.begin(), list.end(),
                                             [&](const MeasurementInput& m) { return m.name == r.names[k]; });
                    };
                    std::string partners;
                    for (std::size_t k = 0; k < i; ++k)
                    {
                        if (r.rho[i * n + k] == 0) continue;
                        std::string shared;
                        const auto common = shared_components(enabled(i), enabled(k));
                        for (std::size_t k2 = 0; k2 < common.size() && k2 < 5; ++k2)
                            shared += (shared.empty() ? "" : ", ") + common[k2].first;
                        if (common.size() > 5) shared += " and " + std::to_string(common.size() - 5) + " more";
                        partners += (partners.empty() ? "" : "; ") + r.names[k] + " ("
                                    + (shared.empty() ? "the correlation matrix" : shared) + ")";
                    }
                    throw std::invalid_argument(
                        "the correlation matrix of the measurements' errors is not positive definite at " + r.names[i]
                        + ": its errors are (almost) all shared with " + (partners.empty() ? "others" : partners)
                        + "; give it an error of its own (exp_sigma) or drop a shared component");
                }
                l[i][i] = std::sqrt(sum);
            }
            else
            {
                l[i][j] = sum / l[j][j];
            }
        }
    }
    c.on = 1;
    for (std::size_t i = 0; i < n; ++i)
    {
        c.w[i][i] = 1 / l[i][i];
        for (std::size_t j = 0; j < i; ++j)
        {
            double sum = 0;
            for (std::size_t k = j; k < i; ++k) sum += l[i][k] * c.w[k][j];
            c.w[i][j] = -sum / l[i][i];
        }
    }
    return c;
}

bool meson_limit_at(const MeasurementInput& m, double m_gev, double& limit)
{
    limit = NAN;
    if (m_gev > m.valid_below_gev) return false;
    for (const auto& [lo, hi] : m.veto_gev)
    {
        if (m_gev >= lo && m_gev <= hi) return false;
    }
    double upper = 0;
    return m.measured_rate || search_edges(m.table, m_gev, limit, upper);
}

MesonDecayFactors meson_decay_factors(const MeasurementInput& m, double m_gev, double a)
{
    MesonDecayFactors out;
    double limit = NAN;
    if (!meson_limit_at(m, m_gev, limit)) return out;
    double scale = std::sqrt(m.branching_fraction);  // a measured BR: BR × B_X against exp
    if (!m.measured_rate)
    {
        scale /= std::sqrt(limit);
        if (m.meson_part != 2) scale *= a;  // poisson0: χ² = a² s as two squares
    }
    const MesonRateFactors r = meson_rate_factors(m.channel, m_gev);
    if (m.meson_part == 1)
    {
        out.u = r.w * scale;
        return out;
    }
    out.u = r.u * scale;
    out.v = r.v * scale;
    out.w = r.w * scale;
    return out;
}

MassTermsAt::MassTermsAt(const PhysicsConfig& config, const ObservableConstants& observables)
    : observables_(&observables), config_(&config)
{
    for (const auto& m : config.measurements)
    {
        ApvKModel contact;
        contact.kind = ApvKModel::Kind::contact;
        k_.emplace_back(m.kind == MeasurementKind::apv ? m.k : contact);
        search_z_.push_back(counts_as_dof(m) ? 0.0 : search_scale(m.likelihood, m.cl_percent));  // a limit's a
    }
}

void MassTermsAt::inputs_at(double m_zd_mev, double* in) const
{
    for (std::size_t i = 0; i < k_.size(); ++i)
    {
        const MeasurementInput& m = config_->measurements[i];
        if (m.kind == MeasurementKind::apv)
        {
            in[i] = k_[i](m_zd_mev);
        }
        else if (m.kind == MeasurementKind::search_limit)
        {
            const SearchFactors s =
                search_factors(m.table, m_zd_mev * 1e-3, search_z_[i], search_power(m.likelihood, m.table.band()),
                               m.branching_fraction, m.valid_below_gev);
            in[i] = s.f;
            in[max_measurements + i] = s.fa;
        }
        else if (m.kind == MeasurementKind::meson_decay)
        {
            const MesonDecayFactors s = meson_decay_factors(m, m_zd_mev * 1e-3, search_z_[i]);
            in[i] = s.u;
            in[max_measurements + i] = s.v;
            in[2 * max_measurements + i] = s.w;
        }
    }
}

std::vector<double> MassTermsAt::input_table(const std::vector<double>& m_zd_mev) const
{
    std::vector<double> table(m_zd_mev.size() * mass_inputs_per_mass, 0.0);
    for (std::size_t j = 0; j < m_zd_mev.size(); ++j) inputs_at(m_zd_mev[j], &table[j * mass_inputs_per_mass]);
    return table;
}

MassTerms MassTermsAt::operator()(double m_zd_mev) const
{
    double in[mass_inputs_per_mass] = {};
    inputs_at(m_zd_mev, in);
    return make_mass_terms(*observables_, m_zd_mev * 1e-3, in);
}
}  // namespace zdscan
