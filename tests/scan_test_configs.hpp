/// \file scan_test_configs.hpp
/// Small grids around the paper's best fit for the scan tests.
#pragma once

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
}  // namespace zdscan::test
