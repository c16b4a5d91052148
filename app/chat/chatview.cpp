#include "chatview.h"

#include "chatservice.h"
#include "conversationio.h"

#include <rill/llm/ollamaprovider.h>
#include <rill/markdown.h>
#include <rill/pubsub.h>
#include <rill/request.h>

#include <QLocale>
#include <QRegularExpression>
#include <QSignalBlocker>
#include <QStringDecoder>

using namespace Qt::StringLiterals;

namespace RillChat {

ChatView::ChatView(ChatService *service, ApplySettings applySettings)
    : m_service(service), m_applySettings(std::move(applySettings))
{
    setTemplateName(u"chat.html"_s);
    on(u"new_chat"_s, &ChatView::newChat);
    on(u"open"_s, &ChatView::open);
    on(u"send"_s, &ChatView::send);
    on(u"stop"_s, &ChatView::stop);
    on(u"regenerate"_s, &ChatView::regenerate);
    on(u"edit_start"_s, &ChatView::editStart);
    on(u"edit_cancel"_s, &ChatView::editCancel);
    on(u"edit"_s, &ChatView::edit);
    on(u"delete"_s, &ChatView::remove);
    on(u"set_model"_s, &ChatView::setModel);
    on(u"toggle_settings"_s, &ChatView::toggleSettings);
    on(u"save_settings"_s, &ChatView::saveSettings);
    on(u"version"_s, &ChatView::version);
    on(u"pin"_s, &ChatView::pin);
    on(u"rename_start"_s, &ChatView::renameStart);
    on(u"rename_cancel"_s, &ChatView::renameCancel);
    on(u"rename"_s, &ChatView::rename);
    handle(u"undo_delete"_s, &ChatView::undoDelete); // the one action that keeps the offer
    handle(u"search"_s, &ChatView::search);           // typing a search keeps it, too
    on(u"attach"_s, &ChatView::attach);
    on(u"export"_s, &ChatView::exportConversation);
    on(u"import"_s, &ChatView::importConversation);
    on(u"detach"_s, &ChatView::detach);

    m_undoTimer.setSingleShot(true);
    m_undoTimer.setInterval(UndoMs);
    connect(&m_undoTimer, &QTimer::timeout, this, [this] {
        endUndo();
        if (!isClosed())
            pushState();
    });

    connect(m_service, &ChatService::modelsChanged, this, [this] {
        if (!m_service->models().contains(m_model))
            m_model = preferredModel();
        pushState();
    });
    connect(m_service->store(), &ConversationStore::conversationsChanged, this, [this] {
        // Another page renamed, added or removed one: the sidebar follows.
        if (m_conversation && !m_service->store()->conversation(m_conversation))
            show(0); // deleted elsewhere
        if (!isClosed())
            pushState();
    });
}

ChatView::~ChatView()
{
    endUndo();
}

// Every action but Undo itself ends the offer to undo a deletion.
template<typename Method>
void ChatView::on(const QString &event, Method method)
{
    handle(event, [this, method](QVariantMap params) -> QCoro::Task<> {
        endUndo();
        m_download.clear(); // saved by the page already
        return (this->*method)(std::move(params));
    });
}

void ChatView::endUndo()
{
    m_undoTimer.stop();
    if (m_undoId)
        m_service->store()->purgeConversation(m_undoId); // no-op if it was restored meanwhile
    m_undoId = 0;
    m_undoTitle.clear();
}

QString ChatView::preferredModel(const QString &conversationModel) const
{
    const QStringList models = m_service->models();
    if (models.contains(conversationModel))
        return conversationModel;
    if (const ChatSettings *s = m_service->settings(); s && models.contains(s->model()))
        return s->model();
    return models.isEmpty() ? QString() : models.first();
}

QCoro::Task<> ChatView::mount(const Rill::Request &request)
{
    const QList<Conversation> all = m_service->store()->conversations();
    bool ok = false;
    const qint64 wanted = request.query.value(u"c").toLongLong(&ok);
    if (ok && m_service->store()->conversation(wanted))
        show(wanted);
    else if (!all.isEmpty())
        show(all.first().id);
    QString conversationModel;
    if (m_conversation)
        if (auto c = m_service->store()->conversation(m_conversation))
            conversationModel = c->model;
    m_model = preferredModel(conversationModel);
    co_return;
}

QVariantList ChatView::conversations() const
{
    QVariantList out;
    for (const Conversation &c : m_service->store()->conversations())
        out.append(QVariantMap{{u"id"_s, c.id}, {u"title"_s, c.title}, {u"answering"_s, m_service->isAnswering(c.id)},
                               {u"pinned"_s, c.pinned}});
    return out;
}

QString ChatView::dateGroup(const QDateTime &updated, const QDateTime &now)
{
    const qint64 days = updated.toLocalTime().date().daysTo(now.toLocalTime().date());
    if (days <= 0)
        return u"Today"_s;
    if (days == 1)
        return u"Yesterday"_s;
    if (days < 7)
        return u"Previous 7 days"_s;
    if (days < 30)
        return u"Previous 30 days"_s;
    return QLocale::c().toString(updated.toLocalTime().date(), u"MMMM yyyy"_s);
}

QVariantList ChatView::groups() const
{
    QVariantList out;
    QString label;
    QVariantList items;
    const QDateTime now = QDateTime::currentDateTime();
    for (const Conversation &c : m_service->store()->conversations()) { // pinned first, then newest first
        const QString group = c.pinned ? u"Pinned"_s : dateGroup(c.updated, now);
        if (group != label && !items.isEmpty()) {
            out.append(QVariantMap{{u"label"_s, label}, {u"items"_s, items}});
            items.clear();
        }
        label = group;
        items.append(QVariantMap{{u"id"_s, c.id}, {u"title"_s, c.title}, {u"answering"_s, m_service->isAnswering(c.id)},
                                 {u"pinned"_s, c.pinned}});
    }
    if (!items.isEmpty())
        out.append(QVariantMap{{u"label"_s, label}, {u"items"_s, items}});
    return out;
}

QVariantList ChatView::searchResults() const
{
    QVariantList out;
    if (m_search.trimmed().isEmpty())
        return out;
    auto parts = [](const QStringList &segments) {
        QVariantList out;
        for (qsizetype i = 0; i < segments.size(); ++i)
            if (!segments[i].isEmpty())
                out.append(QVariantMap{{u"text"_s, segments[i]}, {u"hit"_s, i % 2 == 1}});
        return out;
    };
    for (const SearchHit &hit : m_service->store()->search(m_search))
        out.append(QVariantMap{{u"id"_s, hit.conversation},
                               {u"title"_s, hit.title},
                               {u"title_parts"_s, parts(hit.titleParts)},
                               {u"snippet"_s, parts(hit.snippet)}});
    return out;
}

QString ChatView::withCodeCopyButtons(const QString &html)
{
    // md4c writes each fenced block as <pre><code class="language-X"> (X
    // escaped); the block gets a header with the language and a copy button.
    // dj-update="ignore": the browser highlights the block once; re-renders
    // (which carry the plain block) must not undo that.
    static const QRegularExpression block(u"<pre><code(?: class=\"language-([^\"]*)\")?>"_s);
    QString out;
    out.reserve(html.size() + 256);
    qsizetype at = 0;
    for (auto it = block.globalMatch(html); it.hasNext();) {
        const QRegularExpressionMatch m = it.next();
        out += QStringView(html).mid(at, m.capturedStart() - at);
        out += u"<div class=\"code-block\" dj-update=\"ignore\">"_s;
        if (const QString lang = m.captured(1); !lang.isEmpty())
            out += u"<span class=\"code-lang\">"_s + lang + u"</span>"_s;
        out += u"<button type=\"button\" class=\"copy\" data-copy-code>Copy</button>"_s + m.captured(0);
        at = m.capturedEnd();
    }
    out += QStringView(html).mid(at);
    out.replace(u"</pre>"_s, u"</pre></div>"_s);
    return out;
}

QVariantList ChatView::messages() const
{
    QVariantList out;
    if (!m_conversation)
        return out;
    const LiveAnswer *live = m_service->live(m_conversation);
    for (const Message &m : m_service->store()->messages(m_conversation)) {
        if (live && m.id == live->messageId)
            continue; // shown from the live answer instead
        QVariantMap v{{u"id"_s, m.id},
                      {u"role"_s, m.role},
                      {u"content"_s, m.content},
                      {u"reasoning"_s, m.reasoning},
                      {u"status"_s, ConversationStore::statusName(m.status)},
                      {u"error"_s, m.error},
                      {u"model"_s, m.model},
                      {u"version"_s, m.version},
                      {u"versions"_s, m.versions},
                      {u"prev_version"_s, m.previousVersion},
                      {u"next_version"_s, m.nextVersion}};
        if (!m.attachments.isEmpty()) {
            QVariantList files;
            for (const Attachment &a : m.attachments)
                files.append(QVariantMap{{u"name"_s, a.name}, {u"size"_s, sizeText(a.size)}, {u"image"_s, a.isImage()}});
            v.insert(u"files"_s, files);
        }
        if (m.role == u"assistant"_s) {
            v.insert(u"html"_s, m_service->answerHtml(m.id, m.content));
            v.insert(u"stats"_s, ChatService::statsText(m.firstTokenMs.value_or(-1), m.tokensPerSecond.value_or(0)));
        }
        out.append(v);
    }
    return out;
}

bool ChatView::streaming() const { return m_conversation && m_service->isAnswering(m_conversation); }

bool ChatView::canRegenerate() const
{
    if (!m_conversation || streaming())
        return false;
    const QList<Message> all = m_service->store()->messages(m_conversation);
    return std::any_of(all.cbegin(), all.cend(), [](const Message &m) { return m.role == u"user"_s; });
}

QString ChatView::liveFinished() const
{
    const LiveAnswer *a = m_conversation ? m_service->live(m_conversation) : nullptr;
    return a ? withCodeCopyButtons(a->finishedHtml) : QString();
}

QString ChatView::liveTail() const
{
    const LiveAnswer *a = m_conversation ? m_service->live(m_conversation) : nullptr;
    return a ? a->tailHtml : QString();
}

QString ChatView::liveReasoning() const
{
    const LiveAnswer *a = m_conversation ? m_service->live(m_conversation) : nullptr;
    return a ? a->reasoning : QString();
}

QStringList ChatView::models() const { return m_service->models(); }
QString ChatView::modelsError() const { return m_service->modelsError(); }
QString ChatView::providerName() const { return m_service->provider() ? m_service->provider()->displayName() : QString(); }
bool ChatView::isDemo() const { return m_service->provider() && m_service->provider()->isDemo(); }

namespace {
QString optionalText(const std::optional<double> &v) { return v ? QString::number(*v) : QString(); }
QString optionalText(const std::optional<int> &v) { return v ? QString::number(*v) : QString(); }
} // namespace

QVariantMap ChatView::settings() const
{
    QVariantMap out;
    const ChatSettings *s = m_service->settings();
    if (!s)
        return out;
    using Kind = Rill::Llm::ProviderConfig::Kind;
    const Rill::Llm::ProviderConfig current = s->current();
    out.insert(u"provider"_s, ChatSettings::kindName(current.kind));
    QString url;
    if (current.kind == Kind::OpenAI)
        url = current.openAiBaseUrl.toString();
    else if (current.kind == Kind::Ollama)
        url = current.ollamaHost.toString();
    out.insert(u"url"_s, url);
    out.insert(u"has_key"_s, !current.apiKey.isEmpty()); // never the key itself: remote pages see this
    out.insert(u"key_in_store"_s, s->usesSecretStore());
    const GenerationSettings g = s->generation();
    out.insert(u"system_prompt"_s, g.systemPrompt);
    out.insert(u"temperature"_s, optionalText(g.temperature));
    out.insert(u"top_p"_s, optionalText(g.topP));
    out.insert(u"max_tokens"_s, optionalText(g.maxTokens));
    out.insert(u"context_length"_s, optionalText(g.contextLength));
    QString conversationPrompt;
    if (m_conversation)
        if (auto c = m_service->store()->conversation(m_conversation))
            conversationPrompt = c->systemPrompt;
    out.insert(u"conversation_system_prompt"_s, conversationPrompt);
    return out;
}

QVariantMap ChatView::undo() const
{
    if (!m_undoId)
        return {};
    return {{u"id"_s, m_undoId}, {u"title"_s, m_undoTitle}};
}

QVariantMap ChatView::usage() const
{
    if (!m_conversation)
        return {};
    const QList<Message> all = m_service->store()->messages(m_conversation);
    for (auto it = all.crbegin(); it != all.crend(); ++it) {
        if (it->role != u"assistant"_s || !it->promptTokens)
            continue;
        const int total = *it->promptTokens + it->completionTokens.value_or(0);
        const int context = m_service->settings() ? m_service->settings()->generation().contextLength.value_or(0) : 0;
        QVariantMap out{{u"prompt"_s, *it->promptTokens},
                        {u"completion"_s, it->completionTokens.value_or(0)},
                        {u"total"_s, total},
                        {u"context"_s, context}};
        if (context > 0)
            out.insert(u"percent"_s, qMin(100, int(qint64(total) * 100 / context)));
        return out;
    }
    return {};
}

// ---- service signals -------------------------------------------------------

void ChatView::show(qint64 id)
{
    if (id == m_conversation && (m_subscription || !id))
        return;
    m_conversation = id;
    Rill::PubSub *pubsub = m_service->pubSub();
    if (m_subscription)
        pubsub->unsubscribe(m_subscription);
    m_subscription = 0;
    if (id)
        m_subscription = pubsub->subscribe(ChatService::topic(id), this,
                                           [this](const QVariant &message) { onAnswerMessage(message); });
}

void ChatView::addContext(Rill::TemplateContext &) const
{
    // Messages come later than the answer moves on (they are queued): what
    // this render shows of it, its messages up to here must not add again.
    const LiveAnswer *a = m_conversation ? m_service->live(m_conversation) : nullptr;
    m_shownAnswer = a ? a->messageId : 0;
    m_shownSeq = a ? a->progressSeq : 0;
    m_reasoningShown = a && !a->reasoning.isEmpty();
}

void ChatView::onAnswerMessage(const QVariant &message)
{
    const QVariantMap m = message.toMap();
    if (isClosed() || m.value(u"conversation"_s).toLongLong() != m_conversation)
        return;
    const QString kind = m.value(u"kind"_s).toString();
    if (kind == u"started")
        onAnswerStarted();
    else if (kind == u"ended")
        onAnswerEnded(m.value(u"error"_s).toString());
    else if (kind == u"progress" && m.value(u"answer"_s).toLongLong() == m_shownAnswer
             && m.value(u"seq"_s).toULongLong() > m_shownSeq)
        onAnswerProgress(m); // else the page shows no such answer, or has this already
}

void ChatView::onAnswerStarted()
{
    pushState(); // the live answer's elements, then their streams start
    streamStart(u"answer"_s);
    streamStart(u"answer-tail"_s);
}

void ChatView::onAnswerProgress(const QVariantMap &message)
{
    m_shownSeq = message.value(u"seq"_s).toULongLong();
    const QString reasoning = message.value(u"reasoning"_s).toString();
    if (!reasoning.isEmpty() && !m_reasoningShown) {
        pushState(); // the reasoning section appears with everything so far
        return;
    }
    if (!reasoning.isEmpty())
        streamText(u"reasoning"_s, reasoning, Rill::StreamOp::TextMode::Append);
    if (const QString finished = message.value(u"finished"_s).toString(); !finished.isEmpty())
        streamInsert(u"answer"_s, withCodeCopyButtons(finished));
    streamTo(u"answer-tail"_s, {}, message.value(u"tail"_s).toString()); // only the open block, re-rendered
}

void ChatView::onAnswerEnded(const QString &error)
{
    if (m_shownAnswer) {
        if (error.isEmpty())
            streamDone(u"answer"_s);
        else
            streamError(u"answer"_s, error);
        streamDone(u"answer-tail"_s);
    }
    if (!error.isEmpty())
        m_notice = error;
    pushState(); // the answer joins the message list
}

// ---- handlers --------------------------------------------------------------

QCoro::Task<> ChatView::newChat(QVariantMap)
{
    show(0);
    m_editing = 0;
    m_notice.clear();
    co_return;
}

Conversation ChatView::conversationOf(const QVariantMap &params) const
{
    std::optional<Conversation> c = m_service->store()->conversation(Rill::Params::integer(params, u"id"_s));
    if (!c)
        throw Rill::ParamError("no such conversation");
    return *c;
}

QCoro::Task<> ChatView::open(QVariantMap params)
{
    show(conversationOf(params).id);
    m_editing = 0;
    m_notice.clear();
    co_return;
}

QCoro::Task<> ChatView::answer()
{
    m_notice.clear();
    if (m_model.isEmpty() && !m_service->models().isEmpty())
        m_model = m_service->models().first();
    m_service->store()->setConversationModel(m_conversation, m_model);
    if (!m_service->startAnswer(m_conversation, m_model))
        m_notice = u"An answer is already being written in this conversation."_s;
    co_return;
}

QCoro::Task<> ChatView::send(QVariantMap params)
{
    const QString content = Rill::Params::string(params, u"content"_s).trimmed();
    if (content.isEmpty() && m_pending.isEmpty())
        co_return;
    if (streaming()) {
        m_notice = u"Wait for the answer to finish, or stop it."_s;
        co_return;
    }
    ConversationStore *store = m_service->store();
    if (!m_conversation) {
        const QString title = (content.isEmpty() ? m_pending.constFirst().name : content).left(60).simplified();
        show(store->createConversation(title, m_model));
        if (!m_conversation)
            throw std::runtime_error("cannot save the conversation: " + store->errorString().toStdString());
    }
    Message question;
    question.conversation = m_conversation;
    question.role = u"user"_s;
    question.content = content;
    {
        // Pages see the question once its files are there too.
        const QSignalBlocker quiet(store);
        const qint64 id = store->addMessage(question);
        if (!id || !store->addAttachments(id, m_pending))
            throw std::runtime_error("cannot save the message: " + store->errorString().toStdString());
    }
    m_pending.clear();
    Q_EMIT store->conversationsChanged();
    co_await answer();
}

QCoro::Task<> ChatView::stop(QVariantMap)
{
    m_service->stop(m_conversation);
    co_return;
}

QCoro::Task<> ChatView::regenerate(QVariantMap)
{
    if (streaming())
        co_return;
    ConversationStore *store = m_service->store();
    const QList<Message> all = store->messages(m_conversation);
    // A new answer to the last question, beside the ones it had: they stay,
    // as earlier versions.
    for (auto it = all.crbegin(); it != all.crend(); ++it) {
        if (it->role == u"user"_s) {
            store->setLeaf(m_conversation, it->id);
            co_await answer();
            co_return;
        }
    }
}

QCoro::Task<> ChatView::editStart(QVariantMap params)
{
    m_editing = Rill::Params::integer(params, u"id"_s);
    co_return;
}

QCoro::Task<> ChatView::editCancel(QVariantMap)
{
    m_editing = 0;
    co_return;
}

QCoro::Task<> ChatView::edit(QVariantMap params)
{
    const qint64 id = Rill::Params::integer(params, u"id"_s);
    const QString content = Rill::Params::string(params, u"content"_s).trimmed();
    ConversationStore *store = m_service->store();
    std::optional<Message> m = store->message(id);
    if (!m || m->conversation != m_conversation || m->role != u"user"_s)
        throw Rill::ParamError("that message cannot be edited here");
    if (streaming() || content.isEmpty())
        co_return;
    m_editing = 0;
    // The edited question is a new version beside the old one, which keeps
    // its answers and everything after them.
    Message edited;
    edited.conversation = m_conversation;
    edited.role = u"user"_s;
    edited.content = content;
    {
        const QSignalBlocker quiet(store);
        const qint64 newId = store->addMessage(edited, m->parent);
        // The files go with the new version, as they were.
        if (!newId || !store->addAttachments(newId, store->attachments(id, true)))
            throw std::runtime_error("cannot save the message: " + store->errorString().toStdString());
    }
    Q_EMIT store->conversationsChanged();
    co_await answer();
}

QCoro::Task<> ChatView::version(QVariantMap params)
{
    const qint64 id = Rill::Params::integer(params, u"id"_s);
    ConversationStore *store = m_service->store();
    const std::optional<Message> m = store->message(id);
    if (!m || m->conversation != m_conversation)
        throw Rill::ParamError("no such message in this conversation");
    if (streaming()) {
        m_notice = u"Wait for the answer to finish, or stop it."_s;
        co_return;
    }
    m_editing = 0;
    store->selectVersion(id);
    co_return;
}

QCoro::Task<> ChatView::undoDelete(QVariantMap)
{
    m_undoTimer.stop();
    if (m_undoId && m_service->store()->restoreConversation(m_undoId))
        show(m_undoId);
    m_undoId = 0;
    m_undoTitle.clear();
    m_notice.clear();
    co_return;
}

QString ChatView::sizeText(qint64 bytes)
{
    if (bytes < 1024)
        return u"%1 B"_s.arg(bytes);
    if (bytes < 1024 * 1024)
        return u"%1 KB"_s.arg(qRound(double(bytes) / 1024.0));
    return u"%1 MB"_s.arg(double(bytes) / (1024.0 * 1024.0), 0, 'f', 1);
}

std::optional<Attachment> ChatView::checkFile(const QString &name, const QByteArray &data, QString *error)
{
    // The type is what the bytes are, not what the page says.
    struct Magic { QByteArray prefix; const char *mime; };
    static const Magic images[] = {{"\x89PNG\r\n\x1a\n", "image/png"}, {"\xff\xd8\xff", "image/jpeg"},
                                   {"GIF87a", "image/gif"}, {"GIF89a", "image/gif"}};
    QString mime;
    for (const Magic &m : images)
        if (data.startsWith(m.prefix))
            mime = QString::fromLatin1(m.mime);
    if (data.startsWith("RIFF") && data.mid(8, 4) == "WEBP")
        mime = u"image/webp"_s;
    const QString shownName = name.simplified().left(120).isEmpty() ? u"file"_s : name.simplified().left(120);
    if (!mime.isEmpty()) {
        if (data.size() > MaxImageBytes) {
            *error = u"%1 is too large (%2; images up to %3)."_s.arg(shownName, sizeText(data.size()), sizeText(MaxImageBytes));
            return std::nullopt;
        }
        return Attachment{0, shownName, mime, data.size(), data};
    }
    QStringDecoder utf8(QStringDecoder::Utf8);
    const QString text = utf8.decode(data);
    if (utf8.hasError() || data.contains('\0')) {
        *error = u"%1 is neither text nor an image (PNG, JPEG, GIF, WebP)."_s.arg(shownName);
        return std::nullopt;
    }
    if (data.size() > MaxTextBytes) {
        *error = u"%1 is too large (%2; text files up to %3)."_s.arg(shownName, sizeText(data.size()), sizeText(MaxTextBytes));
        return std::nullopt;
    }
    return Attachment{0, shownName, u"text/plain"_s, data.size(), data};
}

QVariantList ChatView::pendingFiles() const
{
    QVariantList out;
    for (qsizetype i = 0; i < m_pending.size(); ++i)
        out.append(QVariantMap{{u"index"_s, i},
                               {u"name"_s, m_pending[i].name},
                               {u"size"_s, sizeText(m_pending[i].size)},
                               {u"image"_s, m_pending[i].isImage()}});
    return out;
}

QCoro::Task<> ChatView::attach(QVariantMap params)
{
    const QString name = Rill::Params::string(params, u"name"_s);
    const QByteArray base64 = Rill::Params::string(params, u"data"_s).toLatin1();
    auto decoded = QByteArray::fromBase64Encoding(base64, QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded)
        throw Rill::ParamError("data must be base64");
    if (m_pending.size() >= MaxFiles) {
        m_notice = u"At most %1 files per message."_s.arg(MaxFiles);
        co_return;
    }
    QString error;
    if (std::optional<Attachment> file = checkFile(name, *decoded, &error)) {
        m_pending.append(*file);
        m_notice.clear();
    } else {
        m_notice = error;
    }
    co_return;
}

QCoro::Task<> ChatView::exportConversation(QVariantMap params)
{
    const QString format = Rill::Params::string(params, u"format"_s);
    const std::optional<Conversation> c = m_conversation ? m_service->store()->conversation(m_conversation) : std::nullopt;
    if (!c)
        throw Rill::ParamError("no conversation to export");
    static quint64 serial = 0; // the page saves each export once, by its id
    if (format == u"md")
        m_download = {{u"id"_s, ++serial},
                      {u"name"_s, ConversationIO::fileName(c->title, u"md"_s)},
                      {u"type"_s, u"text/markdown"_s},
                      {u"text"_s, ConversationIO::toMarkdown(*m_service->store(), c->id)}};
    else if (format == u"json")
        m_download = {{u"id"_s, ++serial},
                      {u"name"_s, ConversationIO::fileName(c->title, u"json"_s)},
                      {u"type"_s, u"application/json"_s},
                      {u"text"_s, QString::fromUtf8(ConversationIO::toJson(*m_service->store(), c->id))}};
    else
        throw Rill::ParamError("format must be md or json");
    co_return;
}

QCoro::Task<> ChatView::importConversation(QVariantMap params)
{
    const QString name = Rill::Params::string(params, u"name"_s);
    auto decoded = QByteArray::fromBase64Encoding(Rill::Params::string(params, u"data"_s).toLatin1(),
                                                  QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded)
        throw Rill::ParamError("data must be base64");
    QString error;
    QString title = name.simplified().left(120);
    if (title.endsWith(u".json"_s, Qt::CaseInsensitive))
        title.chop(5);
    const qint64 id = ConversationIO::importJson(*m_service->store(), *decoded, title, &error);
    if (!id) {
        m_notice = u"Cannot import %1: %2."_s.arg(name.simplified().left(120), error);
        co_return;
    }
    m_notice.clear();
    m_search.clear();
    show(id);
    co_return;
}

QCoro::Task<> ChatView::detach(QVariantMap params)
{
    const qint64 index = Rill::Params::integer(params, u"index"_s);
    if (index < 0 || index >= m_pending.size())
        throw Rill::ParamError("no such file");
    m_pending.removeAt(index);
    co_return;
}

QCoro::Task<> ChatView::search(QVariantMap params)
{
    m_search = Rill::Params::string(params, u"value"_s).left(200);
    co_return;
}

QCoro::Task<> ChatView::pin(QVariantMap params)
{
    const Conversation c = conversationOf(params);
    m_service->store()->setPinned(c.id, !c.pinned);
    co_return;
}

QCoro::Task<> ChatView::renameStart(QVariantMap params)
{
    m_renaming = conversationOf(params).id;
    co_return;
}

QCoro::Task<> ChatView::renameCancel(QVariantMap)
{
    m_renaming = 0;
    co_return;
}

QCoro::Task<> ChatView::rename(QVariantMap params)
{
    const QString title = Rill::Params::string(params, u"title"_s).simplified().left(200);
    const qint64 id = conversationOf(params).id;
    m_renaming = 0;
    if (!title.isEmpty()) // an empty name keeps the old one
        m_service->store()->renameConversation(id, title);
    co_return;
}

QCoro::Task<> ChatView::remove(QVariantMap params)
{
    const qint64 id = Rill::Params::integer(params, u"id"_s);
    const std::optional<Conversation> c = m_service->store()->conversation(id);
    if (!c)
        co_return;
    m_service->stop(id);
    if (!m_service->store()->deleteConversation(id))
        throw std::runtime_error("cannot delete the conversation: " + m_service->store()->errorString().toStdString());
    // Marked deleted only: Undo brings it back until the offer ends (after
    // UndoMs, or at this page's next action), then it is purged.
    m_undoId = id;
    m_undoTitle = c->title;
    m_undoTimer.start();
    if (id == m_conversation)
        show(0);
    co_return;
}

QCoro::Task<> ChatView::setModel(QVariantMap params)
{
    const QString model = Rill::Params::string(params, u"value"_s);
    if (!m_service->models().contains(model))
        throw Rill::ParamError("unknown model");
    m_model = model;
    if (m_conversation)
        m_service->store()->setConversationModel(m_conversation, m_model);
    if (ChatSettings *s = m_service->settings())
        s->setModel(model); // the default for new conversations, across starts
    co_return;
}

QCoro::Task<> ChatView::toggleSettings(QVariantMap)
{
    m_showSettings = !m_showSettings;
    co_return;
}

namespace {
// A number field of the settings form: empty is "unset"; out of range a message.
template<typename T>
bool parseOptional(const QVariantMap &params, const QString &name, double min, double max, std::optional<T> *out,
                   QString *error)
{
    const QString text = params.value(name).toString().trimmed();
    if (!params.contains(name))
        return true; // not in this form: unchanged
    if (text.isEmpty()) {
        out->reset();
        return true;
    }
    bool ok = false;
    const double v = text.toDouble(&ok);
    if (!ok || v < min || v > max || (std::is_integral_v<T> && v != double(qint64(v)))) {
        *error = u"%1 must be a%2 number from %3 to %4, or empty for the server's default."_s.arg(
            name, std::is_integral_v<T> ? u" whole"_s : QString(), QString::number(min), QString::number(max));
        return false;
    }
    *out = T(v);
    return true;
}
} // namespace

QCoro::Task<> ChatView::saveSettings(QVariantMap params)
{
    using Kind = Rill::Llm::ProviderConfig::Kind;
    ChatSettings *settings = m_service->settings();
    Rill::Llm::ProviderConfig config = settings ? settings->current() : Rill::Llm::ProviderConfig{};
    const Rill::Llm::ProviderConfig before = config;
    const Kind kind = ChatSettings::kindFromName(Rill::Params::string(params, u"provider"_s));
    const QString url = params.value(u"url"_s).toString().trimmed();
    // An empty key field keeps the key in use (the page never shows it);
    // "forget_key" removes it.
    const QString typedKey = params.value(u"api_key"_s).toString().trimmed();
    const bool forgetKey = !params.value(u"forget_key"_s).toString().isEmpty();
    config.apiKey = forgetKey ? QString() : typedKey.isEmpty() ? before.apiKey : typedKey;
    config.kind = kind;
    if (kind == Kind::OpenAI)
        config.openAiBaseUrl = QUrl::fromUserInput(url.isEmpty() ? u"https://api.openai.com/v1"_s : url);
    else if (kind == Kind::Ollama)
        config.ollamaHost = Rill::Llm::OllamaProvider::hostUrl(url);
    else if (kind == Kind::Auto) {
        config.openAiBaseUrl.clear();
        config.ollamaHost.clear();
    }

    GenerationSettings generation = settings ? settings->generation() : GenerationSettings{};
    QString error;
    if (params.contains(u"system_prompt"_s))
        generation.systemPrompt = params.value(u"system_prompt"_s).toString().trimmed();
    if (!parseOptional(params, u"temperature"_s, 0, 2, &generation.temperature, &error)
        || !parseOptional(params, u"top_p"_s, 0, 1, &generation.topP, &error)
        || !parseOptional(params, u"max_tokens"_s, 1, 10'000'000, &generation.maxTokens, &error)
        || !parseOptional(params, u"context_length"_s, 1, 10'000'000, &generation.contextLength, &error)) {
        m_notice = error; // the panel stays open, nothing saved
        co_return;
    }
    if (m_conversation && params.contains(u"conversation_system_prompt"_s))
        m_service->store()->setConversationSystemPrompt(
            m_conversation, params.value(u"conversation_system_prompt"_s).toString().trimmed());
    m_showSettings = false;
    m_notice.clear();
    if (settings) {
        if (generation != settings->generation())
            settings->setGeneration(generation);
        if (!settings->errorString().isEmpty())
            m_notice = u"Settings are in use but could not be saved: %1"_s.arg(settings->errorString());
    }
    const bool providerChanged = config.kind != before.kind || config.apiKey != before.apiKey
        || (kind == Kind::OpenAI && config.openAiBaseUrl != before.openAiBaseUrl)
        || (kind == Kind::Ollama && config.ollamaHost != before.ollamaHost);
    if (!providerChanged)
        co_return;
    if (settings) {
        const QString savedUrl = kind == Kind::OpenAI ? config.openAiBaseUrl.toString()
            : kind == Kind::Ollama                    ? config.ollamaHost.toString()
                                                      : QString();
        // Saved: a key typed here, or the one saved before; a key from the
        // environment or --api-key stays where it came from.
        const QString savedKey = forgetKey ? QString() : typedKey.isEmpty() ? settings->apiKey() : typedKey;
        if (!settings->setProvider(kind, savedUrl, savedKey))
            m_notice = u"Settings are in use but could not be saved: %1"_s.arg(settings->errorString());
    }
    co_await m_applySettings(config);
}

} // namespace RillChat
