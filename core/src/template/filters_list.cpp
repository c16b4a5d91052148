// Filters over sequences: length, ...

#include "filters_p.h"

using namespace Qt::StringLiterals;

namespace Rill::detail {

namespace {

Value length(const Value &in, const Value *, const FilterEnv &)
{
    return Value::integer(pyLen(in.v).value_or(0));
}

} // namespace

void registerListFilters(FilterTable &t)
{
    t.insert(u"length"_s, {u"length"_s, &length, FilterArg::None, false, false});
}

} // namespace Rill::detail
