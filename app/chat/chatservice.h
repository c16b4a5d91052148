#pragma once

// Generates answers for conversations, once for all the pages showing them:
// a desktop window and a remote browser on the same conversation see the
// same stream. Answers are rendered as Markdown once per tick (not per
// token), finished blocks once, and saved while they stream.

#include "chatsettings.h"
#include "conversationstore.h"

#include <rill/llm/canceltoken.h>
#include <rill/llm/provider.h>

#include <QElapsedTimer>
#include <QObject>
#include <QPointer>
#include <QTimer>

#include <map>
#include <memory>

namespace Rill {
class MarkdownStream;
class PubSub;
}

namespace RillChat {

//! An answer being generated, as a page that opens it mid-way must show it.
struct LiveAnswer
{
    qint64 conversation = 0;
    qint64 messageId = 0;
    QString model;
    QString content;       // the Markdown so far
    QString reasoning;
    QString finishedHtml;  // every finished block, rendered
    QString tailHtml;      // the open block, rendered
    Rill::Llm::CancelToken cancel;
    QElapsedTimer clock;
    qint64 firstTokenMs = -1;
    qint64 lastTokenMs = 0;
    int tokens = 0;
    Rill::Llm::Usage usage;
    //! How many progress messages were published; a page rendered with the
    //! answer as it stood after message N skips messages 1..N.
    quint64 progressSeq = 0;

    std::unique_ptr<Rill::MarkdownStream> markdown;
    QString pendingFinished;  // finished since the last progress signal
    QString pendingReasoning;
    bool dirty = false;
    qint64 savedAtMs = 0;

    LiveAnswer();
    ~LiveAnswer();
};

class ChatService : public QObject
{
    Q_OBJECT
public:
    explicit ChatService(ConversationStore *store, QObject *parent = nullptr);
    ~ChatService() override;

    ConversationStore *store() const { return m_store; }

    /*!
      Where answers are published, one topic per conversation (topic()):
      pages follow the conversation they show through it, so a window and
      remote browsers (in this process, or in others sharing a Redis
      backend) see one stream. Messages are maps: {kind: "started"},
      {kind: "progress", seq, finished, tail, reasoning} and
      {kind: "ended", error}, each with the conversation and the answer's
      message id. By default the service has a PubSub of its own; rill-chat
      gives it the server's.
    */
    void setPubSub(Rill::PubSub *pubsub);
    Rill::PubSub *pubSub() const;
    static QString topic(qint64 conversation);
    //! Where the generation options (and the panel's choices) come from;
    //! none: the servers' defaults.
    void setSettings(ChatSettings *settings) { m_settings = settings; }
    ChatSettings *settings() const { return m_settings; }

    //! What is sent for the conversation's shown branch up to (without)
    //! \a answerId: its system prompt (or the default one) first, then the
    //! turns, a stopped or interrupted answer with a note saying so.
    Rill::Llm::ChatRequest request(qint64 conversation, const QString &model, qint64 answerId = 0) const;
    //! The note that follows an answer the user stopped (or the app lost).
    static QString cutShortNote(Message::Status status);

    void setProvider(std::shared_ptr<Rill::Llm::Provider> provider);
    Rill::Llm::Provider *provider() const { return m_provider.get(); }
    QStringList models() const { return m_models; }
    QString modelsError() const { return m_modelsError; }
    QCoro::Task<> refreshModels();

    //! Starts answering the conversation's last message; false if one runs.
    bool startAnswer(qint64 conversation, const QString &model);
    void stop(qint64 conversation);
    bool isAnswering(qint64 conversation) const { return m_live.count(conversation) > 0; }
    const LiveAnswer *live(qint64 conversation) const;

    static QString statsText(qint64 firstTokenMs, double tokensPerSecond);

    /*!
      A saved answer's Markdown as the page shows it (rendered, code blocks
      with their header), cached by message id and checked against the
      content: every page re-render of a long conversation would otherwise
      parse every answer again. Bounded (MaxCachedAnswers, least recently
      used first out).
    */
    QString answerHtml(qint64 messageId, const QString &content) const;
    static constexpr int MaxCachedAnswers = 2000;

Q_SIGNALS:
    void modelsChanged();
    // The same events as the topics carry, for code in this process that
    // watches every conversation (tests, the sidebar's markers).
    void answerStarted(qint64 conversation);
    //! One tick of an answer: blocks finished since the last tick (append
    //! them), the open block (replace the tail with it), new reasoning text.
    void answerProgress(qint64 conversation, const QString &finishedHtml, const QString &tailHtml,
                        const QString &reasoningDelta);
    //! The answer ended: complete, stopped, or failed with \a error.
    void answerEnded(qint64 conversation, const QString &error);

private:
    QCoro::Task<> generate(qint64 conversation);
    void tick();
    void emitProgress(LiveAnswer &a);
    void publishProgress(LiveAnswer &a);
    void save(LiveAnswer &a, Message::Status status, const QString &error = {});
    void publish(const LiveAnswer &a, QVariantMap message);

    ConversationStore *m_store;
    std::unique_ptr<Rill::PubSub> m_ownPubSub;
    QPointer<Rill::PubSub> m_pubsub; // the server's may go first
    ChatSettings *m_settings = nullptr;
    std::shared_ptr<Rill::Llm::Provider> m_provider;
    QStringList m_models;
    QString m_modelsError;
    // Shared with generate(): a request resumed after the service is gone
    // still finds its answer (and cancel token) alive, and m_alive false.
    std::map<qint64, std::shared_ptr<LiveAnswer>> m_live;
    std::shared_ptr<bool> m_alive = std::make_shared<bool>(true);
    QTimer m_tick;
    struct CachedAnswer
    {
        QString content;
        QString html;
        quint64 used = 0;
    };
    mutable std::map<qint64, CachedAnswer> m_answerHtml;
    mutable quint64 m_answerUse = 0;
};

} // namespace RillChat
