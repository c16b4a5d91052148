#include "filters_p.h"

#include "node_p.h"

namespace Rill::detail {

const FilterTable &builtinFilters()
{
    static const FilterTable table = [] {
        FilterTable t;
        registerStringFilters(t);
        registerHtmlFilters(t);
        registerListFilters(t);
        registerNumberFilters(t);
        registerLogicFilters(t);
        return t;
    }();
    return table;
}

QString strOf(const Value &v)
{
    if (v.v.typeId() == QMetaType::QString)
        return *static_cast<const QString *>(v.v.constData());
    return toPyStr(v.v);
}

} // namespace Rill::detail
