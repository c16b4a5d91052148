#include "chatservice.h"

#include "chatview.h"

#include <rill/markdown.h>
#include <rill/markdownstream.h>
#include <rill/pubsub.h>

#include <QLoggingCategory>
#include <QSignalBlocker>

#include <algorithm>
#include <vector>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcChat, "rill.chat.service", QtWarningMsg)

namespace RillChat {

namespace {
constexpr int TickMs = 16;        // one markdown render per frame, not per token
constexpr qint64 SaveEveryMs = 250; // partial answers reach the disk this often
}

LiveAnswer::LiveAnswer() : markdown(std::make_unique<Rill::MarkdownStream>()) {}
LiveAnswer::~LiveAnswer() = default;

ChatService::ChatService(ConversationStore *store, QObject *parent)
    : QObject(parent), m_store(store), m_ownPubSub(std::make_unique<Rill::PubSub>())
{
    m_tick.setInterval(TickMs);
    connect(&m_tick, &QTimer::timeout, this, &ChatService::tick);
}

ChatService::~ChatService()
{
    // generate() may resume after this (its request ends when cancelled): it
    // sees m_alive false and touches nothing of the service.
    *m_alive = false;
    for (auto &[id, answer] : m_live) {
        save(*answer, Message::Status::Interrupted);
        answer->cancel.cancel();
    }
}

void ChatService::setPubSub(Rill::PubSub *pubsub)
{
    m_pubsub = pubsub;
}

Rill::PubSub *ChatService::pubSub() const
{
    return m_pubsub ? m_pubsub.get() : m_ownPubSub.get();
}

QString ChatService::topic(qint64 conversation)
{
    return u"rill-chat/answers/%1"_s.arg(conversation);
}

void ChatService::publish(const LiveAnswer &a, QVariantMap message)
{
    message.insert(u"conversation"_s, a.conversation);
    message.insert(u"answer"_s, a.messageId);
    pubSub()->publish(topic(a.conversation), message);
}

void ChatService::setProvider(std::shared_ptr<Rill::Llm::Provider> provider)
{
    m_provider = std::move(provider);
    m_models.clear();
    Q_EMIT modelsChanged();
}

QCoro::Task<> ChatService::refreshModels()
{
    // Keep the provider alive across the await: settings may replace it.
    std::shared_ptr<Rill::Llm::Provider> provider = m_provider;
    if (!provider)
        co_return;
    try {
        m_models = co_await provider->models();
        m_modelsError.clear();
    } catch (const Rill::Llm::ProviderError &e) {
        m_models.clear();
        m_modelsError = e.message();
    }
    Q_EMIT modelsChanged();
}

const LiveAnswer *ChatService::live(qint64 conversation) const
{
    auto it = m_live.find(conversation);
    return it == m_live.end() ? nullptr : it->second.get();
}

QString ChatService::answerHtml(qint64 messageId, const QString &content) const
{
    CachedAnswer &entry = m_answerHtml[messageId];
    entry.used = ++m_answerUse;
    if (entry.html.isNull() || entry.content != content) { // a shared QString compares by pointer first
        entry.content = content;
        entry.html = ChatView::withCodeCopyButtons(Rill::renderMarkdown(content));
    }
    if (m_answerHtml.size() > std::size_t(MaxCachedAnswers)) {
        // Drop the least recently used quarter at once: amortised O(log n).
        std::vector<std::pair<quint64, qint64>> byUse;
        byUse.reserve(m_answerHtml.size());
        for (const auto &[id, e] : m_answerHtml)
            byUse.emplace_back(e.used, id);
        std::nth_element(byUse.begin(), byUse.begin() + MaxCachedAnswers / 4, byUse.end());
        for (auto it = byUse.begin(); it != byUse.begin() + MaxCachedAnswers / 4; ++it)
            m_answerHtml.erase(it->second);
    }
    return m_answerHtml.at(messageId).html;
}

QString ChatService::statsText(qint64 firstTokenMs, double tokensPerSecond)
{
    QStringList parts;
    if (firstTokenMs >= 0)
        parts << u"first token %1 s"_s.arg(double(firstTokenMs) / 1000.0, 0, 'f', 2);
    if (tokensPerSecond > 0)
        parts << u"%1 tokens/s"_s.arg(tokensPerSecond, 0, 'f', 1);
    return parts.join(u" · "_s);
}

bool ChatService::startAnswer(qint64 conversation, const QString &model)
{
    if (isAnswering(conversation) || !m_provider)
        return false;
    auto answer = std::make_shared<LiveAnswer>();
    answer->conversation = conversation;
    answer->model = model;
    Message placeholder;
    placeholder.conversation = conversation;
    placeholder.role = u"assistant"_s;
    placeholder.status = Message::Status::Streaming;
    placeholder.model = model;
    {
        // Pages re-render once the answer is live: before, they would show
        // the placeholder as a finished (empty) answer.
        const QSignalBlocker quiet(m_store);
        answer->messageId = m_store->addMessage(placeholder);
    }
    if (!answer->messageId) {
        qCWarning(lcChat) << "cannot save the answer:" << m_store->errorString();
        return false;
    }
    publish(*answer, {{u"kind"_s, u"started"_s}});
    m_live.emplace(conversation, std::move(answer));
    Q_EMIT m_store->conversationsChanged();
    if (!m_tick.isActive())
        m_tick.start();
    Q_EMIT answerStarted(conversation);
    generate(conversation); // detached: it reports through signals
    return true;
}

void ChatService::stop(qint64 conversation)
{
    if (auto it = m_live.find(conversation); it != m_live.end())
        it->second->cancel.cancel(); // aborts the HTTP request
}

QCoro::Task<> ChatService::generate(qint64 conversation)
{
    const std::shared_ptr<LiveAnswer> answer = m_live.at(conversation);
    LiveAnswer *a = answer.get();
    const std::shared_ptr<const bool> alive = m_alive;
    std::shared_ptr<Rill::Llm::Provider> provider = m_provider;
    const Rill::Llm::ChatRequest request = this->request(conversation, a->model, a->messageId);
    a->clock.start();
    QString error;
    bool cancelled = false;
    try {
        QCORO_FOREACH (const Rill::Llm::ChatEvent &event, provider->chat(request, &a->cancel)) {
            if (!*alive)
                co_return; // the service is gone; its destructor saved the answer
            switch (event.kind) {
            case Rill::Llm::ChatEvent::Kind::Content:
                if (a->firstTokenMs < 0)
                    a->firstTokenMs = a->clock.elapsed();
                a->lastTokenMs = a->clock.elapsed();
                ++a->tokens;
                a->content += event.text;
                a->markdown->feed(event.text);
                a->dirty = true;
                break;
            case Rill::Llm::ChatEvent::Kind::Reasoning:
                if (a->firstTokenMs < 0)
                    a->firstTokenMs = a->clock.elapsed();
                a->reasoning += event.text;
                a->pendingReasoning += event.text;
                a->dirty = true;
                break;
            case Rill::Llm::ChatEvent::Kind::Finished:
                cancelled = event.finishReason == u"cancelled"_s;
                a->usage = event.usage;
                break;
            }
        }
    } catch (const Rill::Llm::ProviderError &e) {
        error = e.message();
    } catch (const std::exception &e) {
        error = QString::fromUtf8(e.what());
    }
    if (!*alive)
        co_return;
    // What the last tick has not shown yet, then the rest of the Markdown.
    a->pendingFinished += a->markdown->takeFinishedHtml() + a->markdown->finish();
    a->tailHtml.clear();
    publishProgress(*a);
    const Message::Status status = !error.isEmpty() ? Message::Status::Failed
        : cancelled                                   ? Message::Status::Stopped
                                                      : Message::Status::Complete;
    save(*a, status, error);
    m_live.erase(conversation); // `answer` keeps it alive to the end of this
    if (m_live.empty())
        m_tick.stop();
    publish(*a, {{u"kind"_s, u"ended"_s}, {u"error"_s, error}});
    Q_EMIT answerEnded(conversation, error);
}

QString ChatService::cutShortNote(Message::Status status)
{
    switch (status) {
    case Message::Status::Stopped: return u"[The user stopped this answer here; it is incomplete.]"_s;
    case Message::Status::Interrupted:
    case Message::Status::Failed: return u"[This answer was cut off here; it is incomplete.]"_s;
    default: break;
    }
    return {};
}

Rill::Llm::ChatRequest ChatService::request(qint64 conversation, const QString &model, qint64 answerId) const
{
    Rill::Llm::ChatRequest request;
    request.model = model;
    const GenerationSettings generation = m_settings ? m_settings->generation() : GenerationSettings{};
    request.temperature = generation.temperature;
    request.topP = generation.topP;
    request.maxTokens = generation.maxTokens;
    request.contextLength = generation.contextLength;
    QString system = generation.systemPrompt;
    if (const std::optional<Conversation> c = m_store->conversation(conversation); c && !c->systemPrompt.isEmpty())
        system = c->systemPrompt;
    if (!system.trimmed().isEmpty())
        request.messages.append({u"system"_s, system});
    for (const Message &m : m_store->messages(conversation)) {
        if (m.id == answerId)
            break; // the answer being written, and nothing after it
        if (m.role == u"system"_s)
            continue;
        // A stopped answer is sent as far as it got, followed by a note that
        // it was cut short there: the model must not take it as complete.
        // (In the assistant's turn, not as a system message: many chat
        // templates accept a system message only first.)
        // A failed answer with nothing in it is left out, as before.
        if (m.role == u"user"_s && !m.attachments.isEmpty()) {
            // Text files go into the prompt after the question, each named;
            // images as the provider takes them.
            Rill::Llm::ChatMessage question{m.role, m.content, {}};
            for (const Attachment &a : m_store->attachments(m.id, true)) {
                if (a.isImage()) {
                    question.images.append({a.mimeType, a.data});
                    continue;
                }
                const QString text = QString::fromUtf8(a.data);
                QString fence = u"```"_s;
                while (text.contains(fence))
                    fence += u'`';
                question.content += u"\n\nFile %1:\n%2\n%3\n%2"_s.arg(a.name, fence, text);
            }
            question.content = question.content.trimmed();
            request.messages.append(question);
            continue;
        }
        const bool cut = m.role == u"assistant"_s && (m.status != Message::Status::Failed || !m.content.isEmpty());
        const QString note = cut ? cutShortNote(m.status) : QString();
        if (!note.isEmpty()) {
            request.messages.append({m.role, m.content.isEmpty() ? note : m.content + u"\n\n"_s + note});
            continue;
        }
        if (m.content.isEmpty())
            continue;
        request.messages.append({m.role, m.content});
    }
    return request;
}

void ChatService::emitProgress(LiveAnswer &a)
{
    a.pendingFinished += a.markdown->takeFinishedHtml();
    a.tailHtml = a.markdown->tailHtml();
    publishProgress(a);
}

void ChatService::publishProgress(LiveAnswer &a)
{
    a.finishedHtml += a.pendingFinished;
    ++a.progressSeq;
    publish(a, {{u"kind"_s, u"progress"_s},
                {u"seq"_s, a.progressSeq},
                {u"finished"_s, a.pendingFinished},
                {u"tail"_s, a.tailHtml},
                {u"reasoning"_s, a.pendingReasoning}});
    Q_EMIT answerProgress(a.conversation, a.pendingFinished, a.tailHtml, a.pendingReasoning);
    a.pendingFinished.clear();
    a.pendingReasoning.clear();
}

void ChatService::tick()
{
    for (auto &[id, answer] : m_live) {
        LiveAnswer &a = *answer;
        if (!a.dirty)
            continue;
        a.dirty = false;
        emitProgress(a);
        if (a.clock.elapsed() - a.savedAtMs >= SaveEveryMs)
            save(a, Message::Status::Streaming);
    }
}

void ChatService::save(LiveAnswer &a, Message::Status status, const QString &error)
{
    a.savedAtMs = a.clock.isValid() ? a.clock.elapsed() : 0;
    Message m;
    m.id = a.messageId;
    m.content = a.content;
    m.reasoning = a.reasoning;
    m.status = status;
    m.error = error;
    if (a.firstTokenMs >= 0)
        m.firstTokenMs = a.firstTokenMs;
    const qint64 span = a.lastTokenMs - a.firstTokenMs;
    if (a.tokens > 1 && span > 0)
        m.tokensPerSecond = double(a.tokens - 1) * 1000.0 / double(span);
    if (a.usage.promptTokens >= 0)
        m.promptTokens = a.usage.promptTokens;
    if (a.usage.completionTokens >= 0)
        m.completionTokens = a.usage.completionTokens;
    if (!m_store->updateMessage(m))
        qCWarning(lcChat) << "cannot save the answer:" << m_store->errorString();
}

} // namespace RillChat
