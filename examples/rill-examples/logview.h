#pragma once

// The seed's "Live Log Viewer", in C++.

#include <rill/liveview.h>

class LogView : public Rill::LiveView
{
    Q_OBJECT
public:
    explicit LogView(QString logFile);

    QCoro::Task<> startTail(QVariantMap params);

private:
    QString m_logFile;
};

