/// \file device_engine.hpp
/// The device backend's host side, written once over a Device policy: the CUDA runtime (scan_cuda.cu) or the CPU
/// emulation of the device (host/scan/emulated_device.hpp). It owns the buffers, launches the kernels of
/// scan_kernels.hpp for each tile and copies the results back, so that the emulated backend tests this code too.
///
/// Two tiles are in flight: each has its own stream, device buffers and pinned host buffers (a slot). start_tile
/// queues a tile's initial values, kernels and result copies on its slot's stream and returns; finish_tile waits
/// for the oldest slot's stream and hands its results over. So the device computes tile n + 1 while the host merges,
/// checkpoints and writes tile n, and the copies run by DMA from pinned memory instead of through a pageable bounce.
/// A slot is reused only after finish_tile has waited for it.
///
/// A Device provides: buffer<T> (device memory), pinned<T> (page-locked host memory: resize, data), Stream (an
/// in-order queue), resize(buffer, n, stream) (no contents kept; on the stream's order), raw(buffer) → T*,
/// upload(vector, buffer) (synchronous, set-up only),
/// download(buffer, vector) (synchronous), copy_to_device(pinned, n, buffer, stream),
/// copy_to_host(buffer, n, pinned, stream), launch_mass_terms(args) (synchronous),
/// launch_walk<J>(args, shape, stream), launch_finish(args, stream), Event, record(event, stream), elapsed(begin,
/// end) → seconds (after the stream's wait), wait(stream, what), drain(stream) (noexcept,
/// for the destructor), name() and device().
#pragma once

#include <array>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "scan_kernels.hpp"
#include "zdscan/scan/fault_injection.hpp"

namespace zdscan::kernels
{
template <class Device>
class DeviceScanEngine final : public ScanEngine
{
    template <class T>
    using buffer = typename Device::template buffer<T>;
    template <class T>
    using pinned = typename Device::template pinned<T>;

  public:
    static constexpr int slots = 2;

    explicit DeviceScanEngine(const ScanProblem& problem)
        : problem_(problem), range_(delta_range(problem.delta.data(), static_cast<int>(problem.delta.size())))
    {
        Device::upload(problem.epsilon, epsilon_);
        Device::upload(problem.delta, delta_);
        buffer<double> m, k;
        buffer<ObservableConstants> obs;  // by pointer: 4 kB of kernel arguments would need CUDA ≥ 12.1
        Device::upload(problem.m_zd_gev, m);
        Device::upload(problem.mass_inputs, k);
        Device::upload(std::vector<ObservableConstants>{problem.observables}, obs);
        const int n = static_cast<int>(problem.m_zd_gev.size());
        Device::upload(std::vector<MassTerms>(static_cast<std::size_t>(n)), mass_);
        Device::upload(std::vector<MassPulls>(static_cast<std::size_t>(n)), mass_pulls_);
        MassTermsArgs a;
        a.obs = Device::raw(obs);
        a.n = n;
        a.m_zd_gev = Device::raw(m);
        a.mass_inputs = Device::raw(k);
        a.terms = Device::raw(mass_);
        a.pulls = Device::raw(mass_pulls_);
        Device::launch_mass_terms(a);  // synchronous: done when it returns
    }

    /// Work still queued (a scan stopped by an error or a stop request) ends before its buffers are freed.
    ~DeviceScanEngine() override
    {
        for (Slot& s : slot_) Device::drain(s.stream);
    }
    DeviceScanEngine(const DeviceScanEngine&) = delete;
    DeviceScanEngine& operator=(const DeviceScanEngine&) = delete;

    std::string name() const override { return Device::name(); }
    std::string device() const override { return Device::device(); }
    std::int64_t preferred_tile_points() const override { return Device::preferred_tile_points(); }
    int max_tiles_in_flight() const override { return slots; }
    double kernel_seconds() const override { return kernel_seconds_; }

    /// A slot's device buffers per cell: the walk's partial minima and their indices per δ chunk, then χ²_min,
    /// the exact δ and the argmin (the full grid's slab is counted by the driver).
    std::int64_t tile_bytes_per_cell(int n_delta) const override
    {
        const WalkShape s = walk_shape(n_delta, 1);
        return s.n_chunks * static_cast<std::int64_t>(sizeof(double) + sizeof(int)) + 2 * sizeof(double) + sizeof(int);
    }

    std::vector<MassTerms> mass_terms() const override
    {
        std::vector<MassTerms> host;
        Device::download(mass_, host);
        return host;
    }

    void evaluate_tile(const Tile& tile, bool want_full, TileResult& out) override
    {
        if (in_flight_ != 0) throw std::logic_error("evaluate_tile: finish the tiles in flight first");
        start_tile(tile, want_full);
        finish_tile(out);
    }

    void start_tile(const Tile& tile, bool want_full) override
    {
        if (in_flight_ == slots) throw std::logic_error("start_tile: finish a tile first (two are in flight)");
        Slot& s = slot_[(oldest_ + in_flight_) % slots];
        const int n_delta = static_cast<int>(problem_.delta.size());
        const long long n_cells = tile.cells();
        s.n_cells = static_cast<std::size_t>(n_cells);
        s.n_delta = static_cast<std::size_t>(n_delta);
        s.exact = problem_.delta_profile == DeltaProfile::exact;
        s.want_full = want_full;
        WalkShape shape = walk_shape(n_delta, n_cells);
        // ZDSCAN_FAULT=device (tests, tools/device_check.sh): the walk of tile ZDSCAN_FAULT_AFTER_TILES is launched
        // with a grid of no blocks, which the runtime refuses: the scan must end with that one error (exit 1).
        if (fault_.kind == "device" && fault_.after == tiles_started_) shape.n_blocks = 0;
        ++tiles_started_;
        // The slot is idle (finished or never used): its buffers may be resized, on its own stream (they grow,
        // never shrink, and start with no contents: every value the kernels read is written first).
        Device::resize(s.part_min, static_cast<std::size_t>(n_cells * shape.n_chunks), s.stream);
        Device::resize(s.part_arg, static_cast<std::size_t>(n_cells * shape.n_chunks), s.stream);
        Device::resize(s.chi2_min, s.n_cells, s.stream);
        Device::resize(s.argmin, s.n_cells, s.stream);
        Device::resize(s.delta_at_min, s.exact ? s.n_cells : 0, s.stream);
        Device::resize(s.full, want_full ? s.n_cells * s.n_delta : 0, s.stream);
        Device::resize(s.profile_bits, s.n_delta, s.stream);
        Device::resize(s.first_nonfinite, 1, s.stream);
        s.host_chi2_min.resize(s.n_cells);
        s.host_argmin.resize(s.n_cells);
        s.host_delta_at_min.resize(s.exact ? s.n_cells : 0);
        s.host_full.resize(want_full ? s.n_cells * s.n_delta : 0);
        // The starting values go up from the pinned buffers the results later come back to (one stream: in order).
        s.host_profile_bits.resize(s.n_delta);
        for (std::size_t k = 0; k < s.n_delta; ++k) s.host_profile_bits.data()[k] = double_bits(HUGE_VAL);
        s.host_first_nonfinite.resize(1);
        s.host_first_nonfinite.data()[0] = ~0ULL;
        Device::copy_to_device(s.host_profile_bits, s.n_delta, s.profile_bits, s.stream);
        Device::copy_to_device(s.host_first_nonfinite, 1, s.first_nonfinite, s.stream);

        WalkArgs w;
        w.mass = Device::raw(mass_pulls_);
        w.epsilon = Device::raw(epsilon_);
        w.delta = Device::raw(delta_);
        w.n_delta = n_delta;
        w.tile = tile;
        w.n_cells = n_cells;
        w.part_min = Device::raw(s.part_min);
        w.part_arg = Device::raw(s.part_arg);
        w.profile_bits = Device::raw(s.profile_bits);
        w.first_nonfinite = Device::raw(s.first_nonfinite);
        w.full = want_full ? Device::raw(s.full) : nullptr;
        Device::record(s.kernels_begin, s.stream);
        if (shape.j == 4) Device::template launch_walk<4>(w, shape, s.stream);
        else if (shape.j == 8) Device::template launch_walk<8>(w, shape, s.stream);
        else Device::template launch_walk<16>(w, shape, s.stream);

        FinishArgs f;
        f.mass = w.mass;
        f.epsilon = w.epsilon;
        f.delta = w.delta;
        f.n_delta = n_delta;
        f.range = range_;
        f.exact = s.exact;
        f.tile = tile;
        f.n_cells = n_cells;
        f.n_chunks = shape.n_chunks;
        f.part_min = w.part_min;
        f.part_arg = w.part_arg;
        f.chi2_min = Device::raw(s.chi2_min);
        f.argmin = Device::raw(s.argmin);
        f.delta_at_min = s.exact ? Device::raw(s.delta_at_min) : nullptr;
        f.first_nonfinite = w.first_nonfinite;
        Device::launch_finish(f, s.stream);
        Device::record(s.kernels_end, s.stream);

        Device::copy_to_host(s.chi2_min, s.n_cells, s.host_chi2_min, s.stream);
        Device::copy_to_host(s.argmin, s.n_cells, s.host_argmin, s.stream);
        if (s.exact) Device::copy_to_host(s.delta_at_min, s.n_cells, s.host_delta_at_min, s.stream);
        Device::copy_to_host(s.profile_bits, s.n_delta, s.host_profile_bits, s.stream);
        if (want_full) Device::copy_to_host(s.full, s.n_cells * s.n_delta, s.host_full, s.stream);
        Device::copy_to_host(s.first_nonfinite, 1, s.host_first_nonfinite, s.stream);
        ++in_flight_;
    }

    void finish_tile(TileResult& out) override
    {
        if (in_flight_ == 0) throw std::logic_error("finish_tile: no tile in flight");
        Slot& s = slot_[oldest_];
        oldest_ = (oldest_ + 1) % slots;
        --in_flight_;
        Device::wait(s.stream, "the tile's kernels and copies");
        kernel_seconds_ += Device::elapsed(s.kernels_begin, s.kernels_end);
        out.chi2_min.assign(s.host_chi2_min.data(), s.host_chi2_min.data() + s.n_cells);
        out.argmin.assign(s.host_argmin.data(), s.host_argmin.data() + s.n_cells);
        if (s.exact) out.delta_at_min.assign(s.host_delta_at_min.data(), s.host_delta_at_min.data() + s.n_cells);
        else out.delta_at_min.clear();
        out.delta_profile.resize(s.n_delta);
        for (std::size_t k = 0; k < s.n_delta; ++k) out.delta_profile[k] = bits_double(s.host_profile_bits.data()[k]);
        if (s.want_full) out.full.assign(s.host_full.data(), s.host_full.data() + s.n_cells * s.n_delta);
        else out.full.clear();
        const unsigned long long bad = s.host_first_nonfinite.data()[0];
        out.first_nonfinite = bad == ~0ULL ? -1 : static_cast<std::int64_t>(bad);
    }

  private:
    /// One tile in flight: its stream, its device buffers and the pinned host buffers its results come back to.
    struct Slot
    {
        typename Device::Stream stream;
        typename Device::Event kernels_begin, kernels_end;  ///< around the tile's kernels (kernel_seconds)
        buffer<double> chi2_min, delta_at_min, full, part_min;
        buffer<int> argmin, part_arg;
        buffer<unsigned long long> profile_bits, first_nonfinite;
        pinned<double> host_chi2_min, host_delta_at_min, host_full;
        pinned<int> host_argmin;
        pinned<unsigned long long> host_profile_bits, host_first_nonfinite;
        std::size_t n_cells = 0, n_delta = 0;
        bool exact = false, want_full = false;
    };

    ScanProblem problem_;
    DeltaRange range_;
    buffer<double> epsilon_, delta_;
    buffer<MassTerms> mass_;
    buffer<MassPulls> mass_pulls_;  ///< pull factors per mass (pull_polynomial.hpp)
    std::array<Slot, slots> slot_;
    int oldest_ = 0;     ///< the slot finish_tile waits for next
    int in_flight_ = 0;  ///< tiles started and not finished
    double kernel_seconds_ = 0;
    FaultInjection fault_ = FaultInjection::from_environment(0);
    std::int64_t tiles_started_ = 0;
};
}  // namespace zdscan::kernels
