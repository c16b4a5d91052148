#include "chatwindow.h"

#include <QCloseEvent>
#include <QDir>
#include <QLoggingCategory>
#include <QNetworkCookie>
#include <QWebEngineCookieStore>
#include <QDesktopServices>
#include <QSettings>
#include <QShortcut>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTimer>
#include <QWebEngineDownloadRequest>
#include <QWebEnginePage>
#include <QWebEngineProfile>
#include <QWebEngineView>

#include <algorithm>
#include <cmath>
#include <cstdio>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcWindow, "rill.chat.window", QtWarningMsg)

namespace {

bool opensOutside(const QUrl &url)
{
    return url.scheme() == u"http"_s || url.scheme() == u"https"_s || url.scheme() == u"mailto"_s;
}

// A page for target=_blank links: its first navigation goes to the system
// browser, and the page goes away.
class ExternalPage : public QWebEnginePage
{
public:
    using QWebEnginePage::QWebEnginePage;

protected:
    bool acceptNavigationRequest(const QUrl &url, NavigationType, bool) override
    {
        if (opensOutside(url))
            QDesktopServices::openUrl(url);
        deleteLater();
        return false;
    }
};

// Keeps navigation on rill-chat's own server; anything else (a link in an
// answer) opens in the system browser.
class ChatPage : public QWebEnginePage
{
public:
    ChatPage(const QUrl &home, QObject *parent) : QWebEnginePage(parent), m_home(home) {}

protected:
    bool acceptNavigationRequest(const QUrl &url, NavigationType, bool isMainFrame) override
    {
        if (!isMainFrame || (url.host() == m_home.host() && url.port() == m_home.port()))
            return true;
        if (opensOutside(url))
            QDesktopServices::openUrl(url);
        return false;
    }

    QWebEnginePage *createWindow(WebWindowType) override { return new ExternalPage(this); }

private:
    QUrl m_home;
};

} // namespace

ChatWindow::ChatWindow(const QUrl &home, const QByteArray &accessCookie, QWidget *parent)
    : QMainWindow(parent), m_view(new QWebEngineView(this))
{
    setWindowTitle(u"Rill Chat"_s);
    m_view->setPage(new ChatPage(home, m_view));
    setCentralWidget(m_view);
    resize(1100, 760);
    QSettings settings;
    restoreGeometry(settings.value(u"window/geometry"_s).toByteArray());

    // Spelled out: the platform's standard bindings (QKeySequence::Quit)
    // are empty on some platforms.
    auto *newChat = new QShortcut(QKeySequence(Qt::CTRL | Qt::Key_N), this);
    connect(newChat, &QShortcut::activated, this, [this] { click(u"[dj-click=new_chat]"_s); });
    auto *stop = new QShortcut(QKeySequence(Qt::Key_Escape), this);
    connect(stop, &QShortcut::activated, this, [this] { click(u"button.stop"_s); });
    auto *quit = new QShortcut(QKeySequence(Qt::CTRL | Qt::Key_Q), this);
    connect(quit, &QShortcut::activated, this, &QWidget::close);
    // Text size: Ctrl+= is where "+" is without Shift on most keyboards.
    for (const QKeySequence &keys : {QKeySequence(Qt::CTRL | Qt::Key_Plus), QKeySequence(Qt::CTRL | Qt::Key_Equal),
                                     QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_Plus)})
        connect(new QShortcut(keys, this), &QShortcut::activated, this, [this] { zoomBy(1); });
    connect(new QShortcut(QKeySequence(Qt::CTRL | Qt::Key_Minus), this), &QShortcut::activated, this, [this] { zoomBy(-1); });
    connect(new QShortcut(QKeySequence(Qt::CTRL | Qt::Key_0), this), &QShortcut::activated, this, &ChatWindow::resetZoom);
    setZoom(settings.value(u"window/zoom"_s, 1.0).toDouble());

    // Exports ("Export as Markdown") are downloads: saved, and said where.
    m_downloads = QStandardPaths::writableLocation(QStandardPaths::DownloadLocation);
    connect(m_view->page()->profile(), &QWebEngineProfile::downloadRequested, this,
            [this](QWebEngineDownloadRequest *download) {
                if (download->page() != m_view->page())
                    return;
                download->setDownloadDirectory(m_downloads.isEmpty() ? QDir::homePath() : m_downloads);
                connect(download, &QWebEngineDownloadRequest::isFinishedChanged, this, [this, download] {
                    const QString path = QDir(download->downloadDirectory()).filePath(download->downloadFileName());
                    if (download->state() == QWebEngineDownloadRequest::DownloadCompleted)
                        statusBar()->showMessage(u"Saved %1"_s.arg(QDir::toNativeSeparators(path)), 8000);
                    else
                        statusBar()->showMessage(u"Could not save %1: %2"_s.arg(download->downloadFileName(),
                                                                                download->interruptReasonString()), 8000);
                });
                download->accept();
            });

    // Said where a user looks (the terminal) when the page cannot show:
    // a renderer that dies leaves a blank window otherwise.
    connect(m_view, &QWebEngineView::loadFinished, this, [this](bool ok) {
        m_view->setZoomFactor(m_zoom); // a navigation may reset it
        if (ok)
            qCDebug(lcWindow) << "page loaded";
        else
            qCWarning(lcWindow) << "the chat page did not load";
    });
    connect(m_view->page(), &QWebEnginePage::renderProcessTerminated, this,
            [](QWebEnginePage::RenderProcessTerminationStatus status, int code) {
                qCWarning(lcWindow) << "the page's renderer process ended:" << status << "exit code" << code;
            });
    for (QNetworkCookie cookie : QNetworkCookie::parseCookies(accessCookie)) {
        cookie.setDomain(home.host());
        cookie.setPath(u"/"_s);
        cookie.setHttpOnly(true);
        m_view->page()->profile()->cookieStore()->setCookie(cookie, home);
    }
    m_view->load(home);
}

void ChatWindow::click(const QString &selector)
{
    // The page's own buttons do the work, so window and browser behave alike.
    m_view->page()->runJavaScript(u"(function(){var b=document.querySelector(%1);if(b&&!b.disabled)b.click();})()"_s
                                      .arg(u"'"_s + QString(selector).replace(u"'"_s, u"\\'"_s) + u"'"_s));
}

void ChatWindow::reportWhenReady()
{
    auto *poll = new QTimer(this);
    poll->setInterval(10);
    connect(poll, &QTimer::timeout, this, [this, poll] {
        m_view->page()->runJavaScript(
            u"!!document.querySelector('[data-rill-root][data-rill-connected]') && "
            u"document.activeElement === document.querySelector('textarea[name=content]')"_s,
            [poll](const QVariant &ready) {
                if (!ready.toBool() || !poll->isActive())
                    return;
                poll->stop();
                poll->deleteLater();
                std::fprintf(stderr, "rill-chat: ready\n");
                std::fflush(stderr);
            });
    });
    poll->start();
}

void ChatWindow::setZoom(double factor)
{
    m_zoom = std::clamp(factor, MinZoom, MaxZoom);
    m_view->setZoomFactor(m_zoom);
    QSettings().setValue(u"window/zoom"_s, m_zoom);
}

void ChatWindow::zoomBy(int steps)
{
    // Steps of 10 %, as browsers take them, rounded so they add up exactly.
    setZoom(std::round((m_zoom + 0.1 * steps) * 10.0) / 10.0);
}

void ChatWindow::resetZoom() { setZoom(1.0); }

void ChatWindow::closeEvent(QCloseEvent *event)
{
    QSettings().setValue(u"window/geometry"_s, saveGeometry());
    event->accept();
}
