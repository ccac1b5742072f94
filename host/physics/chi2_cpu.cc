/// \file chi2_cpu.cc
#include "zdscan/physics/chi2_cpu.hpp"

// GCC's function multi-versioning (an ifunc resolved once at load): the v3 clone has hardware FMA.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define ZD_FMA_CLONES __attribute__((target_clones("default", "arch=x86-64-v3"), flatten))
#else
#define ZD_FMA_CLONES
#endif

namespace zdscan
{
ZD_FMA_CLONES Chi2Terms evaluate_chi2_cpu(const ObservableConstants& c, const MassTerms& t, double epsilon,
                                          double delta)
{
    return evaluate_chi2(c, t, epsilon, delta);
}

ZD_FMA_CLONES CellPulls cell_pulls_cpu(const MassPulls& mass, double epsilon)
{
    return cell_pulls(mass, epsilon);
}

ZD_FMA_CLONES double chi2_total_cpu(const CellPulls& pulls, double delta)
{
    return chi2_total(pulls, delta);
}
}  // namespace zdscan
