#pragma once

// The seed's "Live Log Viewer", in C++.

#include <rill/liveview.h>

#include <qcoro/qcoroasyncgenerator.h>

class LogView : public Rill::LiveView
{
    Q_OBJECT
public:
    explicit LogView(QString logFile);

    QCoro::Task<> startTail(QVariantMap params);

private:
    QString m_logFile;
};

// Lines appended to \a path from now on, as they arrive (like tail -f),
// until \a view is closed.
QCoro::AsyncGenerator<QString> tailFile(QString path, const Rill::LiveView *view);
