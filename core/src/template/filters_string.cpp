// Filters over text: lower, upper, ...

#include "filters_p.h"

using namespace Qt::StringLiterals;

namespace Rill::detail {

namespace {

Value lower(const Value &in, const Value *, const FilterEnv &)
{
    return Value::string(strOf(in).toLower(), false);
}

Value upper(const Value &in, const Value *, const FilterEnv &)
{
    return Value::string(strOf(in).toUpper(), false);
}

} // namespace

void registerStringFilters(FilterTable &t)
{
    t.insert(u"lower"_s, {u"lower"_s, &lower, FilterArg::None, true, true});
    t.insert(u"upper"_s, {u"upper"_s, &upper, FilterArg::None, false, true});
}

} // namespace Rill::detail
