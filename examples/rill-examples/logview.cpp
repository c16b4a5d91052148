#include "logview.h"

#include <rill/html.h>

#include <QFile>

#include <qcoro/qcoroasyncgenerator.h>
#include <qcoro/qcorotimer.h>

#include <chrono>
#include <stdexcept>

using namespace Qt::StringLiterals;
using namespace std::chrono_literals;

LogView::LogView(QString logFile) : m_logFile(std::move(logFile))
{
    setTemplateName(u"logs_page.html"_s);
    handle(u"start_tail"_s, &LogView::startTail);
}

QCoro::Task<> LogView::startTail(QVariantMap)
{
    streamStart(u"logs"_s);

    QCORO_FOREACH (const QString &line, tailFile(m_logFile, this)) {
        const QString levelClass = line.contains(u"ERROR"_s) ? u"error"_s : u"info"_s;
        streamInsert(u"logs"_s, u"<div class=\"log-line %1\">%2</div>"_s.arg(levelClass, Rill::escapeHtml(line)));
    }

    streamDone(u"logs"_s);
}

QCoro::AsyncGenerator<QString> tailFile(QString path, const Rill::LiveView *view)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        throw std::runtime_error("cannot open " + path.toStdString() + ": " + file.errorString().toStdString());
    file.seek(file.size());
    QByteArray partial;
    while (!view->isClosed()) {
        // Polling works on every file system; inotify misses some appends.
        co_await QCoro::sleepFor(100ms);
        if (file.size() < file.pos()) // truncated or rotated: start over
            file.seek(0);
        partial += file.readAll();
        qsizetype nl;
        while ((nl = partial.indexOf('\n')) >= 0) {
            const QByteArray line = partial.left(nl);
            partial.remove(0, nl + 1);
            // Named, not a temporary: GCC 12 destroys a co_yield temporary twice.
            QString text = QString::fromUtf8(line).trimmed();
            co_yield text;
        }
    }
}
