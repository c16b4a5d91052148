#pragma once

#include <rill/llm/provider.h>

#include <QUrl>

class QNetworkAccessManager;

namespace Rill::Llm {

/*!
  Ollama's native API: POST /api/chat streamed as NDJSON, GET /api/tags. A
  thinking model's `message.thinking` comes out as Reasoning events.

  \code
  Rill::Llm::OllamaProvider ollama(Rill::Llm::OllamaProvider::hostUrl(qEnvironmentVariable("OLLAMA_HOST")));
  try {
      QCORO_FOREACH (const Rill::Llm::ChatEvent &e, ollama.chat({u"llama3.2"_s, {{u"user"_s, u"Hi"_s}}}))
          out += e.text;
  } catch (const Rill::Llm::ProviderError &e) {
      qWarning() << e.message(); // "The server returned HTTP 404: model "llama3.2" not found, try pulling it first"
  }
  \endcode
*/
class OllamaProvider : public Provider
{
    Q_OBJECT
public:
    explicit OllamaProvider(const QUrl &host, QObject *parent = nullptr);
    ~OllamaProvider() override;

    //! OLLAMA_HOST as Ollama reads it: "host", "host:port" or a URL; empty
    //! means http://127.0.0.1:11434, and 0.0.0.0 (a listen address) means loopback.
    static QUrl hostUrl(const QString &ollamaHost);

    QUrl host() const;

    QString kind() const override;
    QString displayName() const override;
    QCoro::Task<QStringList> models() override;
    QCoro::AsyncGenerator<ChatEvent> chat(ChatRequest request, CancelToken *cancel = nullptr) override;

private:
    QUrl endpoint(const QString &path) const;

    QUrl m_host;
    QNetworkAccessManager *m_network;
};

} // namespace Rill::Llm
