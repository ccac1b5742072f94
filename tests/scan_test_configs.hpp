/// \file scan_test_configs.hpp
/// Small grids around the paper's best fit for the scan tests.
#pragma once

#include <nlohmann/json.hpp>

#include "zdscan/io/config.hpp"

namespace zdscan::test
{
/// The paper physics on an n_m × n_eps × n_delta grid (ranges of the default config).
inline ScanConfig small_paper_config(int n_m, int n_eps, int n_delta)
{
    ScanConfig c = default_config();
    c.m_zd_mev.n = n_m;
    c.epsilon.n = n_eps;
    c.delta.n = n_delta;
    c.delta.min = -0.004;  // a negative δ range exercises the sign structure
    return c;
}

/// The paper's measurements with every form of meson_decay (analytic tables the tests write themselves): a poisson0
/// K⁺ → π⁺ limit (two pulls, linear in δ′) with a π⁰ veto window, a gaussian_rate B⁺ → K⁺ limit (one quadratic
/// pull) and a measured K⁺ → π⁺ BR (quadratic, centred off zero).
inline nlohmann::json meson_measurements_json()
{
    using nlohmann::json;
    json k = {{"name", "k_pi_limit"},
              {"kind", "meson_decay"},
              {"channel", "K+ -> pi+"},
              {"table", {{"mass_gev", {0.001, 0.1, 0.3}}, {"lower", {2e-10, 1e-10, 5e-10}}}},
              {"veto_gev", json::array({json::array({0.12, 0.15})})},
              {"cl", 90}};
    json b = {{"name", "b_k_limit"},
              {"kind", "meson_decay"},
              {"channel", "B+ -> K+"},
              {"table", {{"mass_gev", {0.001, 4.0}}, {"lower", {1e-5, 2e-5}}}},
              {"likelihood", "gaussian_rate"},
              {"branching_fraction", 0.5}};
    json measured = {{"name", "k_pi_nunu"},
                     {"kind", "meson_decay"},
                     {"channel", "K+ -> pi+"},
                     {"exp", 4.6e-11},
                     {"exp_sigma", 3.2e-11},
                     {"sm_sigma", 1.0e-11},
                     {"veto_gev", json::array({json::array({0.10, 0.16}), json::array({0.26, 1.0})})}};
    return json::array({k, b, measured});
}

/// small_paper_config with the meson decays above (δ over ±0.004: the K⁺ → π⁺ valley sits at δ′ ≈ −0.08 ε).
inline ScanConfig small_meson_config(int n_m, int n_eps, int n_delta)
{
    nlohmann::json j = nlohmann::json::parse(default_config_json());
    for (const auto& m : meson_measurements_json()) j["measurements"].push_back(m);
    ScanConfig c = parse_config(j);
    c.m_zd_mev.n = n_m;
    c.epsilon.n = n_eps;
    c.delta.n = n_delta;
    c.delta.min = -0.004;
    return c;
}
}  // namespace zdscan::test
