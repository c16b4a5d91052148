#pragma once

// Conversations and their messages, kept in SQLite under the user's data
// directory. Partial answers are written while they stream, so killing the
// app mid-answer loses nothing: on the next start the answer is there,
// marked interrupted.

#include <QDateTime>
#include <QList>
#include <QObject>
#include <QString>
#include <QVariantMap>

#include <optional>

namespace RillChat {

struct Message
{
    enum class Status { Complete, Streaming, Interrupted, Failed };

    qint64 id = 0;
    qint64 conversation = 0;
    QString role; // "user", "assistant", "system"
    QString content;
    QString reasoning;
    Status status = Status::Complete;
    QString error;
    QString model;
    QDateTime created;
    std::optional<qint64> firstTokenMs;    // time to first token
    std::optional<double> tokensPerSecond;
};

struct Conversation
{
    qint64 id = 0;
    QString title;
    QString model;
    QDateTime created;
    QDateTime updated;
};

/*!
  \code
  RillChat::ConversationStore store;
  if (!store.open(dataDir + u"/chats.sqlite"_s)) {
      qCritical() << "cannot open the chat history:" << store.errorString();
      return 1;
  }
  const qint64 id = store.createConversation(u"New chat"_s, model);
  store.addMessage({.conversation = id, .role = u"user"_s, .content = question});
  \endcode
  Every method reports failure through its return value and errorString().
*/
class ConversationStore : public QObject
{
    Q_OBJECT
public:
    explicit ConversationStore(QObject *parent = nullptr);
    ~ConversationStore() override;

    //! Opens (creating if needed) the database at \a path. Answers that were
    //! streaming when the app last stopped are marked Interrupted.
    bool open(const QString &path);
    QString errorString() const { return m_error; }

    QList<Conversation> conversations() const; // newest first
    std::optional<Conversation> conversation(qint64 id) const;
    qint64 createConversation(const QString &title, const QString &model); // 0 on failure
    bool renameConversation(qint64 id, const QString &title);
    bool setConversationModel(qint64 id, const QString &model);
    bool deleteConversation(qint64 id);

    QList<Message> messages(qint64 conversation) const; // oldest first
    std::optional<Message> message(qint64 id) const;
    qint64 addMessage(const Message &message); // 0 on failure
    //! Content, reasoning, status, error and the timings of message.id.
    bool updateMessage(const Message &message);
    //! Removes every message of the conversation after \a id (for regenerate / edit).
    bool deleteMessagesAfter(qint64 conversation, qint64 id);

    static QString statusName(Message::Status status);

Q_SIGNALS:
    void conversationsChanged();

private:
    bool exec(const QString &sql, const QVariantList &bind = {}) const;
    QString m_connection;
    mutable QString m_error;
};

} // namespace RillChat
