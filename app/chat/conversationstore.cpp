#include "conversationstore.h"

#include <QDir>
#include <QFileInfo>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QUuid>

using namespace Qt::StringLiterals;

namespace RillChat {

namespace {

Message::Status statusFromName(const QString &name)
{
    if (name == u"streaming"_s)
        return Message::Status::Streaming;
    if (name == u"interrupted"_s)
        return Message::Status::Interrupted;
    if (name == u"failed"_s)
        return Message::Status::Failed;
    return Message::Status::Complete;
}

// A null QString binds as SQL NULL; text columns want ''.
QVariant text(const QString &s) { return s.isNull() ? QVariant(QStringLiteral("")) : QVariant(s); }

QVariant nullable(const std::optional<qint64> &v) { return v ? QVariant(*v) : QVariant(); }
QVariant nullable(const std::optional<double> &v) { return v ? QVariant(*v) : QVariant(); }

Message messageFrom(const QSqlQuery &q)
{
    Message m;
    m.id = q.value(0).toLongLong();
    m.conversation = q.value(1).toLongLong();
    m.role = q.value(2).toString();
    m.content = q.value(3).toString();
    m.reasoning = q.value(4).toString();
    m.status = statusFromName(q.value(5).toString());
    m.error = q.value(6).toString();
    m.model = q.value(7).toString();
    m.created = QDateTime::fromMSecsSinceEpoch(q.value(8).toLongLong());
    if (!q.value(9).isNull())
        m.firstTokenMs = q.value(9).toLongLong();
    if (!q.value(10).isNull())
        m.tokensPerSecond = q.value(10).toDouble();
    return m;
}

Conversation conversationFrom(const QSqlQuery &q)
{
    Conversation c;
    c.id = q.value(0).toLongLong();
    c.title = q.value(1).toString();
    c.model = q.value(2).toString();
    c.created = QDateTime::fromMSecsSinceEpoch(q.value(3).toLongLong());
    c.updated = QDateTime::fromMSecsSinceEpoch(q.value(4).toLongLong());
    return c;
}

const char *MessageColumns =
    "id, conversation, role, content, reasoning, status, error, model, created, first_token_ms, tokens_per_second";

} // namespace

ConversationStore::ConversationStore(QObject *parent)
    : QObject(parent), m_connection(u"rill-chat-"_s + QUuid::createUuid().toString(QUuid::WithoutBraces))
{
}

ConversationStore::~ConversationStore()
{
    {
        QSqlDatabase db = QSqlDatabase::database(m_connection, false);
        if (db.isOpen())
            db.close();
    }
    QSqlDatabase::removeDatabase(m_connection);
}

QString ConversationStore::statusName(Message::Status status)
{
    switch (status) {
    case Message::Status::Streaming: return u"streaming"_s;
    case Message::Status::Interrupted: return u"interrupted"_s;
    case Message::Status::Failed: return u"failed"_s;
    case Message::Status::Complete: break;
    }
    return u"complete"_s;
}

bool ConversationStore::exec(const QString &sql, const QVariantList &bind) const
{
    QSqlQuery q(QSqlDatabase::database(m_connection));
    if (!q.prepare(sql)) {
        m_error = q.lastError().text();
        return false;
    }
    for (const QVariant &v : bind)
        q.addBindValue(v);
    if (!q.exec()) {
        m_error = q.lastError().text();
        return false;
    }
    return true;
}

bool ConversationStore::open(const QString &path)
{
    if (!QDir().mkpath(QFileInfo(path).absolutePath())) {
        m_error = u"cannot create the folder of %1"_s.arg(path);
        return false;
    }
    QSqlDatabase db = QSqlDatabase::addDatabase(u"QSQLITE"_s, m_connection);
    db.setDatabaseName(path);
    if (!db.open()) {
        m_error = db.lastError().text();
        return false;
    }
    // WAL with synchronous=NORMAL: a killed process loses no committed write.
    const QStringList setup = {
        u"PRAGMA journal_mode=WAL"_s,
        u"PRAGMA synchronous=NORMAL"_s,
        u"PRAGMA foreign_keys=ON"_s,
        u"CREATE TABLE IF NOT EXISTS conversations (id INTEGER PRIMARY KEY, title TEXT NOT NULL, "
        u"model TEXT NOT NULL DEFAULT '', created INTEGER NOT NULL, updated INTEGER NOT NULL)"_s,
        // AUTOINCREMENT: ids of deleted messages (regenerate, edit) are never
        // reused, so a page still showing or editing the old message can't
        // mistake the new one for it (msg-N ids key the DOM morph, too).
        u"CREATE TABLE IF NOT EXISTS messages (id INTEGER PRIMARY KEY AUTOINCREMENT, "
        u"conversation INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE, "
        u"role TEXT NOT NULL, content TEXT NOT NULL DEFAULT '', reasoning TEXT NOT NULL DEFAULT '', "
        u"status TEXT NOT NULL DEFAULT 'complete', error TEXT NOT NULL DEFAULT '', model TEXT NOT NULL DEFAULT '', "
        u"created INTEGER NOT NULL, first_token_ms INTEGER, tokens_per_second REAL)"_s,
        u"CREATE INDEX IF NOT EXISTS messages_by_conversation ON messages(conversation, id)"_s,
        // Whatever was streaming when the app stopped is kept, marked as such.
        u"UPDATE messages SET status = 'interrupted' WHERE status = 'streaming'"_s,
    };
    for (const QString &sql : setup)
        if (!exec(sql))
            return false;
    return true;
}

QList<Conversation> ConversationStore::conversations() const
{
    QList<Conversation> out;
    QSqlQuery q(QSqlDatabase::database(m_connection));
    if (!q.exec(u"SELECT id, title, model, created, updated FROM conversations ORDER BY updated DESC, id DESC"_s)) {
        m_error = q.lastError().text();
        return out;
    }
    while (q.next())
        out.append(conversationFrom(q));
    return out;
}

std::optional<Conversation> ConversationStore::conversation(qint64 id) const
{
    QSqlQuery q(QSqlDatabase::database(m_connection));
    q.prepare(u"SELECT id, title, model, created, updated FROM conversations WHERE id = ?"_s);
    q.addBindValue(id);
    if (!q.exec() || !q.next())
        return std::nullopt;
    return conversationFrom(q);
}

qint64 ConversationStore::createConversation(const QString &title, const QString &model)
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    QSqlQuery q(QSqlDatabase::database(m_connection));
    q.prepare(u"INSERT INTO conversations (title, model, created, updated) VALUES (?, ?, ?, ?)"_s);
    q.addBindValue(text(title));
    q.addBindValue(text(model));
    q.addBindValue(now);
    q.addBindValue(now);
    if (!q.exec()) {
        m_error = q.lastError().text();
        return 0;
    }
    Q_EMIT conversationsChanged();
    return q.lastInsertId().toLongLong();
}

bool ConversationStore::renameConversation(qint64 id, const QString &title)
{
    const bool ok = exec(u"UPDATE conversations SET title = ? WHERE id = ?"_s, {title, id});
    if (ok)
        Q_EMIT conversationsChanged();
    return ok;
}

bool ConversationStore::setConversationModel(qint64 id, const QString &model)
{
    return exec(u"UPDATE conversations SET model = ? WHERE id = ?"_s, {text(model), id});
}

bool ConversationStore::deleteConversation(qint64 id)
{
    const bool ok = exec(u"DELETE FROM conversations WHERE id = ?"_s, {id});
    if (ok)
        Q_EMIT conversationsChanged();
    return ok;
}

QList<Message> ConversationStore::messages(qint64 conversation) const
{
    QList<Message> out;
    QSqlQuery q(QSqlDatabase::database(m_connection));
    q.prepare(u"SELECT %1 FROM messages WHERE conversation = ? ORDER BY id"_s.arg(QLatin1StringView(MessageColumns)));
    q.addBindValue(conversation);
    if (!q.exec()) {
        m_error = q.lastError().text();
        return out;
    }
    while (q.next())
        out.append(messageFrom(q));
    return out;
}

std::optional<Message> ConversationStore::message(qint64 id) const
{
    QSqlQuery q(QSqlDatabase::database(m_connection));
    q.prepare(u"SELECT %1 FROM messages WHERE id = ?"_s.arg(QLatin1StringView(MessageColumns)));
    q.addBindValue(id);
    if (!q.exec() || !q.next())
        return std::nullopt;
    return messageFrom(q);
}

qint64 ConversationStore::addMessage(const Message &m)
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    QSqlQuery q(QSqlDatabase::database(m_connection));
    q.prepare(u"INSERT INTO messages (conversation, role, content, reasoning, status, error, model, created, "
              u"first_token_ms, tokens_per_second) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"_s);
    for (const QVariant &v : QVariantList{m.conversation, text(m.role), text(m.content), text(m.reasoning),
                                          statusName(m.status), text(m.error), text(m.model), m.created.isValid() ? m.created.toMSecsSinceEpoch() : now,
                                          nullable(m.firstTokenMs), nullable(m.tokensPerSecond)})
        q.addBindValue(v);
    if (!q.exec()) {
        m_error = q.lastError().text();
        return 0;
    }
    exec(u"UPDATE conversations SET updated = ? WHERE id = ?"_s, {now, m.conversation});
    Q_EMIT conversationsChanged();
    return q.lastInsertId().toLongLong();
}

bool ConversationStore::updateMessage(const Message &m)
{
    return exec(u"UPDATE messages SET content = ?, reasoning = ?, status = ?, error = ?, first_token_ms = ?, "
                u"tokens_per_second = ? WHERE id = ?"_s,
                {text(m.content), text(m.reasoning), statusName(m.status), text(m.error), nullable(m.firstTokenMs),
                 nullable(m.tokensPerSecond), m.id});
}

bool ConversationStore::deleteMessagesAfter(qint64 conversation, qint64 id)
{
    return exec(u"DELETE FROM messages WHERE conversation = ? AND id > ?"_s, {conversation, id});
}

} // namespace RillChat
