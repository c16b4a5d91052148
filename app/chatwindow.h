#pragma once

// The desktop window: a QWebEngineView on rill-chat's own server, with the
// shortcuts a chat app has, remembered geometry, and external links opened
// in the system browser.

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

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void click(const QString &selector);
    QWebEngineView *m_view;
};
