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
    //! \a home is the chat page, with its per-launch access token.
    explicit ChatWindow(const QUrl &home, QWidget *parent = nullptr);

    QWebEngineView *view() const { return m_view; }

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void click(const QString &selector);
    QWebEngineView *m_view;
};
