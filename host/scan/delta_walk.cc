/// \file delta_walk.cc
/// Picks the δ-loop variant for this CPU (delta_walk.hpp).
#include "zdscan/scan/delta_walk.hpp"

#include <cstdlib>
#include <stdexcept>

namespace zdscan
{
#define ZDSCAN_DECLARE_WALK(isa)                                                                                       \
    namespace isa                                                                                                      \
    {                                                                                                                  \
    DeltaWalk delta_walk(const CellPulls& pulls, const double* delta, int n_delta, double* chi2_row, double* profile); \
    void exact_batch(const BatchPulls& c, int n_enabled, int n, double lo, double hi, int* status, double* root_delta, \
                     double* chi2_root);                                                                               \
    void exact_batch_min(const BatchPulls& c, int n_enabled, int n, double lo, double hi, int* status,             \
                         double* chi2_min);                                                                            \
    }
ZDSCAN_DECLARE_WALK(generic)
#if ZDSCAN_X86_VARIANTS
ZDSCAN_DECLARE_WALK(avx2)
ZDSCAN_DECLARE_WALK(avx512)
#endif
#undef ZDSCAN_DECLARE_WALK

std::string to_string(CpuIsa isa)
{
    switch (isa)
    {
        case CpuIsa::avx2: return "avx2";
        case CpuIsa::avx512: return "avx512";
        default: return "generic";
    }
}

bool cpu_isa_available(CpuIsa isa)
{
#if ZDSCAN_X86_VARIANTS
    __builtin_cpu_init();
    switch (isa)
    {
        case CpuIsa::avx2: return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
        case CpuIsa::avx512:
            return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl")
                   && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512bw")
                   && __builtin_cpu_supports("fma");
        default: return true;
    }
#else
    return isa == CpuIsa::generic;
#endif
}

CpuIsa selected_cpu_isa()
{
    if (const char* forced = std::getenv("ZDSCAN_CPU_ISA"); forced && *forced)
    {
        const std::string name = forced;
        for (CpuIsa isa : {CpuIsa::generic, CpuIsa::avx2, CpuIsa::avx512})
        {
            if (name == to_string(isa))
            {
                if (!cpu_isa_available(isa))
                {
                    throw std::runtime_error("ZDSCAN_CPU_ISA=" + name + ": this CPU or build does not have it");
                }
                return isa;
            }
        }
        throw std::runtime_error("ZDSCAN_CPU_ISA=" + name + ": expected generic, avx2 or avx512");
    }
    for (CpuIsa isa : {CpuIsa::avx512, CpuIsa::avx2})
    {
        if (cpu_isa_available(isa)) return isa;
    }
    return CpuIsa::generic;
}

namespace
{
/// The variant of a function for isa: the generic one where the build has no x86 variants.
template <class F>
F variant(CpuIsa isa, F generic_fn, [[maybe_unused]] F avx2_fn, [[maybe_unused]] F avx512_fn)
{
#if ZDSCAN_X86_VARIANTS
    if (isa == CpuIsa::avx512) return avx512_fn;
    if (isa == CpuIsa::avx2) return avx2_fn;
#endif
    (void)isa;
    return generic_fn;
}
}  // namespace

#if ZDSCAN_X86_VARIANTS
#define ZDSCAN_VARIANTS(name) &generic::name, &avx2::name, &avx512::name
#else
#define ZDSCAN_VARIANTS(name) &generic::name, &generic::name, &generic::name
#endif

DeltaWalkFunction delta_walk_function(CpuIsa isa)
{
    return variant<DeltaWalkFunction>(isa, ZDSCAN_VARIANTS(delta_walk));
}

ExactBatchFunction exact_batch_function(CpuIsa isa)
{
    return variant<ExactBatchFunction>(isa, ZDSCAN_VARIANTS(exact_batch));
}
ExactBatchMinFunction exact_batch_min_function(CpuIsa isa)
{
    return variant<ExactBatchMinFunction>(isa, ZDSCAN_VARIANTS(exact_batch_min));
}
#undef ZDSCAN_VARIANTS
}  // namespace zdscan
