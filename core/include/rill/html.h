#pragma once

#include <rill/rillcore_export.h>

#include <QString>

namespace Rill {

//! Escapes & < > " ' as Django's escape does, for HTML built in C++ (streamInsert()).
RILL_CORE_EXPORT QString escapeHtml(QStringView text);

} // namespace Rill
