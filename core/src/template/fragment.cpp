#include <rill/template.h>
#include <rill/templatecontext.h>

#include "engine_p.h"

namespace Rill {

std::optional<QString> Template::renderFragment(const QString &, const TemplateContext &, TemplateError *error) const
{
    if (error)
        *error = TemplateError(TemplateError::Kind::Render, name(), 0, 0, QStringLiteral("fragments: not yet"));
    return std::nullopt;
}

} // namespace Rill
