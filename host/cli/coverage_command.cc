/// \file coverage_command.cc
#include "coverage_command.hpp"

#include <cstdio>

#include "parse_count.hpp"
#include "zdscan/build_config.hpp"
#include "zdscan/cli/interrupts.hpp"
#include "zdscan/io/coverage_file.hpp"
#include "zdscan/io/output_target.hpp"
#include "zdscan/io/registered_output_lock.hpp"
#include "zdscan/scan/checkpoint.hpp"
#include "zdscan/scan/progress.hpp"
#include "zdscan/scan/scan_driver.hpp"
#include "zdscan/stats/coverage.hpp"
#include "zdscan/stats/coverage_inputs.hpp"
#include "zdscan/stats/interval_coverage.hpp"
#include "zdscan/stats/toy_backend.hpp"
#include "zdscan/util/crc32c.hpp"
#include "zdscan/util/number_text.hpp"

namespace zdscan
{
namespace
{
/// What the run found, on stdout (CoverageResult::levels, as `zdscan summary` prints them from the file).
void print_report(const CoverageResult& r, const std::string& out_path)
{
    std::printf("Feldman-Cousins toys: %lld tested cells x %lld toys (seed %llu; %s) -> %s\n",
                static_cast<long long>(r.tested.size()), static_cast<long long>(r.toys),
                static_cast<unsigned long long>(r.seed), r.points_rule.c_str(), out_path.c_str());
    std::printf("  %-9s %-8s %-26s %-22s %s\n", "CL", "Wilks", "toy critical Delta chi2", "Wilks coverage",
                "cells: FC / Wilks");
    for (std::size_t k = 0; k < r.cl.size(); ++k)
    {
        const auto& l = r.levels[k];
        char level[16], crit[48], cov[48];
        std::snprintf(level, sizeof level, "%.4g%%", 100 * r.cl[k]);
        if (r.tested.empty())
        {
            std::snprintf(crit, sizeof crit, "(no cell tested)");
            std::snprintf(cov, sizeof cov, "-");
        }
        else
        {
            std::snprintf(crit, sizeof crit, "%.3f to %.3f", l.crit_min, l.crit_max);
            std::snprintf(cov, sizeof cov, "%.3f to %.3f", l.coverage_min, l.coverage_max);
        }
        std::printf("  %-9s %-8.3f %-26s %-22s %lld / %lld\n", level, r.wilks[k], crit, cov,
                    static_cast<long long>(l.fc_cells), static_cast<long long>(l.wilks_cells));
    }
}
}  // namespace

CLI::App* add_coverage_command(CLI::App& app, CoverageArgs& a)
{
    auto* cmd = app.add_subcommand(
        "coverage",
        "Toy-based Feldman-Cousins regions of (m_Zd, epsilon) and the coverage of the Wilks regions, from a result "
        "file (/coverage; docs/statistics.md)");
    cmd->add_option("file", a.input, "zdscan HDF5 result (its config and grid are used)")
        ->required()
        ->check(CLI::ExistingFile);
    cmd->add_option("--toys", a.toys, "pseudo-datasets per tested cell, 10 to 10000000 (default 1000)")
        ->type_name("NUMBER");
    cmd->add_option("--cl", a.cl, "confidence levels in % (default 68,90,95; 68 is 68.27 %)")->type_name("CL,...");
    cmd->add_option("--points", a.points,
                    "cells to test: near-contour (default: data Delta chi2 within --band x a Wilks threshold), all, "
                    "or a file of 'm_zd_mev epsilon' lines")
        ->type_name("RULE|FILE");
    cmd->add_option("--band", a.band, "near-contour band, LOW,HIGH x the Wilks threshold (default 0.25,2.5)")
        ->type_name("LOW,HIGH");
    cmd->add_option("--seed", a.seed, "random seed, 0 to 2^64-1 (default 1)")->type_name("NUMBER");
    cmd->add_option("--out", a.out_path,
                    "output HDF5 file (default: <file>-coverage.h5): a copy of the result with /coverage; replaces "
                    "only a previous zdscan result (never the input) unless --force")
        ->type_name("FILE");
    cmd->add_flag("--force", a.force, "replace any regular file at --out (never the input)");
    cmd->add_option("--threads", a.threads, "CPU threads (default: all)")->type_name("NUMBER");
    cmd->add_option("--backend", a.backend,
                    "cpu, cuda or auto (cuda when a GPU is present); cuda-emulated runs the CUDA toy kernel on the CPU "
                    "(tests); all give the same numbers")
        ->check(CLI::IsMember({"cpu", "cuda", "cuda-emulated", "auto"}));
    cmd->add_flag("--resume", a.resume, "continue from the checkpoint an interrupted run left beside --out");
    cmd->add_option("--checkpoint-interval", a.checkpoint_interval,
                    "seconds between two saves of the checkpoint, 0 to 86400 (default 60)")
        ->type_name("NUMBER");
    cmd->add_flag("--no-checkpoint", a.no_checkpoint, "keep no checkpoint");
    cmd->add_option("--max-minutes", a.max_minutes,
                    "stop starting batches after this many minutes of toys, keep them in the checkpoint and exit 75; "
                    "the same command with --resume continues (one process; under MPI the scheduler's SIGTERM does "
                    "this)")
        ->type_name("MINUTES");
    cmd->add_flag("--quiet", a.quiet, "no progress and no report on success");
    return cmd;
}

int run_coverage_command(const CoverageArgs& a, ParallelJob& job)
{
    const bool collector = job.rank() == 0;
    CoverageOptions options;
    options.toys = parse_count("--toys", a.toys, min_toys, max_toys);
    options.cl = parse_coverage_levels(a.cl, "--cl");
    options.seed = parse_count<std::uint64_t>("--seed", a.seed, 0, ~std::uint64_t{0});
    options.threads = threads_option(a.threads, job);
    double checkpoint_interval_s = 60;
    if (!a.checkpoint_interval.empty())
        checkpoint_interval_s = static_cast<double>(parse_count("--checkpoint-interval", a.checkpoint_interval, 0, 86400));
    if (a.resume && a.no_checkpoint) throw ConfigError("--resume: cannot be combined with --no-checkpoint");
    if (!a.max_minutes.empty())
    {
        const auto minutes = whole_number(a.max_minutes);
        if (!minutes || !(*minutes > 0 && *minutes <= 525600))
            throw ConfigError("--max-minutes: must be a number of minutes above 0 and at most 525600 (got \""
                              + a.max_minutes + "\")");
        options.max_seconds = 60.0 * *minutes;
        if (a.no_checkpoint)
            throw ConfigError("--max-minutes: needs the checkpoint (what is done is kept there), not --no-checkpoint");
        if (job.size() > 1)
            throw ConfigError("--max-minutes: one process only; under MPI give the job a time limit, whose SIGTERM "
                              "keeps the checkpoint (docs/cluster.md)");
    }
    set_coverage_band(options.points, a.band, "--band");
    const ResultInput input = read_result_input(a.input);
    const ScanConfig& config = input.config;
    const CoverageGrid grid = make_coverage_grid(config, options.threads);
    check_grid_matches_result(input, grid);
    set_coverage_points(options.points, a.points, grid, "--points");
    const auto backend = make_toy_backend(a.backend, grid, options.threads, job.local_rank());
    options.backend = backend.get();
    options.points_per_batch = backend->preferred_points_per_batch();
    options.cancel = &interrupt_requested();
    options.exchange = job.exchange();
    options.rank = job.rank();

    const std::string out_path = a.out_path.empty() ? default_coverage_path(a.input) : a.out_path;
    OutputRules rules;
    rules.force = a.force;
    rules.inputs = {a.input};
    install_interrupt_handlers();
    if (!collector)
    {
        run_coverage(grid, options);  // this rank's batches, to rank 0
        return 0;
    }
    check_output_target(out_path, rules);
    const RegisteredOutputLock lock(out_path);
    for (const auto& line : clean_stale_temporaries(out_path)) std::fprintf(stderr, "[zdscan] %s\n", line.c_str());
    const std::string tmp_path = temporary_path_for(out_path);  // kept alive: the handler holds its pointer
    register_cleanup_file(CleanupSlot::temporary_file, tmp_path.c_str());

    std::unique_ptr<Checkpoint> checkpoint;
    if (!a.no_checkpoint)
    {
        // What a resumed run must share: the scan's config and every option that changes a number.
        nlohmann::json identity = {{"scan", to_json(config)},
                                   {"input_crc32c", input.crc32c},
                                   {"input_bytes", input.size},
                                   {"toys", options.toys},
                                   {"seed", std::to_string(options.seed)},
                                   {"cl", options.cl},
                                   {"points", a.points == "near-contour" || a.points == "all" ? a.points : "file"},
                                   {"band", {options.points.band_low, options.points.band_high}},
                                   // a points file by its cells' checksum (the list can be long)
                                   {"listed_cells_crc32c",
                                    crc32c(options.points.cells.data(),
                                           options.points.cells.size() * sizeof(std::int64_t))},
                                   {"listed_cells", options.points.cells.size()}};
        checkpoint = std::make_unique<Checkpoint>(
            out_path, CheckpointIdentity{ZDSCAN_VERSION, identity, "coverage", false}, a.resume, checkpoint_interval_s);
        options.journal = checkpoint.get();
    }
    options.on_restored = [](std::int64_t restored, std::int64_t total)
    {
        std::fprintf(stderr, "[zdscan] resumed: %lld of %lld batches of tested cells from the checkpoint\n",
                     static_cast<long long>(restored), static_cast<long long>(total));
    };
    const auto tested = select_coverage_points(grid, options.points, options.cl);
    if (!a.quiet)
    {
        std::fprintf(stderr, "[zdscan] coverage of %s: %lld tested cells x %lld toys -> %s%s\n", a.input.c_str(),
                     static_cast<long long>(tested.size()), static_cast<long long>(options.toys), out_path.c_str(),
                     job.size() > 1 ? (" (" + std::to_string(job.size()) + " MPI ranks)").c_str() : "");
    }
    auto progress = ProgressReporter::for_stderr(static_cast<std::int64_t>(tested.size()) * options.toys, "toys");
    if (!a.quiet) options.progress = &progress;
    CoverageResult result;
    try
    {
        result = run_coverage(grid, options);
    }
    catch (...)
    {
        if (checkpoint) checkpoint->conclude_failed_run(a.resume, "batches");
        throw;
    }
    if (!a.quiet) std::fprintf(stderr, "[zdscan] the 1-D intervals of m_Zd and epsilon (toys on the CPU)\n");
    const auto intervals = run_interval_coverage(grid, options);
    CoverageProvenance provenance;
    provenance.command_line = a.command_line;
    provenance.device = backend->device();
    provenance.ranks = job.size();
    if (checkpoint) provenance.prior_wall_time_s = checkpoint->prior_wall_time_s();
    try
    {
        write_coverage_file(input, out_path, grid, result, intervals, provenance,
                            [&]
                            {
                                check_cancel(options.cancel);
                                check_output_target_before_rename(out_path, rules);
                            });
    }
    catch (...)
    {
        // The toys are kept (hours of them, maybe): a full disk or a file-size limit is fixed and the run resumed.
        if (checkpoint) checkpoint->conclude_failed_run(a.resume, "batches");
        throw;
    }
    register_cleanup_file(CleanupSlot::temporary_file, nullptr);
    if (checkpoint) checkpoint->remove();
    for (const auto& w : result.warnings) std::fprintf(stderr, "[zdscan] warning: %s\n", w.c_str());
    if (!a.quiet) print_report(result, out_path);
    return 0;
}
}  // namespace zdscan
