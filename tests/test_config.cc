// Configuration: the embedded default, round trip, and clear errors that name the field.
#include <gtest/gtest.h>

#include <string>

#include "zdscan/config.hpp"

namespace zdscan
{
namespace
{
using nlohmann::json;

json default_json()
{
    return json::parse(default_config_json());
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
    EXPECT_NEAR(c.physics.a_mu.exp - c.physics.a_mu.sm, 251e-11, 1e-18);
    EXPECT_DOUBLE_EQ(c.physics.qweak.exp, 0.0719);   // eq. 12
    EXPECT_DOUBLE_EQ(c.physics.apv_cs.exp, -72.94);  // eq. 23
    EXPECT_DOUBLE_EQ(c.physics.qweak_q2_gev2, 0.0248);
    EXPECT_EQ(c.physics.apv_k.kind, ApvKModel::Kind::dirac);
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
    EXPECT_EQ(resolved["observables"]["apv_cs"]["q_mev"], 2.4);
    EXPECT_FALSE(resolved["observables"]["a_mu"]["source"].get<std::string>().empty());
}

TEST(Config, OptionalFieldsTakeDefaults)
{
    json j = default_json();
    j.erase("model");
    j["observables"]["qweak"].erase("q2_gev2");
    const ScanConfig c = parse_config(j);
    EXPECT_DOUBLE_EQ(c.physics.qweak_q2_gev2, 0.0248);
    EXPECT_DOUBLE_EQ(c.physics.s2w_zero, 0.23857);
    EXPECT_EQ(c.physics.apv_k.kind, ApvKModel::Kind::dirac);
}

TEST(Config, MalformedJson)
{
    for (const char* text : {"{\"name\": ", "{\"a\": NaN}", "{\"a\": 1e999}"})
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

TEST(Config, UnknownKeysAreErrors)
{
    json j = default_json();
    j["gird"] = json::object();
    expect_error(j, {"gird", "unknown key"});
    j = default_json();
    j["observables"]["a_mu"]["exp_sgima"] = 1;
    expect_error(j, {"observables.a_mu.exp_sgima", "unknown key"});
    j = default_json();
    j["grid"]["epsilon"]["steps"] = 3;
    expect_error(j, {"grid.epsilon.steps", "unknown key"});
    j = default_json();
    j["observables"]["a_tau"] = j["observables"]["a_mu"];
    expect_error(j, {"observables.a_tau", "unknown key"});
}

TEST(Config, MissingAndMistypedFields)
{
    json j = default_json();
    j["observables"]["apv_cs"].erase("sm");
    expect_error(j, {"observables.apv_cs.sm", "missing"});
    j = default_json();
    j["observables"]["qweak"]["exp"] = "0.0719";
    expect_error(j, {"observables.qweak.exp", "must be a number"});
    j = default_json();
    j["grid"]["delta"]["n"] = 2.5;
    expect_error(j, {"grid.delta.n", "integer"});
    j = default_json();
    j["observables"]["a_e"]["enabled"] = 1;
    expect_error(j, {"observables.a_e.enabled", "true or false"});
}

TEST(Config, BadSigmas)
{
    json j = default_json();
    j["observables"]["qweak"]["exp_sigma"] = -0.0045;
    expect_error(j, {"observables.qweak.exp_sigma", ">= 0"});
    j = default_json();
    j["observables"]["a_e"]["exp_sigma"] = 0;
    j["observables"]["a_e"]["sm_sigma"] = 0;
    expect_error(j, {"observables.a_e.exp_sigma", "both 0"});
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
    j["model"]["apv_k"] = {{"model", "contact"}};
    EXPECT_EQ(parse_config(j).physics.apv_k.kind, ApvKModel::Kind::contact);
    j["model"]["apv_k"] = {{"model", "table"}, {"m_mev", {1, 10, 100}}, {"k", {0.33, 0.74, 0.975}}};
    EXPECT_EQ(parse_config(j).physics.apv_k.k.size(), 3u);
    j["model"]["apv_k"] = {{"model", "table"}, {"m_mev", {1, 10, 5}}, {"k", {0.33, 0.74, 0.975}}};
    expect_error(j, {"model.apv_k.m_mev[2]", "increasing"});
    j["model"]["apv_k"] = {{"model", "table"}, {"m_mev", {1, 10}}, {"k", {0.33}}};
    expect_error(j, {"model.apv_k.k"});
    j["model"]["apv_k"] = {{"model", "yukawa"}};
    expect_error(j, {"model.apv_k.model", "yukawa"});
    j["model"]["apv_k"] = {{"model", "contact"}, {"r_rms_fm", 4.8}};
    expect_error(j, {"model.apv_k.r_rms_fm", "unknown key"});
    j = default_json();
    j["model"]["s2w_zero"] = 0.2;
    expect_error(j, {"model.s2w_zero"});
}
}  // namespace
}  // namespace zdscan
