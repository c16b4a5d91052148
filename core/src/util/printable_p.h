#pragma once

#include <QString>
#include <QStringView>

namespace Rill::detail {

//! \a text made safe for a log line: control characters (newlines, ANSI
//! escapes) shown as \xNN, cut to \a max characters with a note of the rest.
//! For anything a peer chose: event names, Host headers, Redis channels.
QString printable(QStringView text, qsizetype max = 120);

} // namespace Rill::detail
