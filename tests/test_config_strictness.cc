// Hostile and careless configs (issue: safe outputs and hostile inputs): what json::parse would accept
// silently, and values that would make χ² inf or NaN, are errors naming the field.
#include <gtest/gtest.h>

#include <string>

#include "zdscan/io/config.hpp"

namespace zdscan
{
namespace
{
using nlohmann::json;

std::string default_text()
{
    return default_config_json();
}

/// parse_config_text must fail with a message containing every fragment.
void expect_text_error(const std::string& text, std::initializer_list<std::string> fragments)
{
    try
    {
        parse_config_text(text, "test.json");
        ADD_FAILURE() << "no error";
    }
    catch (const ConfigError& e)
    {
        for (const auto& f : fragments)
        {
            EXPECT_NE(std::string(e.what()).find(f), std::string::npos) << "'" << f << "' not in: " << e.what();
        }
    }
}

void expect_error(const json& j, std::initializer_list<std::string> fragments)
{
    expect_text_error(j.dump(), fragments);
}

/// The default with one replacement in its text.
std::string replaced(const std::string& what, const std::string& with)
{
    std::string t = default_text();
    const auto at = t.find(what);
    EXPECT_NE(at, std::string::npos) << what;
    return t.replace(at, what.size(), with);
}

TEST(ConfigStrictness, DuplicateKeysAreErrorsWithTheirPath)
{
    expect_text_error(replaced("\"name\": \"paper2021\",", "\"name\": \"a\", \"name\": \"paper2021\","),
                      {"test.json: name: duplicate key"});
    expect_text_error(replaced("\"exp\": 0.0719,", "\"exp\": 0.0719, \"exp\": 0.08,"),
                      {"measurements[0].exp: duplicate key"});
    // The same key in two different objects is fine.
    EXPECT_NO_THROW(parse_config_text(default_text(), "test.json"));
}

TEST(ConfigStrictness, BytesAfterTheValueAreErrors)
{
    std::string with_nul = default_text();
    with_nul += std::string("\0garbage", 8);
    expect_text_error(with_nul, {"NUL byte at offset"});
    expect_text_error(default_text() + " {}", {"malformed JSON"});
    expect_text_error(default_text() + " garbage", {"malformed JSON"});
}

TEST(ConfigStrictness, UnderflowToZeroIsAnError)
{
    expect_text_error(replaced("\"sm_sigma\": 0.0002", "\"sm_sigma\": 1e-400"),
                      {"measurements[0].sm_sigma", "1e-400 underflows to 0"});
    // A literal zero, in any spelling, stays zero.
    EXPECT_NO_THROW(parse_config_text(replaced("\"sm_sigma\": 0.0002", "\"sm_sigma\": 0.0e-5"), "test.json"));
}

TEST(ConfigStrictness, HugeIntegersAreReportedAsWritten)
{
    json j = json::parse(default_text());
    j["grid"]["delta"]["n"] = 18446744073709551615ULL;
    expect_error(j, {"grid.delta.n", "18446744073709551615"});
    j["grid"]["delta"]["n"] = -1;
    expect_error(j, {"grid.delta.n", "got -1"});
}

TEST(ConfigStrictness, ValuesThatWouldMakeChi2NonFinite)
{
    const json d = json::parse(default_text());
    json j = d;
    j["measurements"][1]["exp"] = 1e308;  // apv_cs
    expect_error(j, {"measurements[1].exp", "at most 1000000"});
    j = d;
    j["measurements"][0]["exp_sigma"] = 1e-300;  // qweak
    j["measurements"][0]["sm_sigma"] = 0;
    expect_error(j, {"measurements[0].exp_sigma", "implausibly small"});
    j = d;  // a tiny σ relative to the value: (X/σ)² would overflow
    j["measurements"][1]["exp_sigma"] = 1e-20;
    j["measurements"][1]["sm_sigma"] = 0;
    expect_error(j, {"measurements[1].exp_sigma"});
    j = d;
    j["measurements"][1]["k"]["r_rms_fm"] = 1e10;
    expect_error(j, {"measurements[1].k.r_rms_fm", "[0.5, 10]"});
    j = d;
    j["measurements"][0]["q2_gev2"] = 1e300;
    expect_error(j, {"measurements[0].q2_gev2"});
    // The paper's most precise input, a_e (σ/a ≈ 2.5e-10), stays well inside the bounds.
    EXPECT_NO_THROW(parse_config(d));
}

TEST(ConfigStrictness, AxisValuesMustBeFiniteAndInRange)
{
    const json d = json::parse(default_text());
    json j = d;
    j["grid"]["delta"] = {{"min", -1.5e308}, {"max", 1.5e308}, {"n", 16}, {"scale", "linear"}};
    expect_error(j, {"grid.delta.min", "[-1, 1]"});
    j = d;
    j["grid"]["epsilon"]["max"] = 2.0;
    expect_error(j, {"grid.epsilon.max"});
    j = d;
    j["grid"]["m_zd_mev"]["max"] = 1e7;
    expect_error(j, {"grid.m_zd_mev.max", "MeV"});
}

TEST(ConfigStrictness, AllMeasurementsDisabledIsAnError)
{
    json j = json::parse(default_text());
    for (auto& m : j["measurements"]) m["enabled"] = false;
    expect_error(j, {"measurements", "every measurement is disabled"});
    j["measurements"][3]["enabled"] = true;
    EXPECT_NO_THROW(parse_config(j));
}
}  // namespace
}  // namespace zdscan
