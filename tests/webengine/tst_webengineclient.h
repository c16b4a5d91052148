#pragma once

#include <QObject>
#include <QProcess>
#include <QStringList>
#include <QUrl>
#include <QVariant>
#include <QWebEnginePage>

#include <memory>

class QWebEngineProfile;
class QWebEngineView;

// A page that records what the page's scripts log at warning level or above.
class ConsolePage : public QWebEnginePage
{
    Q_OBJECT
public:
    using QWebEnginePage::QWebEnginePage;
    QStringList problems;
    QStringList all;

protected:
    void javaScriptConsoleMessage(JavaScriptConsoleMessageLevel level, const QString &message, int line,
                                  const QString &source) override;
};

class TstWebEngineClient : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();

    void chatAnswerStreamsAndShowsOnce();
    void chatErrorKeepsPartialText();
    void logViewerAppendsAndFollows();

private:
    bool startExamples(const QStringList &args);
    bool openPage(const QString &path);
    QVariant eval(const QString &script, int timeoutMs = 10000);
    QString evalString(const QString &script) { return eval(script).toString(); }
    QStringList texts(const QString &selector);
    void recordStreamEvents();
    void ask(const QString &text);
    QString saveScreenshot(const QString &name);

    std::unique_ptr<QProcess> m_server;
    QUrl m_baseUrl; // http://127.0.0.1:PORT/chat, as rill-examples printed it
    QString m_serverOutput;
    QWebEngineProfile *m_profile = nullptr;
    ConsolePage *m_page = nullptr;
    QWebEngineView *m_view = nullptr;
};
