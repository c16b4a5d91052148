#pragma once

// The seed's log viewer as rill-chat's second route (/logs), tailing a file
// into a bounded DOM: past a limit, the oldest lines are removed.

#include <rill/liveview.h>

namespace RillChat {

class LogView : public Rill::LiveView
{
    Q_OBJECT
public:
    LogView(QString logFile, int maxLines);

    QCoro::Task<> startTail(QVariantMap params);

private:
    QString m_logFile;
    int m_maxLines;
    qint64 m_lines = 0; // lines shown since the page opened; ids log-1, log-2, ...
};

} // namespace RillChat
