#include "conversationstore.h"

#include <QDir>
#include <QFileInfo>
#include <QHash>
#include <QRegularExpression>
#include <QSet>
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
    if (name == u"stopped"_s)
        return Message::Status::Stopped;
    return Message::Status::Complete;
}

// A null QString binds as SQL NULL; text columns want ''.
QVariant text(const QString &s) { return s.isNull() ? QVariant(QStringLiteral("")) : QVariant(s); }

QVariant nullable(const std::optional<qint64> &v) { return v ? QVariant(*v) : QVariant(); }
QVariant nullable(const std::optional<double> &v) { return v ? QVariant(*v) : QVariant(); }
QVariant nullable(const std::optional<int> &v) { return v ? QVariant(*v) : QVariant(); }

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
    // UTC: a local time costs a look at /etc/localtime each (thousands per
    // render of a long conversation); pages convert where they show dates.
    m.created = QDateTime::fromMSecsSinceEpoch(q.value(8).toLongLong(), Qt::UTC);
    if (!q.value(9).isNull())
        m.firstTokenMs = q.value(9).toLongLong();
    if (!q.value(10).isNull())
        m.tokensPerSecond = q.value(10).toDouble();
    m.parent = q.value(11).toLongLong();
    if (!q.value(12).isNull())
        m.promptTokens = q.value(12).toInt();
    if (!q.value(13).isNull())
        m.completionTokens = q.value(13).toInt();
    return m;
}

Conversation conversationFrom(const QSqlQuery &q)
{
    Conversation c;
    c.id = q.value(0).toLongLong();
    c.title = q.value(1).toString();
    c.model = q.value(2).toString();
    c.created = QDateTime::fromMSecsSinceEpoch(q.value(3).toLongLong(), Qt::UTC);
    c.updated = QDateTime::fromMSecsSinceEpoch(q.value(4).toLongLong(), Qt::UTC);
    c.systemPrompt = q.value(5).toString();
    c.pinned = q.value(6).toBool();
    return c;
}

const char *MessageColumns =
    "id, conversation, role, content, reasoning, status, error, model, created, first_token_ms, tokens_per_second, "
    "parent, prompt_tokens, completion_tokens";
const char *ConversationColumns = "id, title, model, created, updated, system_prompt, pinned";

// The user's words as an FTS5 query: each a quoted string (quotes doubled)
// taken as a prefix, so whatever they type is never FTS syntax.
QString ftsQuery(const QString &text)
{
    QStringList words;
    for (const QString &w : text.split(QRegularExpression(u"\\s+"_s), Qt::SkipEmptyParts))
        words << u'"' + QString(w).replace(u'"', u"\"\""_s) + u"\"*"_s;
    return words.join(u' ');
}

// Private-use characters mark the match in snippet(); they cannot come from
// the text itself (they are cut out of it first).
constexpr QChar HitStart(0xE000);
constexpr QChar HitEnd(0xE001);

// \a text cut where any of \a words starts (ignoring case): plain, match,
// plain, ... like FTS5's snippet() marks them.
QStringList marked(const QString &text, const QStringList &words)
{
    QStringList out;
    QString plain;
    for (qsizetype i = 0; i < text.size();) {
        qsizetype len = 0;
        for (const QString &w : words)
            if (w.size() > len && QStringView(text).mid(i, w.size()).compare(w, Qt::CaseInsensitive) == 0)
                len = w.size();
        if (!len) {
            plain += text[i++];
            continue;
        }
        out << plain << text.mid(i, len);
        plain.clear();
        i += len;
    }
    out << plain;
    return out;
}

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
    case Message::Status::Stopped: return u"stopped"_s;
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
        u"CREATE TABLE IF NOT EXISTS attachments (id INTEGER PRIMARY KEY AUTOINCREMENT, "
        u"message INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE, name TEXT NOT NULL, "
        u"mime TEXT NOT NULL, data BLOB NOT NULL)"_s,
        u"CREATE INDEX IF NOT EXISTS attachments_by_message ON attachments(message, id)"_s,
    };
    for (const QString &sql : setup)
        if (!exec(sql))
            return false;
    if (!migrate())
        return false;
    const QStringList cleanup = {
        // Whatever was streaming when the app stopped is kept, marked as such.
        u"UPDATE messages SET status = 'interrupted' WHERE status = 'streaming'"_s,
        // Deleted before the app last stopped, past undoing now.
        u"DELETE FROM conversations WHERE deleted_at IS NOT NULL"_s,
    };
    for (const QString &sql : cleanup)
        if (!exec(sql))
            return false;
    return true;
}

bool ConversationStore::hasColumn(const QString &table, const QString &column) const
{
    QSqlQuery q(QSqlDatabase::database(m_connection));
    if (!q.exec(u"PRAGMA table_info(%1)"_s.arg(table)))
        return false;
    while (q.next())
        if (q.value(1).toString() == column)
            return true;
    return false;
}

// Columns added since the first release, each added when missing, so a
// database of any earlier version opens (and keeps its history).
bool ConversationStore::migrate()
{
    QSqlDatabase db = QSqlDatabase::database(m_connection);
    db.transaction();
    auto fail = [&] {
        db.rollback();
        return false;
    };
    struct Column { const char *table; const char *name; const char *type; };
    const Column columns[] = {
        {"messages", "prompt_tokens", "INTEGER"},
        {"messages", "completion_tokens", "INTEGER"},
        {"conversations", "leaf", "INTEGER"},        // end of the shown branch; NULL: the newest message
        {"conversations", "deleted_at", "INTEGER"},  // NULL unless deleted (undo until purged)
        {"conversations", "system_prompt", "TEXT NOT NULL DEFAULT ''"},
        {"conversations", "pinned", "INTEGER NOT NULL DEFAULT 0"},
    };
    for (const Column &c : columns) {
        if (!hasColumn(QLatin1StringView(c.table), QLatin1StringView(c.name))
            && !exec(u"ALTER TABLE %1 ADD COLUMN %2 %3"_s.arg(QLatin1StringView(c.table), QLatin1StringView(c.name),
                                                              QLatin1StringView(c.type))))
            return fail();
    }
    if (!hasColumn(u"messages"_s, u"parent"_s)) {
        // Before versions a conversation was one line: each message follows
        // the one before it.
        if (!exec(u"ALTER TABLE messages ADD COLUMN parent INTEGER"_s)
            || !exec(u"UPDATE messages SET parent = (SELECT MAX(p.id) FROM messages p WHERE "
                     u"p.conversation = messages.conversation AND p.id < messages.id)"_s))
            return fail();
    }
    if (!exec(u"CREATE INDEX IF NOT EXISTS messages_by_parent ON messages(conversation, parent, id)"_s))
        return fail();
    // Full-text search over the messages (an index of messages.content,
    // kept by triggers); built from what is there when first created.
    {
        QSqlQuery q(db);
        const bool hadIndex = q.exec(u"SELECT 1 FROM sqlite_master WHERE name = 'messages_fts'"_s) && q.next();
        const QStringList fts = {
            u"CREATE VIRTUAL TABLE IF NOT EXISTS messages_fts USING fts5(content, content='messages', "
            u"content_rowid='id', tokenize='unicode61 remove_diacritics 2')"_s,
            u"CREATE TRIGGER IF NOT EXISTS messages_fts_insert AFTER INSERT ON messages BEGIN "
            u"INSERT INTO messages_fts(rowid, content) VALUES (new.id, new.content); END"_s,
            u"CREATE TRIGGER IF NOT EXISTS messages_fts_delete AFTER DELETE ON messages BEGIN "
            u"INSERT INTO messages_fts(messages_fts, rowid, content) VALUES ('delete', old.id, old.content); END"_s,
            u"CREATE TRIGGER IF NOT EXISTS messages_fts_update AFTER UPDATE OF content ON messages BEGIN "
            u"INSERT INTO messages_fts(messages_fts, rowid, content) VALUES ('delete', old.id, old.content); "
            u"INSERT INTO messages_fts(rowid, content) VALUES (new.id, new.content); END"_s,
        };
        for (const QString &sql : fts)
            if (!exec(sql))
                return fail();
        if (!hadIndex && !exec(u"INSERT INTO messages_fts(messages_fts) VALUES ('rebuild')"_s))
            return fail();
    }
    if (!db.commit()) {
        m_error = db.lastError().text();
        return false;
    }
    return true;
}

QList<Conversation> ConversationStore::conversations() const
{
    QList<Conversation> out;
    QSqlQuery q(QSqlDatabase::database(m_connection));
    if (!q.exec(u"SELECT %1 FROM conversations WHERE deleted_at IS NULL ORDER BY pinned DESC, updated DESC, id DESC"_s.arg(
            QLatin1StringView(ConversationColumns)))) {
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
    q.prepare(u"SELECT %1 FROM conversations WHERE id = ? AND deleted_at IS NULL"_s.arg(
        QLatin1StringView(ConversationColumns)));
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

bool ConversationStore::setConversationSystemPrompt(qint64 id, const QString &prompt)
{
    return exec(u"UPDATE conversations SET system_prompt = ? WHERE id = ?"_s, {text(prompt), id});
}

bool ConversationStore::setPinned(qint64 id, bool pinned)
{
    const bool ok = exec(u"UPDATE conversations SET pinned = ? WHERE id = ?"_s, {pinned ? 1 : 0, id});
    if (ok)
        Q_EMIT conversationsChanged();
    return ok;
}

QList<SearchHit> ConversationStore::search(const QString &text, int limit) const
{
    QList<SearchHit> out;
    QString clean = text;
    for (QChar &ch : clean)
        if (ch.unicode() < 0x20 || ch == HitStart || ch == HitEnd) // NUL would end the query early
            ch = u' ';
    const QString query = ftsQuery(clean);
    if (query.isEmpty() || limit <= 0)
        return out;
    QSet<qint64> seen;
    // Titles first: what the user named is what they look for.
    QStringList words = clean.split(QRegularExpression(u"\\s+"_s), Qt::SkipEmptyParts);
    for (const Conversation &c : conversations()) {
        const bool all = std::all_of(words.cbegin(), words.cend(),
                                     [&](const QString &w) { return c.title.contains(w, Qt::CaseInsensitive); });
        if (all && out.size() < limit) {
            out.append({c.id, c.title, marked(c.title, words), {}});
            seen.insert(c.id);
        }
    }
    QSqlQuery q(QSqlDatabase::database(m_connection));
    q.prepare(u"SELECT m.conversation, c.title, snippet(messages_fts, 0, ?, ?, '…', 12) FROM messages_fts "
              u"JOIN messages m ON m.id = messages_fts.rowid JOIN conversations c ON c.id = m.conversation "
              u"WHERE messages_fts MATCH ? AND c.deleted_at IS NULL ORDER BY rank LIMIT ?"_s);
    q.addBindValue(QString(HitStart));
    q.addBindValue(QString(HitEnd));
    q.addBindValue(query);
    q.addBindValue(limit * 4);
    if (!q.exec()) {
        m_error = q.lastError().text();
        return out;
    }
    while (q.next() && out.size() < limit) {
        const qint64 id = q.value(0).toLongLong();
        if (seen.contains(id))
            continue;
        seen.insert(id);
        SearchHit hit{id, q.value(1).toString(), {q.value(1).toString()}, {}};
        QString plain;
        const QString snippet = q.value(2).toString();
        for (QChar ch : snippet) {
            if (ch == HitStart || ch == HitEnd) {
                hit.snippet << plain;
                plain.clear();
            } else {
                plain += ch == u'\n' ? u' ' : ch;
            }
        }
        hit.snippet << plain;
        out.append(hit);
    }
    return out;
}

bool ConversationStore::deleteConversation(qint64 id)
{
    const bool ok = exec(u"UPDATE conversations SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL"_s,
                         {QDateTime::currentMSecsSinceEpoch(), id});
    if (ok)
        Q_EMIT conversationsChanged();
    return ok;
}

bool ConversationStore::restoreConversation(qint64 id)
{
    const bool ok = exec(u"UPDATE conversations SET deleted_at = NULL WHERE id = ?"_s, {id});
    if (ok)
        Q_EMIT conversationsChanged();
    return ok;
}

bool ConversationStore::purgeConversation(qint64 id)
{
    return exec(u"DELETE FROM conversations WHERE id = ? AND deleted_at IS NOT NULL"_s, {id});
}

bool ConversationStore::purgeDeleted()
{
    return exec(u"DELETE FROM conversations WHERE deleted_at IS NOT NULL"_s);
}

QList<Message> ConversationStore::allMessages(qint64 conversation) const
{
    QList<Message> out;
    QSqlQuery q(QSqlDatabase::database(m_connection));
    q.prepare(u"SELECT %1 FROM messages WHERE conversation = ? ORDER BY id"_s.arg(QLatin1StringView(MessageColumns)));
    q.addBindValue(conversation);
    if (!q.exec()) {
        m_error = q.lastError().text();
        return out;
    }
    QHash<qint64, qsizetype> at;
    while (q.next()) {
        out.append(messageFrom(q));
        at.insert(out.constLast().id, out.size() - 1);
    }
    // What files there are (not their bytes), in one query.
    QSqlQuery files(QSqlDatabase::database(m_connection));
    files.prepare(u"SELECT a.id, a.message, a.name, a.mime, length(a.data) FROM attachments a "
                  u"JOIN messages m ON m.id = a.message WHERE m.conversation = ? ORDER BY a.id"_s);
    files.addBindValue(conversation);
    if (files.exec()) {
        while (files.next()) {
            const auto it = at.constFind(files.value(1).toLongLong());
            if (it == at.cend())
                continue;
            out[*it].attachments.append(
                {files.value(0).toLongLong(), files.value(2).toString(), files.value(3).toString(), files.value(4).toLongLong(), {}});
        }
    }
    return out;
}

bool ConversationStore::addAttachments(qint64 message, const QList<Attachment> &list)
{
    QSqlDatabase db = QSqlDatabase::database(m_connection);
    db.transaction();
    for (const Attachment &a : list) {
        if (!exec(u"INSERT INTO attachments (message, name, mime, data) VALUES (?, ?, ?, ?)"_s,
                  {message, text(a.name), text(a.mimeType), a.data.isNull() ? QByteArray("") : a.data})) {
            db.rollback();
            return false;
        }
    }
    return db.commit();
}

QList<Attachment> ConversationStore::attachments(qint64 message, bool withData) const
{
    QList<Attachment> out;
    QSqlQuery q(QSqlDatabase::database(m_connection));
    q.prepare(withData ? u"SELECT id, name, mime, length(data), data FROM attachments WHERE message = ? ORDER BY id"_s
                       : u"SELECT id, name, mime, length(data) FROM attachments WHERE message = ? ORDER BY id"_s);
    q.addBindValue(message);
    if (!q.exec()) {
        m_error = q.lastError().text();
        return out;
    }
    while (q.next())
        out.append({q.value(0).toLongLong(), q.value(1).toString(), q.value(2).toString(), q.value(3).toLongLong(),
                    withData ? q.value(4).toByteArray() : QByteArray()});
    return out;
}

qint64 ConversationStore::leaf(qint64 conversation) const
{
    QSqlQuery q(QSqlDatabase::database(m_connection));
    q.prepare(u"SELECT leaf FROM conversations WHERE id = ?"_s);
    q.addBindValue(conversation);
    if (q.exec() && q.next())
        return q.value(0).toLongLong();
    return 0;
}

QList<Message> ConversationStore::messages(qint64 conversation) const
{
    const QList<Message> all = allMessages(conversation);
    if (all.isEmpty())
        return {};
    QHash<qint64, qsizetype> index;           // id -> position in all
    QHash<qint64, QList<qint64>> children;    // parent (0: none) -> ids, oldest first
    for (qsizetype i = 0; i < all.size(); ++i) {
        index.insert(all[i].id, i);
        children[all[i].parent].append(all[i].id);
    }
    qint64 end = leaf(conversation);
    if (!index.contains(end))
        end = all.constLast().id; // none chosen yet: the newest message
    QList<Message> path;
    for (qint64 id = end; id && index.contains(id) && path.size() <= all.size(); id = all[index.value(id)].parent)
        path.prepend(all[index.value(id)]);
    for (Message &m : path) {
        const QList<qint64> &siblings = children[m.parent];
        const qsizetype at = siblings.indexOf(m.id);
        m.versions = int(siblings.size());
        m.version = int(at) + 1;
        m.previousVersion = at > 0 ? siblings[at - 1] : 0;
        m.nextVersion = at + 1 < siblings.size() ? siblings[at + 1] : 0;
    }
    return path;
}

bool ConversationStore::setLeaf(qint64 conversation, qint64 id)
{
    return exec(u"UPDATE conversations SET leaf = ? WHERE id = ?"_s, {id ? QVariant(id) : QVariant(), conversation});
}

bool ConversationStore::selectVersion(qint64 id)
{
    std::optional<Message> m = message(id);
    if (!m) {
        m_error = u"no such message"_s;
        return false;
    }
    // Down the newest child at every turn, to the end of that branch.
    qint64 end = id;
    for (int guard = 0; guard < 1'000'000; ++guard) {
        QSqlQuery q(QSqlDatabase::database(m_connection));
        q.prepare(u"SELECT MAX(id) FROM messages WHERE conversation = ? AND parent = ?"_s);
        q.addBindValue(m->conversation);
        q.addBindValue(end);
        if (!q.exec() || !q.next() || q.value(0).isNull())
            break;
        end = q.value(0).toLongLong();
    }
    const bool ok = setLeaf(m->conversation, end);
    if (ok)
        Q_EMIT conversationsChanged(); // every page on it shows that branch
    return ok;
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

qint64 ConversationStore::addMessage(const Message &m, std::optional<qint64> parent)
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    if (!parent) {
        // The end of the shown branch: the chosen leaf, else the newest message.
        QSqlQuery end(QSqlDatabase::database(m_connection));
        end.prepare(u"SELECT COALESCE((SELECT m.id FROM messages m JOIN conversations c ON c.leaf = m.id "
                    u"WHERE c.id = ? AND m.conversation = ?), (SELECT MAX(id) FROM messages WHERE conversation = ?), 0)"_s);
        for (int i = 0; i < 3; ++i)
            end.addBindValue(m.conversation);
        parent = end.exec() && end.next() ? end.value(0).toLongLong() : 0;
    }
    QSqlQuery q(QSqlDatabase::database(m_connection));
    q.prepare(u"INSERT INTO messages (conversation, role, content, reasoning, status, error, model, created, "
              u"first_token_ms, tokens_per_second, parent, prompt_tokens, completion_tokens) "
              u"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"_s);
    for (const QVariant &v : QVariantList{m.conversation, text(m.role), text(m.content), text(m.reasoning),
                                          statusName(m.status), text(m.error), text(m.model), m.created.isValid() ? m.created.toMSecsSinceEpoch() : now,
                                          nullable(m.firstTokenMs), nullable(m.tokensPerSecond),
                                          *parent ? QVariant(*parent) : QVariant(), nullable(m.promptTokens),
                                          nullable(m.completionTokens)})
        q.addBindValue(v);
    if (!q.exec()) {
        m_error = q.lastError().text();
        return 0;
    }
    const qint64 id = q.lastInsertId().toLongLong();
    exec(u"UPDATE conversations SET updated = ?, leaf = ? WHERE id = ?"_s, {now, id, m.conversation});
    Q_EMIT conversationsChanged();
    return id;
}

bool ConversationStore::updateMessage(const Message &m)
{
    return exec(u"UPDATE messages SET content = ?, reasoning = ?, status = ?, error = ?, first_token_ms = ?, "
                u"tokens_per_second = ?, prompt_tokens = ?, completion_tokens = ? WHERE id = ?"_s,
                {text(m.content), text(m.reasoning), statusName(m.status), text(m.error), nullable(m.firstTokenMs),
                 nullable(m.tokensPerSecond), nullable(m.promptTokens), nullable(m.completionTokens), m.id});
}

} // namespace RillChat
