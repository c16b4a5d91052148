// Filters that choose between values: default, default_if_none.

#include "filters_p.h"

using namespace Qt::StringLiterals;

namespace Rill::detail {

namespace {

Value defaultFilter(const Value &in, const Value *arg, const FilterEnv &)
{
    return isTruthy(in.v) ? in : *arg;
}

Value defaultIfNone(const Value &in, const Value *arg, const FilterEnv &)
{
    return kindOf(in.v) == Kind::None ? *arg : in;
}

} // namespace

void registerLogicFilters(FilterTable &t)
{
    t.insert(u"default"_s, {u"default"_s, &defaultFilter, FilterArg::Required, false, false});
    t.insert(u"default_if_none"_s, {u"default_if_none"_s, &defaultIfNone, FilterArg::Required, false, false});
}

} // namespace Rill::detail
