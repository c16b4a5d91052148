#include "chatview.h"

using namespace Qt::StringLiterals;

static QVariantMap message(const QString &role, const QString &content)
{
    return {{u"role"_s, role}, {u"content"_s, content}};
}

ChatView::ChatView(TokenSourceOptions tokens) : m_tokens(tokens)
{
    setTemplateName(u"chat_page.html"_s);
    handle(u"ask"_s, &ChatView::ask);
    handle(u"stop"_s, &ChatView::stop);
}

QCoro::Task<> ChatView::ask(QVariantMap params)
{
    if (m_isStreaming)
        co_return;
    const QString content = Rill::Params::string(params, u"content"_s);

    m_messages.append(message(u"user"_s, content));
    m_isStreaming = true;
    pushState();
    // Stop cancels it: the token source ends at once, mid-wait.
    const std::shared_ptr<Rill::CancelToken> job = beginJob(u"answer"_s);

    streamStart(u"response"_s);
    QString responseText;

    try {
        QCORO_FOREACH (const QString &token, offlineTokens(content, m_tokens, job.get())) {
            responseText += token;
            streamText(u"response"_s, token);
        }
        m_messages.append(message(u"assistant"_s, responseText));
        streamDone(u"response"_s);
    } catch (const std::exception &e) {
        streamError(u"response"_s, u"Error: "_s + QString::fromUtf8(e.what()));
    }
    m_isStreaming = false;
}

QCoro::Task<> ChatView::stop(QVariantMap)
{
    // Runs while ask() is still streaming: the session keeps taking events.
    cancelJob(u"answer"_s);
    co_return;
}
