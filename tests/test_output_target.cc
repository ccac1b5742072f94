// What may be replaced at --out, the one-writer lock, stale temporary files, and `summary` on untrusted files.
#include <gtest/gtest.h>
#include <hdf5.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>

#include "scan_test_configs.hpp"
#include "zdscan/cli/interrupts.hpp"
#include "zdscan/io/output_target.hpp"
#include "zdscan/io/registered_output_lock.hpp"
#include "zdscan/analysis/summary.hpp"
#include "zdscan/io/scan_file.hpp"

namespace zdscan
{
namespace
{
namespace fs = std::filesystem;

class OutputTarget : public ::testing::Test
{
  protected:
    void SetUp() override
    {
        dir_ = fs::temp_directory_path() / ("zdscan_output_tests_" + std::to_string(::getpid()));
        fs::remove_all(dir_);
        fs::create_directories(dir_);
    }
    void TearDown() override
    {
        fs::permissions(dir_, fs::perms::owner_all, fs::perm_options::add);
        fs::remove_all(dir_);
    }
    std::string path(const std::string& name) const { return (dir_ / name).string(); }

    /// A real (tiny) result file at `name`.
    std::string result(const std::string& name) const
    {
        const auto c = test::small_paper_config(3, 3, 3);
        ScanOptions o;
        o.backend = Backend::cpu;
        ScanFileWriter w(path(name), c, false);
        w.commit(run_scan(c, o, {}, nullptr));
        return path(name);
    }

    static void expect_refused(const std::string& target, const OutputRules& rules, const std::string& fragment)
    {
        try
        {
            check_output_target(target, rules);
            ADD_FAILURE() << "not refused: " << target;
        }
        catch (const OutputRefused& e)
        {
            EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
            EXPECT_EQ(std::string(e.what()).rfind("--out: ", 0), 0u) << e.what();
        }
    }

    fs::path dir_;
};

TEST_F(OutputTarget, DefaultPathFromAConfigNameStaysInTheWorkingDirectory)
{
    EXPECT_EQ(default_output_path("paper2021"), "paper2021.h5");
    EXPECT_EQ(default_output_path("../escaped"), "_escaped.h5");
    EXPECT_EQ(default_output_path("/etc/passwd"), "_etc_passwd.h5");
    EXPECT_EQ(default_output_path(""), "zdscan.h5");
    EXPECT_EQ(default_output_path("..."), "zdscan.h5");
    EXPECT_EQ(default_output_path(".hidden"), "hidden.h5");
    EXPECT_EQ(default_output_path("fit 2025 (a_mu)"), "fit_2025__a_mu_.h5");
}

TEST_F(OutputTarget, TemporaryFileIsHiddenBesideTheTargetAndNamesItsProcess)
{
    const std::string t = temporary_path_for(path("x.h5"));
    EXPECT_EQ(t.rfind(path(".x.h5.zdscan-tmp."), 0), 0u) << t;
    EXPECT_EQ(t.substr(t.rfind('.') + 1), std::to_string(::getpid()));
    EXPECT_EQ(temporary_path_for("x.h5").rfind(".x.h5.zdscan-tmp.", 0), 0u);
}

TEST_F(OutputTarget, OnlyAPreviousResultIsReplacedWithoutForce)
{
    EXPECT_NO_THROW(check_output_target(path("new.h5"), {}));
    EXPECT_NO_THROW(check_output_target(result("old.h5"), {}));
    EXPECT_TRUE(is_zdscan_result(path("old.h5")));

    std::ofstream(path("notes.txt")) << "my notes";
    EXPECT_FALSE(is_zdscan_result(path("notes.txt")));
    expect_refused(path("notes.txt"), {}, "is not a zdscan result");
    EXPECT_NO_THROW(check_output_target(path("notes.txt"), {true, ""}));

    // An HDF5 file that zdscan did not write is not a result either.
    const hid_t f = H5Fcreate(path("other.h5").c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    H5Fclose(f);
    EXPECT_FALSE(is_zdscan_result(path("other.h5")));
    expect_refused(path("other.h5"), {}, "is not a zdscan result");
}

TEST_F(OutputTarget, ConfigLinksDirectoriesAndDevicesAreAlwaysRefused)
{
    std::ofstream(path("my.json")) << "{}";
    expect_refused(path("my.json"), {true, path("my.json")}, "is the config file");
    fs::create_symlink(path("my.json"), path("alias.json"));
    expect_refused(path("my.json"), {true, path("alias.json")}, "is the config file");

    fs::create_symlink(result("r.h5"), path("link.h5"));
    expect_refused(path("link.h5"), {true, ""}, "symbolic link");
    fs::create_directory(path("adir"));
    expect_refused(path("adir"), {true, ""}, "is a directory");
    expect_refused(path("adir") + "/", {true, ""}, "names a directory");
    expect_refused("/dev/null", {true, ""}, "not a regular file");
    expect_refused("", {true, ""}, "empty path");
}

TEST_F(OutputTarget, DirectoryProblemsCarryTheSystemReason)
{
    expect_refused(path("missing/x.h5"), {}, "No such file or directory");
    std::ofstream(path("file")) << "x";
    expect_refused(path("file/x.h5"), {}, "is not a directory");
}

TEST_F(OutputTarget, ReadOnlyResultNeedsForce)
{
    result("ro.h5");
    fs::permissions(path("ro.h5"), fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read);
    expect_refused(path("ro.h5"), {}, "read-only");
    EXPECT_NO_THROW(check_output_target(path("ro.h5"), {true, ""}));
}

TEST_F(OutputTarget, OneWriterPerTarget)
{
    {
        const OutputLock first(path("x.h5"));
        EXPECT_TRUE(fs::exists(first.path()));
        try
        {
            const OutputLock second(path("x.h5"));
            ADD_FAILURE() << "second lock taken";
        }
        catch (const std::runtime_error& e)
        {
            EXPECT_NE(std::string(e.what()).find("another zdscan run (pid " + std::to_string(::getpid())),
                      std::string::npos)
                << e.what();
        }
        const OutputLock other_target(path("y.h5"));  // another target is independent
    }
    EXPECT_FALSE(fs::exists(path(".x.h5.zdscan-lock")));  // released and removed
    const OutputLock again(path("x.h5"));
}

/// A handler that removes the registered files, as the Python guard's does; exits 77 so the parent knows it ran.
extern "C" void remove_and_exit_77(int sig)
{
    if (defer_cleanup_signal(sig)) return;
    remove_cleanup_files_now();
    ::_exit(77);
}

/// Runs body in a child with remove_and_exit_77 on SIGTERM; returns its exit code (-1: not a normal exit).
template<class Body>
int in_child_with_cleanup_handler(Body body)
{
    const pid_t child = ::fork();
    if (child == 0)
    {
        std::signal(SIGTERM, remove_and_exit_77);
        body();
        ::_exit(0);
    }
    int status = 0;
    ::waitpid(child, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST_F(OutputTarget, ASignalWhileTheLockIsMadeIsHeldUntilItIsRegisteredThenRemovesIt)
{
    // SIGTERM arrives before the lock file exists and is delivered once it is registered: the handler removes it.
    // (The lock was once registered after its constructor returned: a signal in between left the file behind.)
    const std::string lock_file = path(".x.h5.zdscan-lock");
    const int code = in_child_with_cleanup_handler(
        [&]
        {
            CleanupDeferral window;  // stands for the instant between open(O_CREAT) and the registration
            ::raise(SIGTERM);        // held back: the handler returned at once
            if (fs::exists(lock_file)) ::_exit(3);
            const RegisteredOutputLock lock(path("x.h5"));
            if (!fs::exists(lock_file)) ::_exit(4);
            window.end();  // delivered now: the handler removes the lock and exits 77
            ::_exit(5);
        });
    EXPECT_EQ(code, 77);
    EXPECT_FALSE(fs::exists(lock_file));

    // Without a deferral the handler acts at once; after the lock is released nothing is registered any more.
    EXPECT_EQ(in_child_with_cleanup_handler([] { ::raise(SIGTERM); }), 77);
    const int after_release = in_child_with_cleanup_handler(
        [&]
        {
            {
                const RegisteredOutputLock lock(path("x.h5"));
            }
            std::ofstream(lock_file) << "another run's lock\n";  // not ours: must survive our signal
            ::raise(SIGTERM);
        });
    EXPECT_EQ(after_release, 77);
    EXPECT_TRUE(fs::exists(lock_file));
}

TEST_F(OutputTarget, StaleTemporariesOfDeadProcessesAreRemovedOthersReported)
{
    const pid_t child = ::fork();
    if (child == 0) ::_exit(0);
    ::waitpid(child, nullptr, 0);  // a pid that no longer runs
    const std::string mine = temporary_path_for(path("x.h5"));
    const std::string host_part = mine.substr(0, mine.rfind('.') + 1);
    const std::string dead = host_part + std::to_string(child);
    const std::string alive = host_part + std::to_string(::getppid());
    const std::string elsewhere = path(".x.h5.zdscan-tmp.othernode.123");
    const std::string legacy = path("x.h5.tmp." + std::to_string(child));
    const std::string unrelated = path(".y.h5.zdscan-tmp.othernode.123");
    for (const auto& f : {dead, alive, elsewhere, legacy, unrelated, mine}) std::ofstream(f) << "partial";

    const auto report = clean_stale_temporaries(path("x.h5"));
    EXPECT_FALSE(fs::exists(dead));
    EXPECT_FALSE(fs::exists(legacy));
    EXPECT_TRUE(fs::exists(alive));
    EXPECT_TRUE(fs::exists(elsewhere));
    EXPECT_TRUE(fs::exists(unrelated));
    EXPECT_TRUE(fs::exists(mine));  // this process's own file is not stale
    ASSERT_EQ(report.size(), 4u);
    std::string all;
    for (const auto& line : report) all += line + "\n";
    EXPECT_NE(all.find("removed " + dead), std::string::npos) << all;
    EXPECT_NE(all.find("host othernode"), std::string::npos) << all;
    EXPECT_NE(all.find("still running"), std::string::npos) << all;
}

TEST_F(OutputTarget, WriterRemovesItsTemporaryOnEveryPathThatDoesNotCommit)
{
    const auto c = test::small_paper_config(3, 3, 3);
    {
        ScanFileWriter w(path("x.h5"), c, true);
        EXPECT_TRUE(fs::exists(w.temporary_path()));
    }
    {
        ScanFileWriter w(path("x.h5"), c, false);
        ScanOptions o;
        o.backend = Backend::cpu;
        const auto out = run_scan(c, o, {}, nullptr);
        EXPECT_THROW(w.commit(out, [] { throw ScanInterrupted(); }), ScanInterrupted);  // a stop before the rename
    }
    EXPECT_TRUE(fs::is_empty(dir_));
}

/// A result file with one dataset replaced by `make` (HDF5 C API): how a damaged or hostile file looks.
void replace_dataset(const std::string& file, const char* name, const std::function<void(hid_t, const char*)>& make)
{
    const hid_t f = H5Fopen(file.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    ASSERT_GE(f, 0);
    H5Ldelete(f, name, H5P_DEFAULT);
    make(f, name);
    H5Fclose(f);
}

void write_doubles(hid_t f, const char* name, const std::vector<double>& v)
{
    const hsize_t n = v.size();
    const hid_t space = H5Screate_simple(1, &n, nullptr);
    const hid_t set = H5Dcreate2(f, name, H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(set, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data());
    H5Dclose(set);
    H5Sclose(space);
}

void expect_read_error(const std::string& file, const std::string& fragment)
{
    try
    {
        read_scan_file(file);
        ADD_FAILURE() << "no error for " << file;
    }
    catch (const std::runtime_error& e)
    {
        EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
        EXPECT_EQ(std::string(e.what()).rfind(file, 0), 0u) << "the message names the file: " << e.what();
    }
}

TEST_F(OutputTarget, SummaryReadsAreBoundedAndChecked)
{
    // A profile declaring 2^29 values (never written: the file stays small) is refused before any allocation.
    replace_dataset(result("huge.h5"), "/profile1d/chi2_delta",
                    [](hid_t f, const char* name)
                    {
                        const hsize_t n = 1ULL << 29;
                        const hid_t space = H5Screate_simple(1, &n, nullptr);
                        const hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
                        H5Pset_alloc_time(dcpl, H5D_ALLOC_TIME_LATE);
                        H5Dclose(H5Dcreate2(f, name, H5T_IEEE_F64LE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT));
                        H5Pclose(dcpl);
                        H5Sclose(space);
                    });
    EXPECT_LT(fs::file_size(path("huge.h5")), 1u << 20);
    expect_read_error(path("huge.h5"), "has 536870912 values where its axis has 3");

    replace_dataset(result("nan.h5"), "/profile1d/chi2_epsilon",
                    [](hid_t f, const char* name) {
                        write_doubles(f, name, {1.0, NAN, 2.0});
                    });
    expect_read_error(path("nan.h5"), "/profile1d/chi2_epsilon[1] is not finite");

    // A negative value on a log axis (the axis is a dimension scale: rewrite its values in place).
    const std::string neg = result("neg.h5");
    {
        const hid_t f = H5Fopen(neg.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
        const hid_t set = H5Dopen2(f, "/axes/m_zd_mev", H5P_DEFAULT);
        const double v[3] = {-1.0, 2.0, 3.0};
        H5Dwrite(set, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v);
        H5Dclose(set);
        H5Fclose(f);
    }
    expect_read_error(neg, "on a log axis");
}

TEST_F(OutputTarget, SummaryFromMemoryEqualsSummaryFromTheFile)
{
    const auto c = test::small_paper_config(6, 5, 4);
    ScanOptions o;
    o.backend = Backend::cpu;
    ScanFileWriter w(path("s.h5"), c, false);
    const auto out = run_scan(c, o, {}, nullptr);
    w.commit(out);
    EXPECT_EQ(format_summary(summary_contents(out)), format_summary(read_scan_file(path("s.h5"))));
}
}  // namespace
}  // namespace zdscan

namespace zdscan
{
namespace
{
TEST_F(OutputTarget, AFileRecordsTheApvDerivationItUsed)
{
    nlohmann::json j = nlohmann::json::parse(default_config_json());
    j["measurements"][1]["exp"] = "reanalysis";
    j["measurements"][1].erase("exp_sigma");
    ScanConfig c = parse_config(j);
    c.m_zd_mev.n = c.epsilon.n = c.delta.n = 3;
    ScanOptions o;
    o.backend = Backend::cpu;
    {
        ScanFileWriter w(path("derived.h5"), c, false);
        w.commit(run_scan(c, o, {}, nullptr));
    }
    const hid_t f = H5Fopen(path("derived.h5").c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    const hid_t apv = H5Gopen2(f, "/apv", H5P_DEFAULT);
    auto read_string = [&](const char* name)
    {
        const hid_t attr = H5Aopen(apv, name, H5P_DEFAULT);
        const hid_t type = H5Tcopy(H5T_C_S1);
        H5Tset_size(type, H5T_VARIABLE);
        H5Tset_cset(type, H5T_CSET_UTF8);
        char* data = nullptr;
        H5Aread(attr, type, &data);
        std::string s = data ? data : "";
        H5free_memory(data);
        H5Tclose(type);
        H5Aclose(attr);
        return s;
    };
    EXPECT_EQ(read_string("qw_cs_source"), "reanalysis");
    const auto record = nlohmann::json::parse(read_string("reanalysis"));
    EXPECT_NEAR(record["result"]["qw"]["value"].get<double>(), -72.94, 0.02);
    EXPECT_EQ(record["inputs"]["skin_source"], "prex");
    EXPECT_EQ(record["result"]["r_n_fm"]["equation"], "19");
    double qw = 0;
    const hid_t attr = H5Aopen(apv, "qw_cs_exp", H5P_DEFAULT);
    H5Aread(attr, H5T_NATIVE_DOUBLE, &qw);
    H5Aclose(attr);
    EXPECT_DOUBLE_EQ(qw, record["result"]["qw"]["value"].get<double>());
    H5Gclose(apv);
    H5Fclose(f);
}
}  // namespace
}  // namespace zdscan
