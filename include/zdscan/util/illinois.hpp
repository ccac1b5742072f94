/// \file illinois.hpp
/// A bracketed root by regula falsi with the Illinois modification (host only): the root stays bracketed, the
/// stagnant end's value is halved when the same end moves twice, so it converges superlinearly on the smooth,
/// monotone functions zdscan solves (the light-quark mass of the Fig. 4 curve, the interval ends between grid
/// points) where bisection needed three to four times the evaluations.
#pragma once

#include <algorithm>
#include <cmath>

namespace zdscan
{
/// a and b with f(a) and f(b) of opposite signs.
struct Bracket
{
    double a, fa, b, fb;
};

/// Shrinks the bracket until |b − a| ≤ tolerance, a point with f = 0 is hit (then a = b = that point), or
/// max_evaluations of f are spent.
template <class F>
Bracket illinois_root(F&& f, Bracket br, double tolerance, int max_evaluations)
{
    int side = 0;  // which end moved last: −1 b, +1 a
    for (int i = 0; i < max_evaluations && std::fabs(br.b - br.a) > tolerance; ++i)
    {
        double x = (br.a * br.fb - br.b * br.fa) / (br.fb - br.fa);
        if (!(x > std::min(br.a, br.b) && x < std::max(br.a, br.b))) x = 0.5 * (br.a + br.b);  // never outside
        const double fx = f(x);
        if (fx == 0)
        {
            br.a = br.b = x;
            br.fa = br.fb = 0;
            break;
        }
        if ((fx < 0) == (br.fb < 0))
        {
            br.b = x, br.fb = fx;
            if (side == -1) br.fa /= 2;
            side = -1;
        }
        else
        {
            br.a = x, br.fa = fx;
            if (side == 1) br.fb /= 2;
            side = 1;
        }
    }
    return br;
}
}  // namespace zdscan
