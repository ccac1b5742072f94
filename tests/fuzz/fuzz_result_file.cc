/// \file fuzz_result_file.cc
/// libFuzzer target: `zdscan summary`'s reader (read_scan_file, format_summary, summary_json) on crafted result
/// files. Structure-aware: the input's bytes choose, for every object the reader uses, whether it is absent,
/// right, an array where a scalar belongs, a string where a number belongs, of the wrong length or rank, or holds
/// NaN/inf/unordered values; the file is then written with the HDF5 library. (Raw-byte mutation would mostly fuzz
/// libhdf5's own parser, which is not zdscan's code.) InvalidResultFile is the expected answer; a crash, a sanitizer
/// report or another exception is a bug.
#include <hdf5.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "zdscan/analysis/summary.hpp"
#include "zdscan/io/scan_file.hpp"

namespace
{
using namespace zdscan;

/// Reads choices from the input; zeros when it runs out (zero = the right form).
class Choices
{
  public:
    Choices(const std::uint8_t* d, std::size_t n) : d_(d), n_(n) {}
    unsigned next(unsigned range) { return at_ < n_ ? d_[at_++] % range : 0; }
    double value()
    {
        switch (next(8))
        {
            case 1: return NAN;
            case 2: return INFINITY;
            case 3: return -1.0;
            case 4: return 0.0;
            case 5: return 1e300;
            default: return 1.0 + next(200) * 0.01;
        }
    }

  private:
    const std::uint8_t* d_;
    std::size_t n_, at_ = 0;
};

void number_attribute(hid_t where, const char* name, Choices& c, double good)
{
    const unsigned form = c.next(6);
    if (form == 1) return;  // absent
    hid_t space = form == 2 ? H5Screate_simple(1, std::vector<hsize_t>{1000}.data(), nullptr) : H5Screate(H5S_SCALAR);
    if (form == 3)  // a string where a number belongs
    {
        hid_t t = H5Tcopy(H5T_C_S1);
        H5Tset_size(t, H5T_VARIABLE);
        hid_t a = H5Acreate2(where, name, t, space, H5P_DEFAULT, H5P_DEFAULT);
        const char* s = "text";
        H5Awrite(a, t, &s);
        H5Aclose(a);
        H5Tclose(t);
    }
    else
    {
        std::vector<double> v(form == 2 ? 1000 : 1, form == 4 ? c.value() : good);
        hid_t a = H5Acreate2(where, name, H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT);
        H5Awrite(a, H5T_NATIVE_DOUBLE, v.data());
        H5Aclose(a);
    }
    H5Sclose(space);
}

void string_attribute(hid_t where, const char* name, Choices& c, const char* good)
{
    const unsigned form = c.next(5);
    if (form == 1) return;
    if (form == 2)
    {
        number_attribute(where, name, c, 1.0);
        return;
    }
    hid_t t = H5Tcopy(H5T_C_S1);
    if (form == 3)
        H5Tset_size(t, 7);  // fixed length
    else
        H5Tset_size(t, H5T_VARIABLE);
    const hsize_t n = 3;
    hid_t space = form == 4 ? H5Screate_simple(1, &n, nullptr) : H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(where, name, t, space, H5P_DEFAULT, H5P_DEFAULT);
    if (form == 3)
    {
        char buf[7] = {'l', 'o', 'g', 0, 0, 0, 0};
        H5Awrite(a, t, buf);
    }
    else
    {
        const char* s[3] = {good, good, good};
        H5Awrite(a, t, s);
    }
    H5Aclose(a);
    H5Tclose(t);
    H5Sclose(space);
}

/// A 1-D dataset of n doubles (its length, rank and values chosen by c), with increasing values when right.
void vector_dataset(hid_t file, const char* name, std::size_t n, Choices& c, double start, bool axis)
{
    const unsigned form = c.next(7);
    if (form == 1) return;
    std::size_t len = n;
    if (form == 2) len = c.next(2) ? 0 : n + 1 + c.next(5);
    if (form == 3) len = 1000001;  // one more than any axis may have
    std::vector<double> v(len);
    for (std::size_t i = 0; i < len; ++i) v[i] = start * std::pow(1.5, static_cast<double>(i));
    if (form == 4 && len > 0) v[c.next(static_cast<unsigned>(len))] = c.value();
    if (form == 5 && len > 1) std::swap(v[0], v[1]);
    std::vector<hsize_t> dims = {len};
    if (form == 6) dims = {1, len};
    hid_t space = H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr);
    hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
    H5Pset_create_intermediate_group(lcpl, 1);
    hid_t d = H5Dcreate2(file, name, H5T_IEEE_F64LE, space, lcpl, H5P_DEFAULT, H5P_DEFAULT);
    if (len > 0) H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data());
    if (axis) string_attribute(d, "scale", c, "log");
    H5Dclose(d);
    H5Pclose(lcpl);
    H5Sclose(space);
}

/// An [n0][n1] map (absent, right, wrong shape or rank, or holding a NaN, inf or negative value).
void map_dataset(hid_t file, const char* name, std::size_t n0, std::size_t n1, Choices& c)
{
    const unsigned form = c.next(6);
    if (form == 1) return;
    std::vector<hsize_t> dims = {n0, n1};
    if (form == 2) dims = {n0 + c.next(2), n1 + 1 - c.next(2)};
    if (form == 3) dims = {n0 * n1};
    std::size_t len = 1;
    for (hsize_t d : dims) len *= d;
    std::vector<double> v(len);
    for (std::size_t i = 0; i < len; ++i) v[i] = 0.5 * static_cast<double>(i % 7);
    if (form == 4 && len > 0) v[c.next(static_cast<unsigned>(len))] = c.value();
    hid_t space = H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr);
    hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
    H5Pset_create_intermediate_group(lcpl, 1);
    hid_t d = H5Dcreate2(file, name, H5T_IEEE_F64LE, space, lcpl, H5P_DEFAULT, H5P_DEFAULT);
    if (len > 0) H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data());
    H5Dclose(d);
    H5Pclose(lcpl);
    H5Sclose(space);
}

void names_dataset(hid_t file, Choices& c)
{
    const unsigned form = c.next(4);
    if (form == 1) return;
    hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
    H5Pset_create_intermediate_group(lcpl, 1);
    if (form == 2)
    {
        vector_dataset(file, "/measurements/measurement", 4, c, 1.0, false);
    }
    else
    {
        const char* names[20] = {"qweak", "apv_cs", "a_mu", "a_e"};
        for (int i = 4; i < 20; ++i) names[i] = "x";
        const hsize_t n = form == 3 ? 20 : 4;
        hid_t t = H5Tcopy(H5T_C_S1);
        H5Tset_size(t, H5T_VARIABLE);
        hid_t space = H5Screate_simple(1, &n, nullptr);
        hid_t d = H5Dcreate2(file, "/measurements/measurement", t, space, lcpl, H5P_DEFAULT, H5P_DEFAULT);
        H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, names);
        H5Dclose(d);
        H5Sclose(space);
        H5Tclose(t);
    }
    H5Pclose(lcpl);
    vector_dataset(file, "/measurements/enabled", 4, c, 1.0, false);
}

/// This process's scratch file, removed when the fuzzer exits (never destroyed before that handler runs).
const std::string& path_for_process()
{
    static const std::string* path = [] {
        auto* p = new std::string(
            (std::filesystem::temp_directory_path() / ("zdscan-fuzz-result." + std::to_string(::getpid()) + ".h5"))
                .string());
        std::atexit([] { std::remove(path_for_process().c_str()); });
        return p;
    }();
    return *path;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    static const std::string path = path_for_process();
    Choices c(data, size);
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    hid_t file = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (file < 0) return 0;
    string_attribute(file, "creator", c, "zdscan");
    string_attribute(file, "name", c, "fuzz");
    string_attribute(file, "backend", c, "cpu");
    string_attribute(file, "version", c, "0.1.0");
    const std::size_t n_m = 1 + c.next(6), n_eps = 1 + c.next(6), n_delta = 1 + c.next(6);
    vector_dataset(file, "/axes/m_zd_mev", n_m, c, 1.0, true);
    vector_dataset(file, "/axes/epsilon", n_eps, c, 1e-4, true);
    vector_dataset(file, "/axes/delta", n_delta, c, 1e-4, true);
    vector_dataset(file, "/profile1d/chi2_m_zd_mev", n_m, c, 1.0, false);
    vector_dataset(file, "/profile1d/chi2_epsilon", n_eps, c, 1.0, false);
    vector_dataset(file, "/profile1d/chi2_delta", n_delta, c, 1.0, false);
    map_dataset(file, "/profile/chi2_total", n_m, n_eps, c);
    if (H5Lexists(file, "/profile1d", H5P_DEFAULT) > 0)  // the refined interval ends (NaN, in or outside the axis)
    {
        hid_t p = H5Gopen2(file, "/profile1d", H5P_DEFAULT);
        for (const char* name : {"m_zd_mev_1sigma_refined_lower", "m_zd_mev_1sigma_refined_upper",
                                 "epsilon_1sigma_refined_lower", "epsilon_1sigma_refined_upper"})
        {
            number_attribute(p, name, c, 1.5);
        }
        H5Gclose(p);
    }
    names_dataset(file, c);
    if (c.next(8) != 1)
    {
        hid_t best = H5Gcreate2(file, "/bestfit", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        for (const char* prefix : {"", "refined_"})
        {
            for (const char* key : {"chi2_min", "m_zd_mev", "epsilon", "delta", "chi2_qweak", "chi2_apv_cs", "chi2_a_mu",
                                    "chi2_a_e"})
            {
                number_attribute(best, (std::string(prefix) + key).c_str(), c, 2.0);
            }
        }
        number_attribute(best, "refined_converged", c, 1.0);
        if (c.next(2))  // the SM and the pulls (absent in files from before them)
        {
            number_attribute(best, "sm_chi2", c, 20.0);
            for (const char* name : {"qweak", "apv_cs", "a_mu", "a_e"})
            {
                for (const char* prefix : {"sm_chi2_", "pull_sm_", "pull_refined_"})
                {
                    number_attribute(best, (std::string(prefix) + name).c_str(), c, 1.0);
                }
            }
        }
        H5Gclose(best);
    }
    H5Fclose(file);
    try
    {
        const ScanFileContents f = read_scan_file(path);
        const std::string text = format_summary(f, parse_summary_level("90"));
        const std::string json = summary_json(f, parse_summary_level("0.95")).dump();
        if (text.empty() || json.empty()) __builtin_trap();
    }
    catch (const InvalidResultFile&)
    {
    }
    return 0;
}
