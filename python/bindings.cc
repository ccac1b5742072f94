/// \file bindings.cc
/// The Python module zdscan._core (nanobind): the same C++ as the command line. The Python package
/// (python/zdscan) wraps it into the documented API; this layer only converts types and releases the GIL.
#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <Python.h>
#include <signal.h>

#include <atomic>
#include <cmath>
#include <chrono>
#include <exception>
#include <functional>
#include <future>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <thread>

#include "zdscan/build_config.hpp"
#include "zdscan/io/apv_report.hpp"
#include "zdscan/io/config.hpp"
#include "zdscan/io/input_file.hpp"
#include "zdscan/cli/interrupts.hpp"
#include "zdscan/io/output_target.hpp"
#include "zdscan/io/registered_output_lock.hpp"
#include "zdscan/io/scan_file.hpp"
#include "zdscan/physics/weak_charges.hpp"
#include "zdscan/physics/pull_polynomial.hpp"
#include "zdscan/scan/scan_driver.hpp"
#include "zdscan/io/coverage_file.hpp"
#include "zdscan/stats/coverage.hpp"
#include "zdscan/stats/coverage_inputs.hpp"
#include "zdscan/stats/toy_backend.hpp"

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

/// A validated config with its physics set up once (the ŝ² running, the pins, the Cs Dirac solution of K: ~3 ms),
/// so that χ² at a new point costs the per-mass terms (~10 µs: quadratures, K, pull factors) and a cubic per
/// measurement. zdscan.Model and zdscan.chi2 use it; the physics is the scan's, bit for bit.
class Model
{
  public:
    explicit Model(const std::string& config_json)
        : config_(config_from(config_json, "config")), setup_(make_physics_setup(config_.physics)),
          mass_at_(config_.physics, setup_.observables)
    {
    }
    Model(const Model&) = delete;  // mass_at_ points into setup_
    Model& operator=(const Model&) = delete;

    int measurements() const { return setup_.observables.n; }
    /// The measurements' names in the scan's order (a poisson0 meson_decay is two: <name> and <name>_phase).
    std::vector<std::string> names() const
    {
        std::vector<std::string> out;
        for (const auto& m : config_.physics.measurements) out.push_back(m.name);
        return out;
    }

    /// χ² of every measurement and the total at n points (m_Zd [MeV], ε, δ): rows are the measurements in config
    /// order, then the total. The same cubic pulls as the scan, so the total equals the file's /chi2/total bit
    /// for bit.
    Table chi2(Column m_mev, Column eps, Column delta) const
    {
        const std::size_t n = m_mev.shape(0);
        if (eps.shape(0) != n || delta.shape(0) != n)
        {
            throw std::invalid_argument("chi2: m_zd_mev, epsilon and delta must have the same length");
        }
        for (std::size_t i = 0; i < n; ++i) check_point(m_mev(i), eps(i), delta(i), i, true);
        const ObservableConstants& obs = setup_.observables;
        const std::size_t rows = static_cast<std::size_t>(obs.n) + 1;
        auto* out = new double[rows * n];
        nb::capsule owner(out, [](void* p) noexcept { delete[] static_cast<double*>(p); });
        {
            nb::gil_scoped_release release;
            std::map<double, MassPulls> mass;  // the quadratures, K and pull factors once per distinct mass
            for (std::size_t i = 0; i < n; ++i)
            {
                const double m = m_mev(i);
                auto it = mass.find(m);
                if (it == mass.end()) it = mass.emplace(m, pulls_at_mass(m)).first;
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

    /// dχ²/dδ at one point, exact: Σ 2 p_k p_k′ over the cubic pulls.
    static double delta_slope(Model& model, double m_mev, double eps, double delta)
    {
        model.total(m_mev, eps, delta);  // checks the point, sets the mass's terms
        return chi2_total_slope(cell_pulls(model.last_pulls_, eps), delta);
    }

    /// The total at one point, for minimisers: no arrays, the GIL held (a few µs), the last mass's terms reused.
    double total(double m_mev, double eps, double delta)
    {
        check_point(m_mev, eps, delta, 0, false);
        if (!(m_mev == last_mass_)) last_pulls_ = pulls_at_mass(m_mev), last_mass_ = m_mev;
        return chi2_total(cell_pulls(last_pulls_, eps), delta);
    }

  private:
    /// The ranges a config's grid may take (docs/config.md, "Ranges"): inside them every χ² is finite, outside
    /// (m = 1e300, ε = 1e200, NaN) it would be NaN. ValueError naming the argument (and the point of an array).
    static void check_point(double m, double eps, double delta, std::size_t i, bool array)
    {
        auto refuse = [&](const char* name, double v, const char* range)
        {
            char text[160];
            std::snprintf(text, sizeof text, "%s%s must be %s (got %g)", name,
                          array ? ("[" + std::to_string(i) + "]").c_str() : "", range, v);
            throw std::invalid_argument(std::string("chi2: ") + text);
        };
        if (!(m >= min_m_zd_mev && m <= max_m_zd_mev)) refuse("m_zd_mev", m, "a finite mass in [1e-6, 1e6] MeV");
        if (!(std::fabs(eps) <= max_abs_mixing)) refuse("epsilon", eps, "finite with |epsilon| <= 1");
        if (!(std::fabs(delta) <= max_abs_mixing)) refuse("delta", delta, "finite with |delta| <= 1");
    }

    MassPulls pulls_at_mass(double m) const
    {
        if (!(m > 0) || !std::isfinite(m))
        {
            char text[64];
            std::snprintf(text, sizeof text, "%g", m);
            throw std::invalid_argument("chi2: m_zd_mev must be a finite number > 0 (got " + std::string(text) + ")");
        }
        return mass_pulls(setup_.observables, mass_at_(m));
    }

    ScanConfig config_;
    PhysicsSetup setup_;
    MassTermsAt mass_at_;
    double last_mass_ = std::nan("");
    MassPulls last_pulls_{};
};

/// Runs a scan and writes its file to out_path, as `zdscan scan` does. The scan runs on a worker thread with the
/// GIL released; this thread polls for Python signals, so Ctrl-C stops the scan at its next tile (KeyboardInterrupt,
/// nothing written).
/// Removes the temporary file if a signal with the default (fatal) action ends the process during a scan from
/// Python: SIGTERM and SIGHUP (Python leaves both at the default). SIGINT stays Python's (KeyboardInterrupt, below).
/// Installed only where the disposition is the default, and restored afterwards.
class TemporaryFileGuard
{
  public:
    explicit TemporaryFileGuard(const std::string& path)
    {
        register_cleanup_file(CleanupSlot::temporary_file, path.c_str());
        for (int sig : {SIGTERM, SIGHUP})
        {
            struct sigaction old = {};
            if (::sigaction(sig, nullptr, &old) == 0 && old.sa_handler == SIG_DFL)
            {
                struct sigaction action = {};
                action.sa_handler = &TemporaryFileGuard::on_signal;
                sigemptyset(&action.sa_mask);
                ::sigaction(sig, &action, nullptr);
                installed_.push_back(sig);
            }
        }
    }
    ~TemporaryFileGuard()
    {
        for (int sig : installed_) ::signal(sig, SIG_DFL);
        register_cleanup_file(CleanupSlot::temporary_file, nullptr);
    }
    TemporaryFileGuard(const TemporaryFileGuard&) = delete;
    TemporaryFileGuard& operator=(const TemporaryFileGuard&) = delete;

  private:
    static void on_signal(int sig)
    {
        if (defer_cleanup_signal(sig)) return;  // raised again once the lock file is registered
        remove_cleanup_files_now();  // async-signal-safe
        ::signal(sig, SIG_DFL);
        ::raise(sig);  // the default action: the process ends by this signal, as it would have
    }
    std::vector<int> installed_;
};

/// What a call from Python that writes out_path holds while it runs: the handlers that remove its temporary file
/// and its lock if SIGTERM or SIGHUP ends the process, installed before either file exists (a SIGTERM while the
/// writer created its file once left the file and the lock behind), then the lock, registered for removal.
class GuardedOutput
{
  public:
    explicit GuardedOutput(const std::string& out_path) : guard_(temporary_path_for(out_path)), lock_(out_path)
    {
        clean_stale_temporaries(out_path);
    }
    GuardedOutput(const GuardedOutput&) = delete;
    GuardedOutput& operator=(const GuardedOutput&) = delete;

  private:
    TemporaryFileGuard guard_;  // first in, last out
    RegisteredOutputLock lock_;
};

/// Runs work on a worker thread with the GIL released while this thread polls for Python signals: Ctrl-C sets
/// cancel (the work stops at its next check, KeyboardInterrupt, nothing written). work sets committed once its
/// result is renamed into place.
void run_released(std::atomic<bool>& cancel, const std::function<void(std::atomic<bool>&)>& body)
{
    std::atomic<bool> committed{false};
    auto work = std::async(std::launch::async, [&] { body(committed); });
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
        catch (...)
        {
            throw nb::python_error();  // the pending KeyboardInterrupt wins over the work's own error
        }
        if (!committed)
        {
            throw nb::python_error();  // the pending KeyboardInterrupt: nothing was written
        }
        // The interrupt came after the result was renamed into place: the file is complete, so the call returns
        // normally (an exception now would say "nothing written" about a file that is there).
        PyErr_Clear();
    }
    work.get();  // rethrows the work's exception, if any
}

/// `zdscan coverage` from Python (zdscan.coverage): the same inputs, output policy and numbers; no MPI, no checkpoint.
void coverage_to_file(const std::string& input, const std::string& out_path, bool force, long long toys,
                      const std::string& cl, const std::string& points, double band_low, double band_high,
                      unsigned long long seed, int threads, const std::string& backend,
                      const std::string& command_line)
{
    if (toys < min_toys || toys > max_toys)
        throw ConfigError("toys=: must be an integer between " + std::to_string(min_toys) + " and "
                          + std::to_string(max_toys) + " (got " + std::to_string(toys) + ")");
    const int max_threads = max_cpu_threads();
    if (threads < 0 || threads > max_threads)
        throw ConfigError("threads=: must be 0 (all) or between 1 and " + std::to_string(max_threads));
    CoverageOptions options;
    options.toys = toys;
    options.seed = seed;
    options.threads = threads;
    options.cl = parse_coverage_levels(cl, "cl=");
    options.points.band_low = band_low;
    options.points.band_high = band_high;
    if (!(band_low >= 0 && band_high > band_low))
        throw ConfigError("band=: must be (low, high) with 0 <= low < high");
    const ResultInput result_input = read_result_input(input);
    const CoverageGrid grid = make_coverage_grid(result_input.config, threads);
    check_grid_matches_result(result_input, grid);
    set_coverage_points(options.points, points, grid, "points=");
    const auto toy_backend = make_toy_backend(backend, grid, threads, 0);
    options.backend = toy_backend.get();
    options.points_per_batch = toy_backend->preferred_points_per_batch();
    std::atomic<bool> cancel{false};
    options.cancel = &cancel;
    OutputRules rules;
    rules.force = force;
    rules.inputs = {input};
    rules.option = "out=";
    check_output_target(out_path, rules);
    const GuardedOutput output(out_path);
    run_released(cancel, [&](std::atomic<bool>& committed)
                 {
                     const CoverageResult result = run_coverage(grid, options);
                     const auto intervals = run_interval_coverage(grid, options);
                     CoverageProvenance provenance;
                     provenance.command_line = command_line;
                     provenance.device = toy_backend->device();
                     write_coverage_file(result_input, out_path, grid, result, intervals, provenance,
                                         [&]
                                         {
                                             check_cancel(options.cancel);
                                             check_output_target_before_rename(out_path, rules);
                                         });
                     committed = true;
                 });
}

void scan_to_file(const std::string& config_json, const std::string& config_path, const std::string& out_path,
                  bool force, int n_m, int n_eps, int n_delta, const std::string& backend, int threads,
                  bool full_grid, const std::string& delta_profile, const std::vector<double>& delta_slices,
                  const std::string& command_line, const std::string& store_text, int deflate, bool posterior,
                  const std::string& delta_prior)
{
    const ScanFileWriter::Store store = ScanFileWriter::parse_store(store_text, "store=");
    ScanFileWriter::check_deflate(deflate, full_grid, "deflate=", "full_grid=True");
    ScanConfig config = config_from(config_json, "config");
    if (n_m > 0) config.m_zd_mev.n = n_m;
    if (n_eps > 0) config.epsilon.n = n_eps;
    if (n_delta > 0) config.delta.n = n_delta;
    validate_grid(config);
    validate_delta_slices(delta_slices, config, "delta_slices=");
    ScanOptions options;
    options.backend = parse_backend(backend);
    const int max_threads = max_cpu_threads();
    if (threads < 0 || threads > max_threads)
    {
        throw ConfigError("threads=: must be 0 (all) or between 1 and " + std::to_string(max_threads) + " (got "
                          + std::to_string(threads) + ")");
    }
    options.threads = threads;
    options.full_grid = full_grid;
    options.delta_profile = parse_delta_profile(delta_profile);
    options.delta_slices = delta_slices;
    options.posterior = posterior;
    if (!delta_prior.empty())
    {
        if (!posterior) throw ConfigError("delta_prior=: applies to posterior=True only");
        options.delta_prior = parse_delta_prior(delta_prior, config.delta.min, config.delta.max, "delta_prior=");
    }
    std::atomic<bool> cancel{false};
    options.cancel = &cancel;

    OutputRules rules;
    rules.force = force;
    rules.config_path = config_path;  // zdscan.scan("my.json", out="my.json") must not replace the config
    rules.option = "out=";
    check_output_target(out_path, rules);
    const GuardedOutput output(out_path);
    run_released(cancel, [&](std::atomic<bool>& committed)
                 {
                     ScanFileWriter writer(out_path, config, options.full_grid);
                     writer.set_command_line(command_line);
                     writer.set_store(store);
                     writer.set_full_grid_deflate(deflate);
                     const ScanOutput out = run_scan(
                         config, options,
                         [&](const Tile& tile, const std::vector<double>& chi2) { writer.write_full_slab(tile, chi2); },
                         nullptr);
                     writer.commit(out,
                                   [&]
                                   {
                                       check_cancel(options.cancel);
                                       check_output_target_before_rename(out_path, rules);
                                   });
                     committed = true;
                 });
}

OutputKind output_kind(const std::string& kind)
{
    if (kind == "result") return OutputKind::result_file;
    if (kind == "file") return OutputKind::text_file;
    if (kind == "directory") return OutputKind::directory;
    throw std::invalid_argument("output kind must be result, file or directory (got " + kind + ")");
}

OutputRules output_rules(const std::string& kind, bool force, const std::vector<std::string>& inputs,
                         const std::string& option)
{
    OutputRules rules;
    rules.force = force;
    rules.kind = output_kind(kind);
    rules.inputs = inputs;
    rules.option = option;
    return rules;
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
    // Models held by module-level caches (zdscan.chi2) or user globals live until the interpreter's last teardown,
    // after nanobind's leak check: not leaks, and the warning would alarm users at every exit.
    nb::set_leak_warnings(false);
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
            catch (const InputFileError& e)
            {
                PyErr_SetString(PyExc_ValueError, e.what());
            }
            catch (const InvalidResultFile& e)
            {
                PyErr_SetString(PyExc_ValueError, e.what());
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
    nb::class_<Model>(m, "Model", "A validated config with its physics set up once (zdscan.Model).")
        .def(nb::init<const std::string&>(), nb::arg("config"))
        .def_prop_ro("measurements", &Model::measurements)
        .def_prop_ro("names", &Model::names)
        .def("chi2", &Model::chi2, nb::arg("m_zd_mev"), nb::arg("epsilon"), nb::arg("delta"),
             "chi2 of each measurement (rows, config order) and the total (last row) at n points.")
        .def("total", &Model::total, nb::arg("m_zd_mev"), nb::arg("epsilon"), nb::arg("delta"),
             "The total chi2 at one point (for minimisers).");
    m.def("scan_to_file", &scan_to_file, nb::arg("config"), nb::arg("config_path"), nb::arg("out"), nb::arg("force"),
          nb::arg("n_m"),
          nb::arg("n_eps"), nb::arg("n_delta"), nb::arg("backend"), nb::arg("threads"), nb::arg("full_grid"),
          nb::arg("delta_profile"), nb::arg("delta_slices"), nb::arg("command_line"), nb::arg("store"),
          nb::arg("deflate"), nb::arg("posterior"), nb::arg("delta_prior") = "",
          "Runs a scan and writes its HDF5 file (GIL released; Ctrl-C stops it, nothing written).");
    m.def("coverage_to_file", &coverage_to_file, nb::arg("input"), nb::arg("out_path"), nb::arg("force"),
          nb::arg("toys"), nb::arg("cl"), nb::arg("points"), nb::arg("band_low"), nb::arg("band_high"),
          nb::arg("seed"), nb::arg("threads"), nb::arg("backend"), nb::arg("command_line"),
          "Toy-based Feldman-Cousins regions of a result, written to out_path (as `zdscan coverage`; GIL released).");
    m.def("apv", &apv_json, nb::arg("config"), nb::arg("alternatives"),
          "The Q_W(133Cs) reanalysis of the config's apv_reanalysis block, as JSON text.");
    m.def("cuda_device_count", &cuda_device_count);
    m.def(
        "read_config_file",
        [](const std::string& path)
        {
            // A result file (HDF5's signature) gives its stored config, validated against its own axes; anything
            // else is read as a JSON config of at most 16 MB. A FIFO never blocks (the check comes first).
            require_regular_file(path, "config");
            char head[8] = {};
            std::ifstream(path, std::ios::binary).read(head, sizeof head);
            if (std::memcmp(head, "\x89HDF\r\n\x1a\n", 8) == 0) return to_json(read_result_config(path)).dump();
            return read_regular_file(path, max_config_bytes, "config");
        },
        nb::arg("path"),
        "A config's text: a JSON file of at most 16 MB, or a result file's stored config (ValueError otherwise; a FIFO "
        "never blocks).");
    m.def("delta_slope", &Model::delta_slope, nb::arg("model"), nb::arg("m_zd_mev"), nb::arg("epsilon"), nb::arg("delta"),
          "The exact dchi2/ddelta at one point (the pulls are cubics in delta).");
    // The output policy of every writer (docs/output.md, "Safety"), shared with the command line.
    m.def(
        "check_output_target",
        [](const std::string& target, const std::string& kind, bool force, const std::vector<std::string>& inputs,
           const std::string& option) { check_output_target(target, output_rules(kind, force, inputs, option)); },
        nb::arg("target"), nb::arg("kind"), nb::arg("force"), nb::arg("inputs"), nb::arg("option"),
        "Raises FileExistsError (naming option) when the output policy forbids writing target. kind: result, file, "
        "directory.");
    m.def(
        "check_output_target_before_rename",
        [](const std::string& target, const std::string& kind, bool force, const std::vector<std::string>& inputs,
           const std::string& option)
        { check_output_target_before_rename(target, output_rules(kind, force, inputs, option)); },
        nb::arg("target"), nb::arg("kind"), nb::arg("force"), nb::arg("inputs"), nb::arg("option"),
        "The same check just before the rename: RuntimeError when the target became unusable meanwhile.");
    m.def("temporary_path_for", &temporary_path_for, nb::arg("target"),
          "The temporary name beside target: .<name>.zdscan-tmp.<host>.<pid>.");
    m.def("clean_stale_temporaries", &clean_stale_temporaries, nb::arg("target"),
          "Removes temporary files and directories of dead zdscan processes for target; one line for each.");
    m.attr("directory_marker") = directory_marker;
    m.attr("submission_marker") = submission_marker;
    m.attr("figure_marker") = figure_marker;
    // (1 − α/2π) of eqs. (13), (14), (24), (26): the figures turn a weak charge into ŝ² with the fit's own slope.
    m.attr("weak_charge_qed_factor") = weak_charge_qed_factor();
}
