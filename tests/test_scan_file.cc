// The HDF5 result file: complete layout, values equal to the in-memory scan, atomic replacement.
#include <gtest/gtest.h>
#include <hdf5.h>
#include <hdf5_hl.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "scan_test_configs.hpp"
#include "zdscan/analysis/summary.hpp"
#include "zdscan/io/scan_file.hpp"

namespace zdscan
{
namespace
{
namespace fs = std::filesystem;

fs::path scratch_dir()
{
    const auto dir = fs::temp_directory_path() / ("zdscan_file_tests_" + std::to_string(::getpid()));
    fs::create_directories(dir);
    return dir;
}

std::vector<double> read_dataset(hid_t file, const char* name, std::vector<hsize_t>* dims = nullptr)
{
    const hid_t set = H5Dopen2(file, name, H5P_DEFAULT);
    EXPECT_GE(set, 0) << name;
    const hid_t space = H5Dget_space(set);
    std::vector<hsize_t> d(static_cast<std::size_t>(H5Sget_simple_extent_ndims(space)));
    H5Sget_simple_extent_dims(space, d.data(), nullptr);
    std::vector<double> v(static_cast<std::size_t>(H5Sget_simple_extent_npoints(space)));
    H5Dread(set, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data());
    H5Sclose(space);
    H5Dclose(set);
    if (dims)
    {
        *dims = d;
    }
    return v;
}

ScanOutput scan_to_file(const ScanConfig& c, const fs::path& path, bool full, std::vector<double>* full_grid)
{
    ScanOptions o;
    o.backend = Backend::cpu;
    o.full_grid = full;
    o.tile_masses = 3;
    ScanFileWriter writer(path.string(), c, full);
    const auto out = run_scan(
        c, o,
        [&](const Tile& t, const std::vector<double>& chi2)
        {
            writer.write_full_slab(t, chi2);
            if (full_grid) full_grid->insert(full_grid->end(), chi2.begin(), chi2.end());
        },
        nullptr);
    writer.commit(out);
    return out;
}

TEST(ScanFile, LayoutAndValues)
{
    const auto dir = scratch_dir();
    const auto path = dir / "small.h5";
    const auto c = test::small_paper_config(11, 9, 7);
    std::vector<double> full;
    const auto out = scan_to_file(c, path, true, &full);
    EXPECT_TRUE(fs::exists(path));
    for (const auto& entry : fs::directory_iterator(dir))
    {
        EXPECT_EQ(entry.path().string().find(".zdscan-tmp."), std::string::npos) << "temporary left: " << entry.path();
    }

    const hid_t file = H5Fopen(path.string().c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    ASSERT_GE(file, 0);
    std::vector<hsize_t> dims;
    EXPECT_EQ(read_dataset(file, "/axes/m_zd_mev"), c.m_zd_mev.values());
    EXPECT_EQ(read_dataset(file, "/axes/epsilon"), c.epsilon.values());
    EXPECT_EQ(read_dataset(file, "/axes/delta"), c.delta.values());
    EXPECT_EQ(read_dataset(file, "/m_zd_mev"), c.m_zd_mev.values());  // root hard link for netCDF readers
    EXPECT_EQ(read_dataset(file, "/profile/chi2_total", &dims), out.chi2_total);
    EXPECT_EQ(dims, (std::vector<hsize_t>{11, 9}));
    EXPECT_EQ(read_dataset(file, "/profile/argmin_delta"), out.argmin_delta);
    for (std::size_t i = 0; i < c.physics.measurements.size(); ++i)
    {
        EXPECT_EQ(read_dataset(file, ("/profile/chi2_" + c.physics.measurements[i].name).c_str()), out.chi2_terms[i]);
    }
    EXPECT_EQ(read_dataset(file, "/measurements/exp")[0], 0.0719);  // the table, in config order
    EXPECT_EQ(read_dataset(file, "/measurements/z")[1], 55.0);
    EXPECT_TRUE(std::isnan(read_dataset(file, "/measurements/z")[0]));
    EXPECT_EQ(read_dataset(file, "/profile1d/chi2_m_zd_mev"), out.profile_m);
    EXPECT_EQ(read_dataset(file, "/profile1d/chi2_epsilon"), out.profile_eps);
    EXPECT_EQ(read_dataset(file, "/profile1d/chi2_delta"), out.profile_delta);
    const auto k = read_dataset(file, "/apv/k_apv_cs");
    ASSERT_EQ(k.size(), 11u);
    for (std::size_t j = 0; j < k.size(); ++j) EXPECT_EQ(k[j], out.mass_inputs[j * mass_inputs_per_mass + 1]);
    EXPECT_EQ(read_dataset(file, "/chi2/total", &dims), full);
    EXPECT_EQ(dims, (std::vector<hsize_t>{11, 9, 7}));

    // Dimension scales: /profile/chi2_total is indexed by (m_zd_mev, epsilon).
    const hid_t set = H5Dopen2(file, "/profile/chi2_total", H5P_DEFAULT);
    const hid_t m_axis = H5Dopen2(file, "/axes/m_zd_mev", H5P_DEFAULT);
    const hid_t e_axis = H5Dopen2(file, "/axes/epsilon", H5P_DEFAULT);
    EXPECT_GT(H5DSis_attached(set, m_axis, 0), 0);
    EXPECT_GT(H5DSis_attached(set, e_axis, 1), 0);
    H5Dclose(set);
    H5Dclose(m_axis);
    H5Dclose(e_axis);
    H5Fclose(file);

    const auto back = read_scan_file(path.string());
    EXPECT_EQ(back.name, c.name);
    EXPECT_EQ(back.backend, "cpu");
    EXPECT_EQ(back.best.chi2, out.best.chi2);
    EXPECT_EQ(back.best.m_zd_mev, out.best.m_zd_mev);
    EXPECT_EQ(back.best.delta, out.best.delta);
    EXPECT_EQ(back.measurements, (std::vector<std::string>{"qweak", "apv_cs", "a_mu", "a_e"}));
    EXPECT_EQ(back.best.terms.at(2), out.best.terms.term[2]);
    EXPECT_EQ(back.refined.chi2, out.refined.chi2);
    EXPECT_EQ(back.refined.epsilon, out.refined.epsilon);
    EXPECT_EQ(back.refined.terms.at(0), out.refined.terms.term[0]);
    EXPECT_EQ(back.refined_converged, out.refined.converged);
    EXPECT_TRUE(back.m_log);
    EXPECT_FALSE(back.delta_log);
    EXPECT_NE(format_summary(back).find("(1 sigma) intervals"), std::string::npos);
    fs::remove_all(dir);
}

TEST(ScanFile, AbandonedWriteLeavesThePreviousFileIntact)
{
    const auto dir = scratch_dir();
    const auto path = dir / "keep.h5";
    const auto c = test::small_paper_config(5, 4, 3);
    const auto first = scan_to_file(c, path, false, nullptr);
    const auto size_before = fs::file_size(path);
    {
        ScanFileWriter writer(path.string(), test::small_paper_config(6, 6, 6), true);
        // …a run that fails before commit (exception, Ctrl-C handled as an exception, …)
    }
    EXPECT_EQ(fs::file_size(path), size_before);
    EXPECT_EQ(read_scan_file(path.string()).best.chi2, first.best.chi2);
    for (const auto& entry : fs::directory_iterator(dir))
    {
        EXPECT_EQ(entry.path().string().find(".zdscan-tmp."), std::string::npos) << "temporary left: " << entry.path();
    }
    fs::remove_all(dir);
}

TEST(ScanFile, ReadingANonResultFileFailsClearly)
{
    const auto dir = scratch_dir();
    const auto path = dir / "not.h5";
    std::ofstream(path) << "not hdf5";
    EXPECT_THROW(read_scan_file(path.string()), std::runtime_error);
    EXPECT_THROW(ScanFileWriter((dir / "missing_dir" / "x.h5").string(), default_config(), false), std::runtime_error);
    fs::remove_all(dir);
}
}  // namespace
}  // namespace zdscan
