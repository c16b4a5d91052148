#pragma once

#include <rill/rillcore_export.h>

#include <QString>

#include <qcoro/qcoroasyncgenerator.h>

#include <chrono>

namespace Rill {

class LiveView;

/*!
  The lines appended to the file at \a path from now on, as they arrive
  (like `tail -f`), until \a view is closed. A truncated or rotated file is
  read again from its start. Throws std::runtime_error if the file cannot be
  opened.

  However much is appended at once, memory stays bounded: the file is read
  256 KiB at a time, a line longer than MaxTailLineBytes (1 MiB) comes in
  pieces of that size, and the event loop runs between every 1,000 lines,
  so a burst does not hold up the other pages.

  \code
  QCoro::Task<> LogView::startTail(QVariantMap)
  {
      streamStart(u"logs"_s);
      try {
          QCORO_FOREACH (const QString &line, Rill::tailFile(m_path, this))
              streamInsert(u"logs"_s, u"<div class=\"log-line\">%1</div>"_s.arg(Rill::escapeHtml(line)));
          streamDone(u"logs"_s);
      } catch (const std::exception &e) {
          streamError(u"logs"_s, QString::fromUtf8(e.what())); // "cannot open app.log: No such file"
      }
  }
  \endcode
*/
//! The longest line tailFile() passes on whole; a longer one is cut.
inline constexpr qsizetype MaxTailLineBytes = 1024 * 1024;

RILL_CORE_EXPORT QCoro::AsyncGenerator<QString> tailFile(QString path, const LiveView *view,
                                                         std::chrono::milliseconds poll = std::chrono::milliseconds(100));

} // namespace Rill
