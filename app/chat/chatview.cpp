#include "chatview.h"

#include "chatservice.h"

#include <rill/markdown.h>
#include <rill/request.h>

using namespace Qt::StringLiterals;

namespace RillChat {

ChatView::ChatView(ChatService *service, ApplySettings applySettings)
    : m_service(service), m_applySettings(std::move(applySettings))
{
    setTemplateName(u"chat.html"_s);
    handle(u"new_chat"_s, &ChatView::newChat);
    handle(u"open"_s, &ChatView::open);
    handle(u"send"_s, &ChatView::send);
    handle(u"stop"_s, &ChatView::stop);
    handle(u"regenerate"_s, &ChatView::regenerate);
    handle(u"edit_start"_s, &ChatView::editStart);
    handle(u"edit_cancel"_s, &ChatView::editCancel);
    handle(u"edit"_s, &ChatView::edit);
    handle(u"delete"_s, &ChatView::remove);
    handle(u"set_model"_s, &ChatView::setModel);
    handle(u"toggle_settings"_s, &ChatView::toggleSettings);
    handle(u"save_settings"_s, &ChatView::saveSettings);

    connect(m_service, &ChatService::answerStarted, this, &ChatView::onAnswerStarted);
    connect(m_service, &ChatService::answerProgress, this, &ChatView::onAnswerProgress);
    connect(m_service, &ChatService::answerEnded, this, &ChatView::onAnswerEnded);
    connect(m_service, &ChatService::modelsChanged, this, [this] {
        if (!m_service->models().contains(m_model) && !m_service->models().isEmpty())
            m_model = m_service->models().first();
        pushState();
    });
    connect(m_service->store(), &ConversationStore::conversationsChanged, this, [this] {
        // Another page renamed, added or removed one: the sidebar follows.
        if (!isClosed())
            pushState();
    });
}

QCoro::Task<> ChatView::mount(const Rill::Request &request)
{
    const QList<Conversation> all = m_service->store()->conversations();
    bool ok = false;
    const qint64 wanted = request.query.value(u"c").toLongLong(&ok);
    if (ok && m_service->store()->conversation(wanted))
        m_conversation = wanted;
    else if (!all.isEmpty())
        m_conversation = all.first().id;
    const QStringList models = m_service->models();
    if (m_conversation)
        if (auto c = m_service->store()->conversation(m_conversation); c && models.contains(c->model))
            m_model = c->model;
    if (m_model.isEmpty() && !models.isEmpty())
        m_model = models.first();
    m_reasoningShown = !liveReasoning().isEmpty();
    co_return;
}

QVariantList ChatView::conversations() const
{
    QVariantList out;
    for (const Conversation &c : m_service->store()->conversations())
        out.append(QVariantMap{{u"id"_s, c.id}, {u"title"_s, c.title}, {u"answering"_s, m_service->isAnswering(c.id)}});
    return out;
}

QString ChatView::withCodeCopyButtons(const QString &html)
{
    QString out = html;
    // dj-update="ignore": the browser highlights the block once; re-renders
    // (which carry the plain block) must not undo that.
    out.replace(u"<pre>"_s, u"<div class=\"code-block\" dj-update=\"ignore\"><button type=\"button\" class=\"copy\" "
                            u"data-copy-code>Copy</button><pre>"_s);
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
                      {u"model"_s, m.model}};
        if (m.role == u"assistant"_s) {
            v.insert(u"html"_s, withCodeCopyButtons(Rill::renderMarkdown(m.content)));
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
    return !all.isEmpty();
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

// ---- service signals -------------------------------------------------------

void ChatView::onAnswerStarted(qint64 conversation)
{
    if (conversation != m_conversation || isClosed())
        return;
    m_reasoningShown = false;
    pushState(); // the live answer's elements, then their streams start
    streamStart(u"answer"_s);
    streamStart(u"answer-tail"_s);
}

void ChatView::onAnswerProgress(qint64 conversation, const QString &finished, const QString &tail,
                                const QString &reasoning)
{
    if (conversation != m_conversation || isClosed())
        return;
    if (!reasoning.isEmpty() && !m_reasoningShown) {
        // The reasoning section appears with everything so far.
        m_reasoningShown = true;
        pushState();
    } else if (!reasoning.isEmpty()) {
        streamText(u"reasoning"_s, reasoning, Rill::StreamOp::TextMode::Append);
    }
    if (!finished.isEmpty())
        streamInsert(u"answer"_s, withCodeCopyButtons(finished));
    streamTo(u"answer-tail"_s, {}, tail); // only the open block, re-rendered
}

void ChatView::onAnswerEnded(qint64 conversation, const QString &error)
{
    if (conversation != m_conversation || isClosed())
        return;
    if (error.isEmpty()) {
        streamDone(u"answer"_s);
    } else {
        streamError(u"answer"_s, error);
        m_notice = error;
    }
    streamDone(u"answer-tail"_s);
    pushState(); // the answer joins the message list
}

// ---- handlers --------------------------------------------------------------

QCoro::Task<> ChatView::newChat(QVariantMap)
{
    m_conversation = 0;
    m_editing = 0;
    m_notice.clear();
    co_return;
}

QCoro::Task<> ChatView::open(QVariantMap params)
{
    const qint64 id = Rill::Params::integer(params, u"id"_s);
    if (!m_service->store()->conversation(id))
        throw Rill::ParamError("no such conversation");
    m_conversation = id;
    m_editing = 0;
    m_notice.clear();
    m_reasoningShown = !liveReasoning().isEmpty();
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
    if (content.isEmpty())
        co_return;
    if (streaming()) {
        m_notice = u"Wait for the answer to finish, or stop it."_s;
        co_return;
    }
    ConversationStore *store = m_service->store();
    if (!m_conversation) {
        const QString title = content.left(60).simplified();
        m_conversation = store->createConversation(title, m_model);
        if (!m_conversation)
            throw std::runtime_error("cannot save the conversation: " + store->errorString().toStdString());
    }
    Message question;
    question.conversation = m_conversation;
    question.role = u"user"_s;
    question.content = content;
    if (!store->addMessage(question))
        throw std::runtime_error("cannot save the message: " + store->errorString().toStdString());
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
    // Back to the last question; its answers go.
    for (auto it = all.crbegin(); it != all.crend(); ++it) {
        if (it->role == u"user"_s) {
            store->deleteMessagesAfter(m_conversation, it->id);
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
    m->content = content;
    store->updateMessage(*m);
    store->deleteMessagesAfter(m_conversation, id);
    co_await answer();
}

QCoro::Task<> ChatView::remove(QVariantMap params)
{
    const qint64 id = Rill::Params::integer(params, u"id"_s);
    m_service->stop(id);
    m_service->store()->deleteConversation(id);
    if (id == m_conversation)
        m_conversation = 0;
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
    co_return;
}

QCoro::Task<> ChatView::toggleSettings(QVariantMap)
{
    m_showSettings = !m_showSettings;
    co_return;
}

QCoro::Task<> ChatView::saveSettings(QVariantMap params)
{
    Rill::Llm::ProviderConfig config;
    const QString kind = Rill::Params::string(params, u"provider"_s);
    const QString url = params.value(u"url"_s).toString().trimmed();
    config.apiKey = params.value(u"api_key"_s).toString().trimmed();
    if (kind == u"openai"_s) {
        config.kind = Rill::Llm::ProviderConfig::Kind::OpenAI;
        config.openAiBaseUrl = QUrl(url.isEmpty() ? u"https://api.openai.com"_s : url);
    } else if (kind == u"ollama"_s) {
        config.kind = Rill::Llm::ProviderConfig::Kind::Ollama;
        config.ollamaHost = QUrl(url.isEmpty() ? u"http://127.0.0.1:11434"_s : url);
    } else if (kind == u"demo"_s) {
        config.kind = Rill::Llm::ProviderConfig::Kind::Demo;
    } else {
        config.kind = Rill::Llm::ProviderConfig::Kind::Auto;
    }
    m_showSettings = false;
    co_await m_applySettings(config);
}

} // namespace RillChat
