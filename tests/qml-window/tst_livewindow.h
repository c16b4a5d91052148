#pragma once

#include <QObject>
#include <QQmlEngine>
#include <QVariant>

#include <memory>

class QQuickWindow;

// Collects the result of one LiveWindow.runJavaScript() call.
class JsResult : public QObject
{
    Q_OBJECT
public:
    using QObject::QObject;
    Q_INVOKABLE void done(const QVariant &result)
    {
        value = result;
        finished = true;
    }
    QVariant value;
    bool finished = false;
};

class TstLiveWindow : public QObject
{
    Q_OBJECT
public:
    TstLiveWindow();
    ~TstLiveWindow() override;

private slots:
    void initTestCase();
    void cleanupTestCase();
    void pageGoesLiveThroughTheToken();
    void clickReRenders();
    void screenshotIsNotBlank();
    void missingRouteIsAnError();
    void servedHeadlessWindowsStayOut();

private:
    QVariant eval(QObject *window, const QString &script, int timeoutMs = 10000);

    std::unique_ptr<QQmlEngine> m_engine;
    std::unique_ptr<QObject> m_root;
    QObject *m_server = nullptr;
    QQuickWindow *m_window = nullptr;
};
