#include "logview.h"

#include <rill/html.h>
#include <rill/tail.h>

using namespace Qt::StringLiterals;

LogView::LogView(QString logFile) : m_logFile(std::move(logFile))
{
    setTemplateName(u"logs_page.html"_s);
    handle(u"start_tail"_s, &LogView::startTail);
}

QCoro::Task<> LogView::startTail(QVariantMap)
{
    streamStart(u"logs"_s);

    QCORO_FOREACH (const QString &line, Rill::tailFile(m_logFile, this)) {
        const QString levelClass = line.contains(u"ERROR"_s) ? u"error"_s : u"info"_s;
        streamInsert(u"logs"_s, u"<div class=\"log-line %1\">%2</div>"_s.arg(levelClass, Rill::escapeHtml(line)));
    }

    streamDone(u"logs"_s);
}
