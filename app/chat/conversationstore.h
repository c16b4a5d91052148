#pragma once

// Conversations and their messages, kept in SQLite under the user's data
// directory. Partial answers are written while they stream, so killing the
// app mid-answer loses nothing: on the next start the answer is there,
// marked interrupted.
//
// Messages form a tree: each has a parent (the message it follows; none for
// the first). Regenerating an answer or editing a question adds a sibling
// (a new version) instead of deleting anything; a conversation shows one
// branch, from its first message to its "leaf". Deleting a conversation
// only marks it deleted (it can be restored) until it is purged.

#include <QDateTime>
#include <QList>
#include <QObject>
#include <QString>
#include <QVariantMap>

#include <optional>

namespace RillChat {

//! A file sent with a message: a text file (its text goes into the prompt)
//! or an image (for vision models).
struct Attachment
{
    qint64 id = 0;
    QString name;
    QString mimeType;
    qint64 size = 0;
    QByteArray data; // empty unless asked for (attachments(id, true))

    bool isImage() const { return mimeType.startsWith(u"image/"); }
};

struct Message
{
    //! Stopped: the user stopped it; Interrupted: the app stopped mid-answer.
    enum class Status { Complete, Streaming, Interrupted, Failed, Stopped };

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
    std::optional<int> promptTokens;     // as the provider reported them
    std::optional<int> completionTokens;

    QList<Attachment> attachments; // names, types and sizes (no data)

    qint64 parent = 0; // the message this one follows; 0 for the first
    // Filled by messages(): this message's place among its versions (the
    // messages with the same parent), 1-based, and its neighbours' ids.
    int version = 1;
    int versions = 1;
    qint64 previousVersion = 0;
    qint64 nextVersion = 0;
};

struct Conversation
{
    qint64 id = 0;
    QString title;
    QString model;
    QDateTime created;
    QDateTime updated;
    QString systemPrompt; // empty: the default one
    bool pinned = false;
};

//! A conversation a search found: where and why.
struct SearchHit
{
    qint64 conversation = 0;
    QString title;
    //! The title and text around a match in a message (empty when the title
    //! matched), as segments alternating plain, matched, plain, ... (even
    //! indexes plain).
    QStringList titleParts;
    QStringList snippet;
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

    QList<Conversation> conversations() const; // pinned first, then newest first
    std::optional<Conversation> conversation(qint64 id) const;
    qint64 createConversation(const QString &title, const QString &model); // 0 on failure
    bool renameConversation(qint64 id, const QString &title);
    bool setConversationModel(qint64 id, const QString &model);
    bool setConversationSystemPrompt(qint64 id, const QString &prompt);
    bool setPinned(qint64 id, bool pinned);
    /*!
      Conversations whose title or messages contain every word of \a text
      (as word prefixes, accents and case ignored; SQLite FTS5), best match
      first, at most \a limit. Words are taken literally: the user's quotes,
      stars or operators are not FTS syntax.
    */
    QList<SearchHit> search(const QString &text, int limit = 30) const;
    //! Marks the conversation deleted: conversations() and conversation()
    //! no longer see it, restoreConversation() brings it back, and
    //! purgeConversation() (or the next open()) removes it for good.
    bool deleteConversation(qint64 id);
    bool restoreConversation(qint64 id);
    bool purgeConversation(qint64 id); // only a deleted one
    bool purgeDeleted();

    //! The branch the conversation shows, first message first, each with
    //! its version information.
    QList<Message> messages(qint64 conversation) const;
    //! Every message of the conversation, every version, by id.
    QList<Message> allMessages(qint64 conversation) const;
    std::optional<Message> message(qint64 id) const;
    //! Adds \a message after the end of the shown branch, or, given
    //! \a parent, after that message (0: as a new first message), as a
    //! version beside its other children. Either way the new message is
    //! the end of the shown branch. 0 on failure.
    qint64 addMessage(const Message &message, std::optional<qint64> parent = std::nullopt);
    //! Files that go with \a message (a user's question).
    bool addAttachments(qint64 message, const QList<Attachment> &files);
    //! The files of \a message, with their bytes if \a withData.
    QList<Attachment> attachments(qint64 message, bool withData) const;
    //! Content, reasoning, status, error, timings and token counts of message.id.
    bool updateMessage(const Message &message);
    //! Shows the branch through \a id: it and, below it, the newest version
    //! at every turn.
    bool selectVersion(qint64 id);
    //! Makes \a id the end of the shown branch (what addMessage() follows).
    bool setLeaf(qint64 conversation, qint64 id);

    static QString statusName(Message::Status status);

Q_SIGNALS:
    void conversationsChanged();

private:
    bool exec(const QString &sql, const QVariantList &bind = {}) const;
    bool migrate();
    bool hasColumn(const QString &table, const QString &column) const;
    qint64 leaf(qint64 conversation) const;
    QString m_connection;
    mutable QString m_error;
};

} // namespace RillChat
