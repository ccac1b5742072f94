/// \file json_reader.hpp
/// Strict reading of one JSON object of a config (private to the host library): unknown keys, wrong types and
/// non-finite numbers are errors whose message starts with the field's path ("grid.epsilon.min: ...").
#pragma once

#include <algorithm>
#include <cmath>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "zdscan/io/config.hpp"

namespace zdscan::detail
{
using nlohmann::json;

/// Exact decimal text of a double (17 digits), for messages that show a value.
inline std::string fmt(double v)
{
    std::ostringstream s;
    s.precision(17);
    s << v;
    return s.str();
}

/// Reads one JSON object whose allowed keys are known up front: an unknown key (often a typo of a required
/// one) is reported before anything else, with the keys that are allowed.
class ObjectReader
{
  public:
    ObjectReader(const json& j, std::string path, std::initializer_list<const char*> allowed_keys)
        : j_(j), path_(std::move(path))
    {
        if (!j_.is_object())
        {
            fail(path_.empty() ? "config" : path_, "must be a JSON object");
        }
        allow(allowed_keys);
    }

    /// The first key of the object that is not in `keys` (empty when there is none).
    template <class Keys> std::string unknown_key(const Keys& keys) const
    {
        for (const auto& item : j_.items())
        {
            if (std::none_of(std::begin(keys), std::end(keys), [&](const char* k) { return item.key() == k; }))
            {
                return item.key();
            }
        }
        return {};
    }

    /// Every key must be one of allowed_keys.
    void allow(std::initializer_list<const char*> allowed_keys) const
    {
        const std::string unknown = unknown_key(allowed_keys);
        if (!unknown.empty())
        {
            std::string list;
            for (const char* k : allowed_keys) list += std::string(list.empty() ? "" : ", ") + k;
            fail(field(unknown), "unknown key (allowed here: " + list + ")");
        }
    }

    [[noreturn]] static void fail(const std::string& field, const std::string& why)
    {
        throw ConfigError(field + ": " + why);
    }
    std::string field(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }
    bool has(const std::string& key) const { return j_.contains(key); }

    const json& get(const std::string& key) const
    {
        if (!j_.contains(key))
        {
            fail(field(key), "required field is missing");
        }
        return j_.at(key);
    }

    double number(const std::string& key)
    {
        const json& v = get(key);
        if (!v.is_number())
        {
            fail(field(key), "must be a number (got " + std::string(v.type_name()) + ")");
        }
        const double x = v.get<double>();
        if (!std::isfinite(x))
        {
            fail(field(key), "must be finite (got " + fmt(x) + ")");
        }
        return x;
    }
    double number(const std::string& key, double fallback) { return has(key) ? number(key) : fallback; }

    double positive(const std::string& key, double fallback)
    {
        const double x = number(key, fallback);
        if (!(x > 0))
        {
            fail(field(key), "must be > 0 (got " + fmt(x) + ")");
        }
        return x;
    }
    /// A number in [lo, hi]; `what` says the unit and meaning in the message.
    double in_range(const std::string& key, double fallback, double lo, double hi, const std::string& what)
    {
        const double x = number(key, fallback);
        if (!(x >= lo && x <= hi))
        {
            fail(field(key), "must lie in [" + fmt(lo) + ", " + fmt(hi) + "] " + what + " (got " + fmt(x) + ")");
        }
        return x;
    }

    double non_negative(const std::string& key)
    {
        const double x = number(key);
        if (x < 0)
        {
            fail(field(key), "must be >= 0 (got " + fmt(x) + ")");
        }
        return x;
    }

    int integer(const std::string& key)
    {
        const json& v = get(key);
        if (!v.is_number_integer())
        {
            fail(field(key), "must be an integer (got " + v.dump() + ")");
        }
        // The literal as written: 2^64 − 1 must not read as −1.
        const bool in_range = v.is_number_unsigned()
                                  ? v.get<unsigned long long>() <= max_axis_points
                                  : (v.get<long long>() >= 1 && v.get<long long>() <= max_axis_points);
        if (!in_range || v.get<long long>() < 1)
        {
            fail(field(key), "must be between 1 and " + std::to_string(max_axis_points) + " (got " + v.dump() + ")");
        }
        return static_cast<int>(v.get<long long>());
    }

    std::string string(const std::string& key, const std::string& fallback)
    {
        if (!has(key))
        {
            return fallback;
        }
        const json& v = get(key);
        if (!v.is_string())
        {
            fail(field(key), "must be a string");
        }
        return v.get<std::string>();
    }

    bool boolean(const std::string& key, bool fallback)
    {
        if (!has(key))
        {
            return fallback;
        }
        const json& v = get(key);
        if (!v.is_boolean())
        {
            fail(field(key), "must be true or false");
        }
        return v.get<bool>();
    }

    std::vector<double> numbers(const std::string& key)
    {
        const json& v = get(key);
        if (!v.is_array() || v.empty())
        {
            fail(field(key), "must be a non-empty array of numbers");
        }
        std::vector<double> out;
        for (std::size_t i = 0; i < v.size(); ++i)
        {
            if (!v[i].is_number() || !std::isfinite(v[i].get<double>()))
            {
                fail(field(key) + "[" + std::to_string(i) + "]", "must be a finite number");
            }
            out.push_back(v[i].get<double>());
        }
        return out;
    }

  private:
    const json& j_;
    std::string path_;
};
}  // namespace zdscan::detail
