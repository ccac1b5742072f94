/// \file paper_inputs.hpp
/// The seed paper's measurements and SM predictions, typed in from the paper as test references
/// (Cadeddu et al., PRD 104, L011701 (2021), eqs. 1–3, 12–14, 23).
#pragma once

#include "zdscan/physics_config.hpp"

namespace zdscan::test
{
inline PhysicsConfig paper_physics()
{
    PhysicsConfig p;
    p.a_mu = {116592061e-11, 41e-11, 116591810e-11, 43e-11};  // eqs. 1, 2
    // eq. 3, Δa_e = 0.48(30)e-12: a_e^exp (Hanneke 2008) and a_e^SM with α(Rb) (Morel 2020)
    p.a_e = {1159652180.73e-12, 0.28e-12, 1159652180.252e-12, 0.095e-12};
    p.qweak = {0.0719, 0.0045, 0.0711, 0.0002};  // eqs. 12, 13
    p.apv_cs = {-72.94, 0.43, -73.23, 0.01};     // eqs. 23, 14
    return p;
}
}  // namespace zdscan::test
