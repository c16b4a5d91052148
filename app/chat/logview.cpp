#include "logview.h"

#include <rill/html.h>
#include <rill/tail.h>

using namespace Qt::StringLiterals;

namespace RillChat {

LogView::LogView(QString logFile, int maxLines) : m_logFile(std::move(logFile)), m_maxLines(qMax(1, maxLines))
{
    setTemplateName(u"logs.html"_s);
    handle(u"start_tail"_s, &LogView::startTail);
}

QCoro::Task<> LogView::startTail(QVariantMap)
{
    streamStart(u"logs"_s);
    try {
        QCORO_FOREACH (const QString &line, Rill::tailFile(m_logFile, this)) {
            const QString levelClass = line.contains(u"ERROR"_s) ? u"error"_s : u"info"_s;
            ++m_lines;
            streamInsert(u"logs"_s, u"<div class=\"log-line %1\" id=\"log-%2\">%3</div>"_s.arg(
                                        levelClass, QString::number(m_lines), Rill::escapeHtml(line)));
            // A tail that runs for days must not grow the page without end.
            if (m_lines > m_maxLines)
                streamDelete(u"logs"_s, u"#log-%1"_s.arg(m_lines - m_maxLines));
        }
        streamDone(u"logs"_s);
    } catch (const std::exception &e) {
        streamError(u"logs"_s, QString::fromUtf8(e.what()));
    }
}

} // namespace RillChat
