/// \file bindings.cc
/// The Python module zdscan._core (nanobind): the same C++ as the command line. The Python package
/// (python/zdscan) wraps it into the documented API; this layer only converts types and releases the GIL.
#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <Python.h>

#include <atomic>
#include <chrono>
#include <exception>
#include <future>
#include <map>
#include <thread>

#include "zdscan/build_config.hpp"
#include "zdscan/io/apv_report.hpp"
#include "zdscan/io/config.hpp"
#include "zdscan/io/output_target.hpp"
#include "zdscan/io/scan_file.hpp"
#include "zdscan/physics/pull_polynomial.hpp"
#include "zdscan/scan/scan_driver.hpp"

namespace nb = nanobind;

namespace zdscan
{
namespace
{
using Column = nb::ndarray<const double, nb::ndim<1>, nb::c_contig, nb::device::cpu>;
using Table = nb::ndarray<nb::numpy, double, nb::ndim<2>>;

/// Configs cross the boundary as JSON text; the C++ reader validates them (same messages as the CLI).
ScanConfig config_from(const std::string& json_text, const std::string& origin)
{
    return parse_config_text(json_text, origin);
}

/// χ² of every measurement and the total at n points (m_Zd [MeV], ε, δ): rows are the measurements in config
/// order, then the total. The same cubic pulls as the scan, so the total equals the file's /chi2/total bit for bit.
Table chi2_points(const std::string& config_json, Column m_mev, Column eps, Column delta)
{
    const std::size_t n = m_mev.shape(0);
    if (eps.shape(0) != n || delta.shape(0) != n)
    {
        throw std::invalid_argument("chi2: m_zd_mev, epsilon and delta must have the same length");
    }
    const ScanConfig config = config_from(config_json, "config");
    const PhysicsSetup setup = make_physics_setup(config.physics);
    const MassTermsAt mass_at(config.physics, setup.observables);
    const ObservableConstants& obs = setup.observables;
    const std::size_t rows = static_cast<std::size_t>(obs.n) + 1;
    auto* out = new double[rows * n];
    nb::capsule owner(out, [](void* p) noexcept { delete[] static_cast<double*>(p); });
    {
        nb::gil_scoped_release release;
        std::map<double, MassPulls> mass;  // the quadratures, K and pull factors once per distinct mass
        for (std::size_t i = 0; i < n; ++i)
        {
            const double m = m_mev(i);
            if (!(m > 0)) throw std::invalid_argument("chi2: m_zd_mev must be > 0 (got " + std::to_string(m) + ")");
            auto it = mass.find(m);
            if (it == mass.end()) it = mass.emplace(m, mass_pulls(obs, mass_at(m))).first;
            const CellPulls pulls = cell_pulls(it->second, eps(i));
            for (int s = 0; s < pulls.n; ++s)
            {
                const double p = evaluate(pulls.p[s], delta(i));
                out[static_cast<std::size_t>(pulls.measurement[s]) * n + i] = p * p;
            }
            out[static_cast<std::size_t>(obs.n) * n + i] = chi2_total(pulls, delta(i));
        }
    }
    return Table(out, {rows, n}, owner);
}

/// Runs a scan and writes its file to out_path, as `zdscan scan` does. The scan runs on a worker thread with the
/// GIL released; this thread polls for Python signals, so Ctrl-C stops the scan at its next tile (KeyboardInterrupt,
/// nothing written).
void scan_to_file(const std::string& config_json, const std::string& out_path, bool force, int n_m, int n_eps,
                  int n_delta, const std::string& backend, int threads, bool full_grid,
                  const std::string& delta_profile, const std::vector<double>& delta_slices,
                  const std::string& command_line)
{
    ScanConfig config = config_from(config_json, "config");
    if (n_m > 0) config.m_zd_mev.n = n_m;
    if (n_eps > 0) config.epsilon.n = n_eps;
    if (n_delta > 0) config.delta.n = n_delta;
    validate_grid(config);
    ScanOptions options;
    options.backend = parse_backend(backend);
    options.threads = threads;
    options.full_grid = full_grid;
    options.delta_profile = parse_delta_profile(delta_profile);
    options.delta_slices = delta_slices;
    std::atomic<bool> cancel{false};
    options.cancel = &cancel;

    const OutputRules rules{force, ""};
    check_output_target(out_path, rules);
    const OutputLock lock(out_path);
    auto work = std::async(std::launch::async,
                           [&]
                           {
                               ScanFileWriter writer(out_path, config, options.full_grid);
                               writer.set_command_line(command_line);
                               const ScanOutput out = run_scan(
                                   config, options,
                                   [&](const Tile& tile, const std::vector<double>& chi2)
                                   { writer.write_full_slab(tile, chi2); },
                                   nullptr);
                               writer.commit(out,
                                             [&]
                                             {
                                                 check_cancel(options.cancel);
                                                 check_output_target_before_rename(out_path, rules);
                                             });
                           });
    bool interrupted = false;
    {
        nb::gil_scoped_release release;
        while (work.wait_for(std::chrono::milliseconds(50)) != std::future_status::ready)
        {
            nb::gil_scoped_acquire acquire;
            if (PyErr_CheckSignals() != 0)  // e.g. KeyboardInterrupt raised by the SIGINT handler
            {
                interrupted = true;
                cancel = true;
                break;
            }
        }
        if (interrupted) work.wait();
    }
    if (interrupted)
    {
        try
        {
            work.get();
        }
        catch (const ScanInterrupted&)
        {
        }
        throw nb::python_error();  // the pending KeyboardInterrupt
    }
    work.get();  // rethrows the scan's exception, if any
}

std::string apv_json(const std::string& config_json, bool alternatives)
{
    return apv_report_json(config_from(config_json, "config").apv_reanalysis, alternatives).dump();
}
}  // namespace
}  // namespace zdscan

NB_MODULE(_core, m)
{
    using namespace zdscan;
    m.doc() = "zdscan's C++ core: config validation, chi2 at points, scans, the APV reanalysis";
    nb::register_exception_translator(
        [](const std::exception_ptr& p, void*)
        {
            try
            {
                std::rethrow_exception(p);
            }
            catch (const ConfigError& e)
            {
                PyErr_SetString(PyExc_ValueError, e.what());
            }
            catch (const OutputRefused& e)
            {
                PyErr_SetString(PyExc_FileExistsError, e.what());
            }
            catch (const NonFiniteChi2& e)
            {
                PyErr_SetString(PyExc_FloatingPointError, e.what());
            }
        });
    m.attr("__version__") = ZDSCAN_VERSION;
    m.def(
        "default_config", [] { return to_json(default_config()).dump(); },
        "The embedded default config (configs/paper2021.json), resolved, as JSON text.");
    m.def(
        "resolve_config",
        [](const std::string& text, const std::string& origin) { return to_json(config_from(text, origin)).dump(); },
        nb::arg("text"), nb::arg("origin"),
        "Validates a config (JSON text) and returns it with every default filled in; ValueError names the field.");
    m.def("chi2", &chi2_points, nb::arg("config"), nb::arg("m_zd_mev"), nb::arg("epsilon"), nb::arg("delta"),
          "chi2 of each measurement (rows, config order) and the total (last row) at n points.");
    m.def("scan_to_file", &scan_to_file, nb::arg("config"), nb::arg("out"), nb::arg("force"), nb::arg("n_m"),
          nb::arg("n_eps"), nb::arg("n_delta"), nb::arg("backend"), nb::arg("threads"), nb::arg("full_grid"),
          nb::arg("delta_profile"), nb::arg("delta_slices"), nb::arg("command_line"),
          "Runs a scan and writes its HDF5 file (GIL released; Ctrl-C stops it, nothing written).");
    m.def("apv", &apv_json, nb::arg("config"), nb::arg("alternatives"),
          "The Q_W(133Cs) reanalysis of the config's apv_reanalysis block, as JSON text.");
    m.def("cuda_device_count", &cuda_device_count);
}
