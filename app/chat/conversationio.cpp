#include "conversationio.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>
#include <QRegularExpression>
#include <QSignalBlocker>

using namespace Qt::StringLiterals;

namespace RillChat::ConversationIO {

namespace {

QString isoTime(const QDateTime &t) { return t.isValid() ? t.toUTC().toString(Qt::ISODate) : QString(); }

QString statusText(Message::Status status)
{
    switch (status) {
    case Message::Status::Stopped: return u"stopped by the user"_s;
    case Message::Status::Interrupted: return u"interrupted"_s;
    case Message::Status::Failed: return u"failed"_s;
    default: return {};
    }
}

// A fence longer than any run of backticks in \a text.
QString fenceFor(const QString &text)
{
    QString fence = u"```"_s;
    while (text.contains(fence))
        fence += u'`';
    return fence;
}

} // namespace

QString fileName(const QString &title, const QString &extension)
{
    QString base = title.simplified();
    base.replace(QRegularExpression(u"[^\\w\\- ]+"_s, QRegularExpression::UseUnicodePropertiesOption), u" "_s);
    base = base.simplified().left(60);
    base.replace(u' ', u'-');
    return (base.isEmpty() ? u"conversation"_s : base) + u'.' + extension;
}

QString toMarkdown(const ConversationStore &store, qint64 conversation)
{
    const std::optional<Conversation> c = store.conversation(conversation);
    if (!c)
        return {};
    QString out = u"# %1\n\n"_s.arg(c->title);
    out += u"_Exported from Rill Chat, %1_\n\n"_s.arg(QDateTime::currentDateTimeUtc().toString(u"yyyy-MM-dd HH:mm 'UTC'"_s));
    if (!c->systemPrompt.isEmpty())
        out += u"**System prompt:**\n\n%1\n\n"_s.arg(c->systemPrompt);
    for (const Message &m : store.messages(conversation)) {
        if (m.role == u"user"_s) {
            out += u"## You\n\n"_s;
        } else if (m.role == u"assistant"_s) {
            out += m.model.isEmpty() ? u"## Assistant\n\n"_s : u"## Assistant (%1)\n\n"_s.arg(m.model);
        } else {
            continue;
        }
        if (!m.reasoning.isEmpty()) {
            const QString fence = fenceFor(m.reasoning);
            out += u"<details><summary>Reasoning</summary>\n\n%1text\n%2\n%1\n\n</details>\n\n"_s.arg(fence, m.reasoning);
        }
        if (!m.content.isEmpty())
            out += m.content.trimmed() + u"\n\n"_s;
        if (!m.attachments.isEmpty()) {
            QStringList names;
            for (const Attachment &a : m.attachments)
                names << u"`%1`"_s.arg(a.name);
            out += u"_Files: %1_\n\n"_s.arg(names.join(u", "_s));
        }
        if (const QString status = statusText(m.status); !status.isEmpty())
            out += u"_(%1%2)_\n\n"_s.arg(status, m.error.isEmpty() ? QString() : u": "_s + m.error);
    }
    return out.trimmed() + u'\n';
}

QByteArray toJson(const ConversationStore &store, qint64 conversation)
{
    const std::optional<Conversation> c = store.conversation(conversation);
    if (!c)
        return {};
    QJsonArray messages;
    for (const Message &m : store.messages(conversation)) {
        QJsonObject o{{"role"_L1, m.role}, {"content"_L1, m.content}, {"created"_L1, isoTime(m.created)}};
        if (!m.reasoning.isEmpty())
            o.insert("reasoning"_L1, m.reasoning);
        if (!m.model.isEmpty())
            o.insert("model"_L1, m.model);
        if (m.status != Message::Status::Complete)
            o.insert("status"_L1, ConversationStore::statusName(m.status));
        if (!m.error.isEmpty())
            o.insert("error"_L1, m.error);
        if (!m.attachments.isEmpty()) {
            QJsonArray files;
            for (const Attachment &a : m.attachments)
                files.append(QJsonObject{{"name"_L1, a.name}, {"type"_L1, a.mimeType}, {"size"_L1, a.size}});
            o.insert("files"_L1, files);
        }
        messages.append(o);
    }
    const QJsonObject root{{"format"_L1, "rill-chat"_L1},      {"version"_L1, 1},
                           {"title"_L1, c->title},              {"model"_L1, c->model},
                           {"system_prompt"_L1, c->systemPrompt}, {"created"_L1, isoTime(c->created)},
                           {"messages"_L1, messages}};
    return QJsonDocument(root).toJson(QJsonDocument::Indented);
}

qint64 importJson(ConversationStore &store, const QByteArray &json, const QString &fallbackTitle, QString *error)
{
    auto fail = [error](const QString &why) {
        *error = why;
        return qint64(0);
    };
    if (json.size() > MaxImportBytes)
        return fail(u"the file is larger than %1 MB"_s.arg(MaxImportBytes / (1024 * 1024)));
    QJsonParseError parse{};
    const QJsonDocument doc = QJsonDocument::fromJson(json, &parse);
    if (parse.error != QJsonParseError::NoError)
        return fail(u"it is not JSON (%1 at byte %2)"_s.arg(parse.errorString()).arg(parse.offset));
    QJsonObject root;
    QJsonArray list;
    if (doc.isArray()) {
        list = doc.array();
    } else {
        root = doc.object();
        if (root.contains("format"_L1) && root.value("format"_L1).toString() != u"rill-chat"_s)
            return fail(u"its format is \"%1\", not rill-chat"_s.arg(root.value("format"_L1).toString().left(40)));
        if (root.contains("version"_L1) && root.value("version"_L1).toInt() != 1)
            return fail(u"it is version %1 of the format; this Rill Chat reads version 1"_s.arg(root.value("version"_L1).toInt()));
        if (!root.value("messages"_L1).isArray())
            return fail(u"it has no \"messages\" list"_s);
        list = root.value("messages"_L1).toArray();
    }
    if (list.isEmpty())
        return fail(u"it has no messages"_s);
    if (list.size() > MaxImportMessages)
        return fail(u"it has more than %1 messages"_s.arg(MaxImportMessages));

    QString systemPrompt = root.value("system_prompt"_L1).toString();
    QList<Message> messages;
    for (qsizetype i = 0; i < list.size(); ++i) {
        const QJsonObject o = list.at(i).toObject();
        const QString role = o.value("role"_L1).toString();
        const QJsonValue content = o.value("content"_L1);
        if (role != u"user"_s && role != u"assistant"_s && role != u"system"_s)
            return fail(u"message %1 has no role user, assistant or system"_s.arg(i + 1));
        if (!content.isString())
            return fail(u"message %1 has no text content"_s.arg(i + 1));
        if (role == u"system"_s) {
            if (systemPrompt.isEmpty())
                systemPrompt = content.toString();
            continue;
        }
        Message m;
        m.role = role;
        m.content = content.toString();
        m.reasoning = o.value("reasoning"_L1).toString();
        m.model = o.value("model"_L1).toString().left(200);
        m.error = o.value("error"_L1).toString().left(2000);
        const QString status = o.value("status"_L1).toString();
        m.status = status == u"stopped"_s       ? Message::Status::Stopped
            : status == u"failed"_s             ? Message::Status::Failed
            : status == u"interrupted"_s || status == u"streaming"_s ? Message::Status::Interrupted
                                                : Message::Status::Complete;
        m.created = QDateTime::fromString(o.value("created"_L1).toString(), Qt::ISODate);
        messages.append(m);
    }
    if (messages.isEmpty())
        return fail(u"it has only a system prompt"_s);

    QString title = root.value("title"_L1).toString().simplified().left(200);
    if (title.isEmpty())
        title = fallbackTitle.simplified().left(200);
    if (title.isEmpty())
        title = messages.constFirst().content.left(60).simplified();
    qint64 id = 0;
    {
        // One change for the pages, when it is all there.
        const QSignalBlocker quiet(&store);
        id = store.createConversation(title, root.value("model"_L1).toString().left(200));
        if (!id)
            return fail(u"it could not be saved: %1"_s.arg(store.errorString()));
        if (!systemPrompt.isEmpty())
            store.setConversationSystemPrompt(id, systemPrompt);
        for (Message &m : messages) {
            m.conversation = id;
            if (!store.addMessage(m)) {
                const QString why = store.errorString();
                store.deleteConversation(id);
                store.purgeConversation(id);
                return fail(u"it could not be saved: %1"_s.arg(why));
            }
        }
    }
    Q_EMIT store.conversationsChanged();
    return id;
}

} // namespace RillChat::ConversationIO
