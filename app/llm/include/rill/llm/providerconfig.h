#pragma once

#include <rill/llm/provider.h>

#include <QProcessEnvironment>
#include <QUrl>

#include <memory>

class QCommandLineParser;

namespace Rill::Llm {

/*!
  Which provider to use, from flags and the environment, and the discovery
  that runs when neither names one.

  Precedence: --provider; else OPENAI_BASE_URL (or --openai-base-url) picks
  the OpenAI-compatible provider; else OLLAMA_HOST (or --ollama-host) picks
  Ollama; else OPENAI_API_KEY alone means OpenAI itself; else discovery
  probes a local Ollama (127.0.0.1:11434, /api/tags), then a llama.cpp
  server (127.0.0.1:8080, /v1/models), and falls back to the offline demo.

  \code
  QCommandLineParser parser;
  Rill::Llm::ProviderConfig::addOptions(parser);
  parser.process(app);
  auto config = Rill::Llm::ProviderConfig::fromCommandLine(parser);  // flags over environment
  std::unique_ptr<Rill::Llm::Provider> provider = co_await Rill::Llm::createProvider(config);
  qInfo() << "using" << provider->displayName();  // never fails: the demo is the last resort
  \endcode

  An explicitly configured provider is not probed: if it is down, the first
  models() or chat() throws ProviderError with the reason.
*/
struct ProviderConfig
{
    enum class Kind { Auto, OpenAI, Ollama, Demo };

    Kind kind = Kind::Auto;
    QUrl openAiBaseUrl;
    QString apiKey;
    QUrl ollamaHost;
    Timeouts timeouts;

    // Discovery, for Kind::Auto.
    QUrl probeOllama{QStringLiteral("http://127.0.0.1:11434")};
    QUrl probeLlamaCpp{QStringLiteral("http://127.0.0.1:8080")};
    std::chrono::milliseconds probeTimeout{800};

    //! Reads OPENAI_BASE_URL, OPENAI_API_KEY and OLLAMA_HOST.
    static ProviderConfig fromEnvironment(const QProcessEnvironment &env = QProcessEnvironment::systemEnvironment());
    //! --provider auto|openai|ollama|demo, --openai-base-url URL, --api-key KEY, --ollama-host HOST.
    static void addOptions(QCommandLineParser &parser);
    //! The environment, overridden by the flags that were given. Throws
    //! ProviderError for an unknown --provider value.
    static ProviderConfig fromCommandLine(const QCommandLineParser &parser,
                                          const QProcessEnvironment &env = QProcessEnvironment::systemEnvironment());
};

//! The provider \a config names, or the first one discovery finds, or the demo.
QCoro::Task<std::unique_ptr<Provider>> createProvider(ProviderConfig config);

} // namespace Rill::Llm
