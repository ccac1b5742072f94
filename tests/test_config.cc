// Configuration: the embedded default, round trip, and clear errors that name the field.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "zdscan/io/config.hpp"

namespace zdscan
{
namespace
{
using nlohmann::json;

/// The measurements of a config as resolved JSON (to compare two configs).
json detail_measurements(const ScanConfig& c)
{
    json list = to_json(c)["measurements"];
    for (auto& m : list)
    {
        m.erase("source");  // free text, edited since 0.1
        m.erase("label");   // display only, added in 2026-12
    }
    return list;
}

json default_json()
{
    return json::parse(default_config_json());
}

/// The zdscan 0.1 default config (four-key "observables" block), as users may still have it.
json legacy_json()
{
    std::ifstream in(ZDSCAN_TEST_DATA_DIR "/paper2021_v01.json");
    return json::parse(in);
}

/// Index of a measurement of the default config by name.
std::size_t at(const char* name)
{
    const json j = default_json();
    for (std::size_t i = 0; i < j["measurements"].size(); ++i)
        if (j["measurements"][i]["name"] == name) return i;
    throw std::logic_error(name);
}

/// Expects parse_config to fail with a message containing every fragment.
void expect_error(const json& j, std::initializer_list<std::string> fragments)
{
    try
    {
        parse_config(j);
        ADD_FAILURE() << "no error for " << j.dump();
    }
    catch (const ConfigError& e)
    {
        for (const auto& f : fragments)
        {
            EXPECT_NE(std::string(e.what()).find(f), std::string::npos) << "'" << f << "' not in: " << e.what();
        }
    }
}

TEST(Config, DefaultIsThePaperSetup)
{
    const ScanConfig c = default_config();
    EXPECT_EQ(c.name, "paper2021");
    // eq. 2; the inputs ~1.166e-3 carry a representation error of ~1e-19 each, which the difference keeps
    const auto& m = c.physics.measurements;
    ASSERT_EQ(m.size(), 4u);
    EXPECT_EQ(m[0].name, "qweak");  // the order of 0.1's χ² sum: totals stay bit-identical
    EXPECT_EQ(m[1].name, "apv_cs");
    EXPECT_EQ(m[2].name, "a_mu");
    EXPECT_EQ(m[3].name, "a_e");
    EXPECT_NEAR(m[2].exp - m[2].sm, 251e-11, 1e-18);
    EXPECT_DOUBLE_EQ(m[0].exp, 0.0719);  // eq. 12
    EXPECT_DOUBLE_EQ(m[1].exp, -72.94);  // eq. 23
    EXPECT_DOUBLE_EQ(m[0].q2_gev2, 0.0248);
    EXPECT_EQ(m[1].k.kind, ApvKModel::Kind::dirac);
    EXPECT_EQ(m[1].z, 55);
    EXPECT_EQ(m[3].m_lepton_gev, constants::m_e_gev);
    EXPECT_EQ(c.m_zd_mev.n, 256);
    EXPECT_TRUE(c.m_zd_mev.log);
    EXPECT_TRUE(c.epsilon.log);
    EXPECT_FALSE(c.delta.log);
    EXPECT_DOUBLE_EQ(c.delta.max, 0.01);
}

TEST(Config, RoundTripThroughResolvedJson)
{
    const ScanConfig c = default_config();
    const json resolved = to_json(c);
    EXPECT_EQ(to_json(parse_config(resolved)), resolved);
    EXPECT_EQ(resolved["measurements"][at("apv_cs")]["q_mev"], 2.4);
    EXPECT_FALSE(resolved["measurements"][at("a_mu")]["source"].get<std::string>().empty());
}

TEST(Config, LegacyObservablesBlockIsConverted)
{
    // A 0.1 config reads as the same four measurements as today's default, in the same order.
    json legacy = legacy_json();
    json current = default_json();
    const ScanConfig a = parse_config(legacy), b = parse_config(current);
    EXPECT_EQ(detail_measurements(a), detail_measurements(b));
    legacy["measurements"] = current["measurements"];
    expect_error(legacy, {"observables", "not both"});
}

TEST(Config, OptionalFieldsTakeDefaults)
{
    json j = default_json();
    j.erase("model");
    j["measurements"][at("apv_cs")].erase("q_mev");
    j["measurements"][at("apv_cs")].erase("k");
    const ScanConfig c = parse_config(j);
    EXPECT_DOUBLE_EQ(c.physics.measurements[at("apv_cs")].q_mev, 2.4);
    EXPECT_DOUBLE_EQ(c.physics.s2w_zero, 0.23857);
    EXPECT_EQ(c.physics.measurements[at("apv_cs")].k.kind, ApvKModel::Kind::dirac);
    EXPECT_DOUBLE_EQ(c.physics.measurements[at("apv_cs")].k.r_rms_fm, 4.821);
}

TEST(Config, MeasurementListChecks)
{
    json j = default_json();
    j["measurements"][at("a_e")]["name"] = "qweak";
    expect_error(j, {"measurements[3].name", "duplicate name \"qweak\""});
    j = default_json();
    j["measurements"][at("a_e")]["name"] = "a e";
    expect_error(j, {"measurements[3].name", "letters, digits and _"});
    j = default_json();
    j["measurements"][at("a_e")]["name"] = "total";
    expect_error(j, {"measurements[3].name", "reserved"});
    j = default_json();
    j["measurements"][at("a_e")]["kind"] = "lepton_g3";
    expect_error(j, {"measurements[3].kind", "pves_proton, pves_electron, apv, lepton_g2, search_limit or meson_decay"});
    j = default_json();
    j["measurements"][at("a_e")].erase("lepton");
    expect_error(j, {"measurements[3].lepton"});
    j = default_json();
    j["measurements"][at("a_e")]["lepton"] = "tau";
    expect_error(j, {"measurements[3].lepton", "\"e\" or \"mu\""});
    j = default_json();
    j["measurements"][at("apv_cs")]["z"] = 0;
    expect_error(j, {"measurements[1].z", "between 1 and 137"});
    j = default_json();
    j["measurements"][at("qweak")].erase("q2_gev2");
    expect_error(j, {"measurements[0].q2_gev2", "missing"});
    j = default_json();
    j["measurements"][at("apv_cs")]["z"] = 82;
    j["measurements"][at("apv_cs")]["n"] = 126;
    expect_error(j, {"measurements[1].box_ep", "other than 133Cs"});
    j = default_json();
    j["measurements"] = json::array();
    expect_error(j, {"measurements", "at least one"});
    j = default_json();
    for (int i = 0; i < 13; ++i)
    {
        json extra = j["measurements"][0];
        extra["name"] = "p" + std::to_string(i);
        j["measurements"].push_back(extra);
    }
    expect_error(j, {"measurements", "at most 16"});
    j = default_json();
    j.erase("measurements");
    expect_error(j, {"measurements", "missing"});
}

TEST(Config, MalformedJson)
{
    for (const char* text : {"{\"name\": ", "{\"a\": NaN}"})
    {
        try
        {
            parse_config_text(text, "bad.json");
            ADD_FAILURE() << text;
        }
        catch (const ConfigError& e)
        {
            EXPECT_NE(std::string(e.what()).find("bad.json: malformed JSON"), std::string::npos) << e.what();
        }
    }
}

TEST(Config, OverflowingNumberNamesItsField)
{
    const std::pair<const char*, const char*> cases[] = {
        {"{\"a\": 1e999}", "bad.json: a: 1e999 overflows a double"},
        {"{\"grid\": {\"m_zd_mev\": {\"max\": 1e400}}}", "bad.json: grid.m_zd_mev.max: 1e400 overflows a double"},
        {"{\"measurements\": [{}, {\"exp\": -1e400}]}", "bad.json: measurements[1].exp: -1e400 overflows a double"}};
    for (const auto& [text, expected] : cases)
    {
        try
        {
            parse_config_text(text, "bad.json");
            ADD_FAILURE() << text;
        }
        catch (const ConfigError& e)
        {
            EXPECT_NE(std::string(e.what()).find(expected), std::string::npos) << e.what();
        }
    }
}

TEST(Config, UnknownKeysAreErrors)
{
    json j = default_json();
    j["gird"] = json::object();
    expect_error(j, {"gird", "unknown key"});
    j = default_json();
    j["measurements"][at("a_mu")]["exp_sgima"] = 1;
    expect_error(j, {"measurements[2].exp_sgima", "unknown key"});
    j = default_json();
    j["grid"]["epsilon"]["steps"] = 3;
    expect_error(j, {"grid.epsilon.steps", "unknown key"});
    j = legacy_json();
    j["observables"]["a_tau"] = j["observables"]["a_mu"];
    expect_error(j, {"observables.a_tau", "unknown key"});
    j = default_json();
    j["measurements"][at("qweak")]["lepton"] = "mu";
    expect_error(j, {"measurements[0].lepton", "not a field of kind pves_proton"});
}

TEST(Config, MissingAndMistypedFields)
{
    json j = default_json();
    j["measurements"][at("apv_cs")].erase("sm");
    expect_error(j, {"measurements[1].sm", "missing"});
    j = default_json();
    j["measurements"][at("qweak")]["exp"] = "0.0719";
    expect_error(j, {"measurements[0].exp", "must be a number"});
    j = legacy_json();
    j["observables"]["apv_cs"].erase("sm");
    expect_error(j, {"observables.apv_cs.sm", "missing"});
    j = default_json();
    j["grid"]["delta"]["n"] = 2.5;
    expect_error(j, {"grid.delta.n", "integer"});
    j = default_json();
    j["measurements"][at("a_e")]["enabled"] = 1;
    expect_error(j, {"measurements[3].enabled", "true or false"});
    j = default_json();
    j["measurements"][at("a_mu")]["projection"] = "yes";
    expect_error(j, {"measurements[2].projection", "true or false"});
}

TEST(Config, ProjectionFlagRoundTrips)
{
    json j = default_json();
    j["measurements"][at("a_mu")]["projection"] = true;
    const ScanConfig c = parse_config(j);
    EXPECT_TRUE(c.physics.measurements[at("a_mu")].projection);
    EXPECT_FALSE(c.physics.measurements[at("qweak")].projection);  // absent: a result of today
    const json back = to_json(c);
    EXPECT_EQ(back["measurements"][at("a_mu")]["projection"], true);
    EXPECT_FALSE(back["measurements"][at("qweak")].contains("projection"));  // configs before the flag unchanged
    EXPECT_TRUE(parse_config(back).physics.measurements[at("a_mu")].projection);
}

TEST(Config, BadSigmas)
{
    json j = default_json();
    j["measurements"][at("qweak")]["exp_sigma"] = -0.0045;
    expect_error(j, {"measurements[0].exp_sigma", ">= 0"});
    j = default_json();
    j["measurements"][at("a_e")]["exp_sigma"] = 0;
    j["measurements"][at("a_e")]["sm_sigma"] = 0;
    expect_error(j, {"measurements[3].exp_sigma", "both 0"});
}

TEST(Config, BadAxes)
{
    json j = default_json();
    j["grid"]["epsilon"]["min"] = 0;
    expect_error(j, {"grid.epsilon.min", "log axis", "> 0"});
    j = default_json();
    j["grid"]["m_zd_mev"]["min"] = -1;
    j["grid"]["m_zd_mev"]["scale"] = "linear";
    expect_error(j, {"grid.m_zd_mev.min", "> 0"});
    j = default_json();
    j["grid"]["delta"]["n"] = 0;
    expect_error(j, {"grid.delta.n"});
    j = default_json();
    j["grid"]["delta"]["max"] = -1;
    expect_error(j, {"grid.delta.max", ">= min"});
    j = default_json();
    j["grid"]["delta"]["scale"] = "logarithmic";
    expect_error(j, {"grid.delta.scale", "\"log\" or \"linear\""});
    j = default_json();
    j["grid"]["delta"]["n"] = 1;
    expect_error(j, {"grid.delta.n", "min == max"});
    j = default_json();
    j["grid"]["m_zd_mev"]["n"] = 100000;
    j["grid"]["epsilon"]["n"] = 100000;
    expect_error(j, {"grid.m_zd_mev.n", "exceeds"});
}

TEST(Config, NegativeDeltaAxisIsAllowed)
{
    json j = default_json();
    j["grid"]["delta"]["min"] = -0.01;
    EXPECT_DOUBLE_EQ(parse_config(j).delta.min, -0.01);
}

TEST(Config, ModelOptions)
{
    json j = default_json();
    json& k = j["measurements"][at("apv_cs")]["k"];
    k = {{"model", "contact"}};
    EXPECT_EQ(parse_config(j).physics.measurements[1].k.kind, ApvKModel::Kind::contact);
    k = {{"model", "table"}, {"m_mev", {1, 10, 100}}, {"k", {0.33, 0.74, 0.975}}};
    EXPECT_EQ(parse_config(j).physics.measurements[1].k.k.size(), 3u);
    k = {{"model", "table"}, {"m_mev", {1, 10, 5}}, {"k", {0.33, 0.74, 0.975}}};
    expect_error(j, {"measurements[1].k.m_mev[2]", "increasing"});
    k = {{"model", "table"}, {"m_mev", {1, 10}}, {"k", {0.33}}};
    expect_error(j, {"measurements[1].k.k"});
    k = {{"model", "yukawa"}};
    expect_error(j, {"measurements[1].k.model", "yukawa"});
    k = {{"model", "contact"}, {"r_rms_fm", 4.8}};
    expect_error(j, {"measurements[1].k.r_rms_fm", "unknown key"});
    // 0.1 configs set K for Cs in model.apv_k.
    j = legacy_json();
    j["model"]["apv_k"] = {{"model", "contact"}};
    EXPECT_EQ(parse_config(j).physics.measurements[1].k.kind, ApvKModel::Kind::contact);
    j = default_json();
    j["model"]["s2w_zero"] = 0.2;
    expect_error(j, {"model.s2w_zero"});
}
}  // namespace
}  // namespace zdscan
