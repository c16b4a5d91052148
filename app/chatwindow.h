#pragma once

// The desktop window: a QWebEngineView on rill-chat's own server, with the
// shortcuts a chat app has (Ctrl+N, Esc, Ctrl+Q, Ctrl +/-/0 for the text
// size), remembered geometry and size, exports saved to the Downloads
// folder, and external links opened in the system browser.

#include <QMainWindow>
#include <QUrl>

class QWebEngineView;

class ChatWindow : public QMainWindow
{
    Q_OBJECT
public:
    //! \a home is the chat page; \a accessCookie ("name=value", from
    //! Rill::Server::accessCookie()) lets the window in when the server has
    //! an access token, without the token or a code in its address.
    explicit ChatWindow(const QUrl &home, const QByteArray &accessCookie = {}, QWidget *parent = nullptr);

    QWebEngineView *view() const { return m_view; }

    //! Where exports are saved; default: the user's Downloads folder.
    void setDownloadDirectory(const QString &path) { m_downloads = path; }
    //! Page zoom: Ctrl++ (or Ctrl+=), Ctrl+-, Ctrl+0; kept across starts.
    void zoomBy(int steps);
    //! Prints "rill-chat: ready" to stderr once the page is connected and
    //! its composer focused (for bench/chat/startup.py; RILL_CHAT_REPORT_READY=1).
    void reportWhenReady();
    void resetZoom();
    static constexpr double MinZoom = 0.5;
    static constexpr double MaxZoom = 2.5;

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void click(const QString &selector);
    void setZoom(double factor);
    QWebEngineView *m_view;
    QString m_downloads;
    double m_zoom = 1.0;
};
