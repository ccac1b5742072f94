/// \file device_engine.hpp
/// The device backend's host side, written once over a Device policy: the CUDA runtime (scan_cuda.cu) or the CPU
/// emulation of the device (host/scan/scan_device_emulated.cc). It owns the buffers, launches the kernels of
/// scan_kernels.hpp for each tile and copies the results back, so that the emulated backend tests this code too.
///
/// A Device provides: buffer<T> (resize, size), raw(buffer) → T*, upload(vector, buffer), download(buffer, vector),
/// launch_mass_terms/launch_walk<J>/launch_finish(args, shape), synchronize(what),
/// name() and device().
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "scan_kernels.hpp"

namespace zdscan::kernels
{
template <class Device>
class DeviceScanEngine final : public ScanEngine
{
    template <class T>
    using buffer = typename Device::template buffer<T>;

  public:
    explicit DeviceScanEngine(const ScanProblem& problem)
        : problem_(problem), range_(delta_range(problem.delta.data(), static_cast<int>(problem.delta.size())))
    {
        Device::upload(problem.epsilon, epsilon_);
        Device::upload(problem.delta, delta_);
        buffer<double> m, k;
        Device::upload(problem.m_zd_gev, m);
        Device::upload(problem.mass_inputs, k);
        const int n = static_cast<int>(problem.m_zd_gev.size());
        mass_.resize(static_cast<std::size_t>(n));
        mass_pulls_.resize(static_cast<std::size_t>(n));
        MassTermsArgs a;
        a.obs = problem.observables;
        a.n = n;
        a.m_zd_gev = Device::raw(m);
        a.mass_inputs = Device::raw(k);
        a.terms = Device::raw(mass_);
        a.pulls = Device::raw(mass_pulls_);
        Device::launch_mass_terms(a);
        Device::synchronize("mass_terms_kernel");
    }

    std::string name() const override { return Device::name(); }
    std::string device() const override { return Device::device(); }
    std::int64_t preferred_tile_points() const override { return Device::preferred_tile_points(); }

    std::vector<MassTerms> mass_terms() const override
    {
        std::vector<MassTerms> host;
        Device::download(mass_, host);
        return host;
    }

    void evaluate_tile(const Tile& tile, bool want_full, TileResult& out) override
    {
        const int n_delta = static_cast<int>(problem_.delta.size());
        const long long n_cells = tile.cells();
        const bool exact = problem_.delta_profile == DeltaProfile::exact;
        const WalkShape shape = walk_shape(n_delta, n_cells);
        part_min_.resize(static_cast<std::size_t>(n_cells * shape.n_chunks));
        part_arg_.resize(static_cast<std::size_t>(n_cells * shape.n_chunks));
        chi2_min_.resize(static_cast<std::size_t>(n_cells));
        argmin_.resize(static_cast<std::size_t>(n_cells));
        delta_at_min_.resize(exact ? static_cast<std::size_t>(n_cells) : 0);
        Device::upload(std::vector<unsigned long long>(static_cast<std::size_t>(n_delta), double_bits(HUGE_VAL)),
                       profile_bits_);
        Device::upload(std::vector<unsigned long long>{~0ULL}, first_nonfinite_);
        full_.resize(want_full ? static_cast<std::size_t>(n_cells * n_delta) : 0);

        WalkArgs w;
        w.mass = Device::raw(mass_pulls_);
        w.epsilon = Device::raw(epsilon_);
        w.delta = Device::raw(delta_);
        w.n_delta = n_delta;
        w.tile = tile;
        w.n_cells = n_cells;
        w.part_min = Device::raw(part_min_);
        w.part_arg = Device::raw(part_arg_);
        w.profile_bits = Device::raw(profile_bits_);
        w.first_nonfinite = Device::raw(first_nonfinite_);
        w.full = want_full ? Device::raw(full_) : nullptr;
        if (shape.j == 4) Device::template launch_walk<4>(w, shape);
        else if (shape.j == 8) Device::template launch_walk<8>(w, shape);
        else Device::template launch_walk<16>(w, shape);

        FinishArgs f;
        f.mass = w.mass;
        f.epsilon = w.epsilon;
        f.delta = w.delta;
        f.n_delta = n_delta;
        f.range = range_;
        f.exact = exact;
        f.tile = tile;
        f.n_cells = n_cells;
        f.n_chunks = shape.n_chunks;
        f.part_min = w.part_min;
        f.part_arg = w.part_arg;
        f.chi2_min = Device::raw(chi2_min_);
        f.argmin = Device::raw(argmin_);
        f.delta_at_min = exact ? Device::raw(delta_at_min_) : nullptr;
        f.first_nonfinite = w.first_nonfinite;
        Device::launch_finish(f);

        Device::synchronize("the tile's kernels");

        Device::download(chi2_min_, out.chi2_min);
        Device::download(argmin_, out.argmin);
        Device::download(delta_at_min_, out.delta_at_min);
        std::vector<unsigned long long> profile_bits;
        Device::download(profile_bits_, profile_bits);
        out.delta_profile.resize(profile_bits.size());
        for (std::size_t k = 0; k < profile_bits.size(); ++k) out.delta_profile[k] = bits_double(profile_bits[k]);
        Device::download(full_, out.full);
        std::vector<unsigned long long> nonfinite;
        Device::download(first_nonfinite_, nonfinite);
        out.first_nonfinite = nonfinite[0] == ~0ULL ? -1 : static_cast<std::int64_t>(nonfinite[0]);
    }

  private:
    ScanProblem problem_;
    DeltaRange range_;
    buffer<double> epsilon_, delta_;
    buffer<MassTerms> mass_;
    buffer<MassPulls> mass_pulls_;  ///< pull factors per mass (pull_polynomial.hpp)
    buffer<double> chi2_min_, delta_at_min_, full_, part_min_;
    buffer<int> argmin_, part_arg_;
    buffer<unsigned long long> profile_bits_, first_nonfinite_;
};
}  // namespace zdscan::kernels
