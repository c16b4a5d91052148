#pragma once

#include <QList>
#include <QObject>
#include <QUrl>
#include <QTemporaryDir>
#include <QVariant>

#include <memory>

class ChatWindow;
namespace Rill {
class Server;
}
namespace RillChat {
class ChatService;
class ConversationStore;
}

// Stands in for the system browser: QDesktopServices hands it the URLs
// rill-chat opens externally.
class UrlCatcher : public QObject
{
    Q_OBJECT
public Q_SLOTS:
    void open(const QUrl &url) { urls.append(url); }

public:
    QList<QUrl> urls;
};

class TstChatWindow : public QObject
{
    Q_OBJECT
public:
    TstChatWindow();
    ~TstChatWindow() override;

private slots:
    void initTestCase();
    void cleanupTestCase();
    void chatInTheWindowRunsToCompletion();
    void copyShowsCopied();
    void externalLinksOpenOutside();
    void geometryRemembered();
    void textSizeAndExports();
    void shortcuts();

private:
    QVariant eval(const QString &script, int timeoutMs = 10000);

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<RillChat::ConversationStore> m_store;
    std::unique_ptr<RillChat::ChatService> m_service;
    std::unique_ptr<Rill::Server> m_server;
    std::unique_ptr<ChatWindow> m_window;
};
