/// \file paper_inputs.hpp
/// The seed paper's measurements and SM predictions, typed in from the paper as test references
/// (Cadeddu et al., PRD 104, L011701 (2021), eqs. 1–3, 12–14, 23), in the order of the paper config.
#pragma once

#include "zdscan/physics/physics_config.hpp"

namespace zdscan::test
{
/// Indices of the paper's measurements in paper_physics() (and in configs/paper2021.json).
enum PaperTerm
{
    qweak = 0,
    apv_cs = 1,
    a_mu = 2,
    a_e = 3
};

inline MeasurementInput measurement(const char* name, MeasurementKind kind, double exp, double exp_sigma, double sm,
                                    double sm_sigma)
{
    MeasurementInput m;
    m.name = name;
    m.kind = kind;
    m.exp = exp;
    m.exp_sigma = exp_sigma;
    m.sm = sm;
    m.sm_sigma = sm_sigma;
    return m;
}

inline PhysicsConfig paper_physics()
{
    PhysicsConfig p;
    auto qweak = measurement("qweak", MeasurementKind::pves_proton, 0.0719, 0.0045, 0.0711, 0.0002);  // eqs. 12, 13
    qweak.q2_gev2 = 0.0248;
    auto apv = measurement("apv_cs", MeasurementKind::apv, -72.94, 0.43, -73.23, 0.01);  // eqs. 23, 14
    apv.z = 55;
    apv.n = 78;
    auto a_mu = measurement("a_mu", MeasurementKind::lepton_g2, 116592061e-11, 41e-11, 116591810e-11, 43e-11);  // 1, 2
    a_mu.m_lepton_gev = constants::m_mu_gev;
    // eq. 3, Δa_e = 0.48(30)e-12: a_e^exp (Hanneke 2008) and a_e^SM with α(Rb) (Morel 2020)
    auto a_e =
        measurement("a_e", MeasurementKind::lepton_g2, 1159652180.73e-12, 0.28e-12, 1159652180.252e-12, 0.095e-12);
    a_e.m_lepton_gev = constants::m_e_gev;
    p.measurements = {qweak, apv, a_mu, a_e};
    return p;
}

/// The paper's four plus the P2 and MOLLER projections (inputs2025.md §3): one measurement of every kind.
inline PhysicsConfig paper_and_projections()
{
    PhysicsConfig p = paper_physics();
    auto p2 = measurement("p2", MeasurementKind::pves_proton, 0.0711, 0.0013, 0.0711, 0.0002);
    p2.q2_gev2 = 4.5e-3;
    auto moller = measurement("moller", MeasurementKind::pves_electron, -0.0463, 0.0011, -0.0463, 0.0003);
    moller.q2_gev2 = 0.0056;
    p.measurements.push_back(p2);
    p.measurements.push_back(moller);
    return p;
}
}  // namespace zdscan::test
