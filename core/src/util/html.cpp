#include <rill/html.h>

#include "../template/value_p.h"

namespace Rill {

QString escapeHtml(QStringView text)
{
    return detail::escapeHtml(text);
}

} // namespace Rill
