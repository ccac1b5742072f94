/// \file profile_cell.hpp
/// The inner loop of every backend: χ² along the δ axis at one (m_Zd, ε) cell, minimised over δ
/// ("marginalised over δ" in the seed paper = profiled). Ties go to the lowest δ index on every backend.
#pragma once

#include <cmath>

#include "zdscan/physics/chi2.hpp"
#include "zdscan/physics/macros.hpp"

namespace zdscan
{
struct CellProfile
{
    double chi2_min;      ///< min over δ of the total χ²
    int argmin;           ///< index of that δ
    int first_nonfinite;  ///< first δ index where χ² is inf or NaN (−1: none); the driver reports it as an error
};

/// Calls on_delta(k, χ²_total(δ_k)) for every δ and returns the minimum. A NaN χ² never becomes the minimum.
template <class OnDelta>
ZD_HD inline CellProfile profile_over_delta(const ObservableConstants& c, const MassTerms& t, double epsilon,
                                            const double* delta, int n_delta, OnDelta&& on_delta)
{
    CellProfile p{HUGE_VAL, 0, -1};
    for (int k = 0; k < n_delta; ++k)
    {
        const double chi2 = chi2_total(c, t, epsilon, delta[k]);
        on_delta(k, chi2);
        if (!(chi2 < HUGE_VAL) && p.first_nonfinite < 0)  // inf, or NaN (every comparison false)
        {
            p.first_nonfinite = k;
        }
        if (chi2 < p.chi2_min)
        {
            p.chi2_min = chi2;
            p.argmin = k;
        }
    }
    return p;
}
}  // namespace zdscan
