/// \file meson_report.hpp
/// What the meson_decay measurements of a scan say (docs/searches.md, "Rare meson decays"): each decay at the refined
/// best fit, at the paper's best fit and at the fit without them, and that fit, from a second scan of the same grid
/// with them disabled (their terms depend on δ, so the total less their terms is not that fit). Plain data: the scan
/// fills it, the result file keeps it (/meson_decays), the summary prints it.
#pragma once

#include <cmath>
#include <string>
#include <vector>

namespace zdscan
{
struct MesonReport
{
    bool present = false;
    /// The fit without them was scanned (false on an MPI job: the collector would scan the whole grid alone).
    bool without_scanned = false;
    double chi2_min = 0, m_zd_mev = 0, epsilon = 0, delta = 0;  ///< refined best fit without them
    /// Δχ² = 1 intervals of δ on the grid profile, with and without them: {lower, upper}; an end at the δ grid's
    /// edge is NaN (the box sets it, not the data).
    double delta_with[2] = {NAN, NAN}, delta_without[2] = {NAN, NAN};
    struct PerDecay
    {
        std::string name, channel, form;  ///< form: poisson0, half_normal, gaussian_rate or measured
        double br_at_best = 0;            ///< B_X · BR(P → P′ Z_d) at the refined best fit
        double limit_at_best = NAN;       ///< BR_CL there (NaN: a measured BR, or no limit at that mass)
        double chi2_at_best = 0;          ///< its terms there (the companion's included)
        double chi2_at_limit = NAN;       ///< what its form gives at the limit (the exclusion threshold)
        /// δ where the interference cancels the real part of the amplitude at the best fit's (m, ε), and the rate
        /// left there over the rate at δ′ = 0 (the CKM phase's floor); NaN when the channel is closed.
        double valley_delta = NAN, floor_fraction = NAN;
        int destructive_sign = 0;  ///< the sign of ε δ′ for which the two amplitudes interfere destructively
        double br_at_paper = 0, chi2_at_paper = 0;  ///< at the paper's best fit (47 MeV, 2.3e-3, 7.9e-4)
        double limit_at_paper = NAN;
        double br_at_best_without = NAN, chi2_at_best_without = NAN;  ///< at the fit without them
    };
    std::vector<PerDecay> decays;
};
}  // namespace zdscan
