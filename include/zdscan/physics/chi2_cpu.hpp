/// \file chi2_cpu.hpp
/// The per-cell χ² functions of the host's post-processing (terms at the profiled point, δ slices), compiled once
/// for generic x86-64 and once for x86-64-v3 and picked at load time: on a generic build each fused() is a call
/// into libm (a fifth of a 1024² scan with δ slices). The bits are those of chi2.hpp and pull_polynomial.hpp: an
/// FMA is exact either way and nothing is contracted (-ffp-contract=off).
#pragma once

#include "zdscan/physics/chi2.hpp"
#include "zdscan/physics/pull_polynomial.hpp"

namespace zdscan
{
/// evaluate_chi2 (chi2.hpp), the same bits.
Chi2Terms evaluate_chi2_cpu(const ObservableConstants& c, const MassTerms& t, double epsilon, double delta);

/// cell_pulls (pull_polynomial.hpp), the same bits.
CellPulls cell_pulls_cpu(const MassPulls& mass, double epsilon);

/// chi2_total of a cell's pulls (pull_polynomial.hpp), the same bits.
double chi2_total_cpu(const CellPulls& pulls, double delta);
}  // namespace zdscan
