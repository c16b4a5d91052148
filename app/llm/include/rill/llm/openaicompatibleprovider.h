#pragma once

#include <rill/llm/provider.h>

#include <QUrl>

class QNetworkAccessManager;

namespace Rill::Llm {

/*!
  The OpenAI chat-completions API as llama.cpp's server, vLLM, LM Studio and
  OpenAI speak it: POST /v1/chat/completions streamed as Server-Sent Events,
  GET /v1/models. A reasoning channel (`delta.reasoning_content` or
  `delta.reasoning`) comes out as Reasoning events.

  \code
  Rill::Llm::OpenAICompatibleProvider openai(QUrl(u"http://127.0.0.1:8080"_s));
  openai.setApiKey(qEnvironmentVariable("OPENAI_API_KEY"));
  try {
      const QStringList models = co_await openai.models();
  } catch (const Rill::Llm::ProviderError &e) {
      qWarning() << e.message(); // "The server returned HTTP 401: Incorrect API key provided."
  }
  \endcode
*/
class OpenAICompatibleProvider : public Provider
{
    Q_OBJECT
public:
    //! \a baseUrl with or without a trailing "/v1" ("https://api.openai.com/v1" works).
    explicit OpenAICompatibleProvider(const QUrl &baseUrl, QObject *parent = nullptr);
    ~OpenAICompatibleProvider() override;

    //! The base URL without "/v1".
    QUrl baseUrl() const;
    QString apiKey() const;
    //! Sent as "Authorization: Bearer KEY" when not empty.
    void setApiKey(const QString &key);

    QString kind() const override;
    QString displayName() const override;
    QCoro::Task<QStringList> models() override;
    QCoro::AsyncGenerator<ChatEvent> chat(ChatRequest request, CancelToken *cancel = nullptr) override;

private:
    QUrl endpoint(const QString &path) const;

    QUrl m_baseUrl;
    QString m_apiKey;
    QNetworkAccessManager *m_network;
};

} // namespace Rill::Llm
