#include <rill/llm/demoprovider.h>
#include <rill/llm/ollamaprovider.h>
#include <rill/llm/openaicompatibleprovider.h>
#include <rill/llm/providerconfig.h>

#include "replystream_p.h"

#include <QCommandLineParser>

using namespace Qt::StringLiterals;

namespace Rill::Llm {

ProviderConfig ProviderConfig::fromEnvironment(const QProcessEnvironment &env)
{
    ProviderConfig config;
    if (const QString base = env.value(u"OPENAI_BASE_URL"_s); !base.isEmpty())
        config.openAiBaseUrl = QUrl::fromUserInput(base);
    config.apiKey = env.value(u"OPENAI_API_KEY"_s);
    if (const QString host = env.value(u"OLLAMA_HOST"_s); !host.isEmpty())
        config.ollamaHost = OllamaProvider::hostUrl(host);
    return config;
}

void ProviderConfig::addOptions(QCommandLineParser &parser)
{
    parser.addOption({u"provider"_s, u"Model provider: auto (default), openai, ollama or demo."_s, u"name"_s});
    parser.addOption({u"openai-base-url"_s, u"OpenAI-compatible server (overrides OPENAI_BASE_URL)."_s, u"url"_s});
    parser.addOption({u"api-key"_s, u"API key for the OpenAI-compatible server (overrides OPENAI_API_KEY)."_s, u"key"_s});
    parser.addOption({u"ollama-host"_s, u"Ollama server (overrides OLLAMA_HOST)."_s, u"host"_s});
}

// A server address from a flag: http or https with a host, or a clear error.
static void checkServerUrl(const QUrl &url, const QString &flag, const QString &given)
{
    if (!url.isValid() || (url.scheme() != u"http"_s && url.scheme() != u"https"_s) || url.host().isEmpty())
        throw ProviderError(ProviderError::Kind::Connection,
                            u"--%1 needs an http:// or https:// address such as http://127.0.0.1:8080/v1, got \"%2\""_s
                                .arg(flag, given));
}

ProviderConfig ProviderConfig::fromCommandLine(const QCommandLineParser &parser, const QProcessEnvironment &env)
{
    ProviderConfig config = fromEnvironment(env);
    if (parser.isSet(u"openai-base-url"_s)) {
        const QString given = parser.value(u"openai-base-url"_s);
        config.openAiBaseUrl = QUrl::fromUserInput(given);
        checkServerUrl(config.openAiBaseUrl, u"openai-base-url"_s, given);
    }
    if (parser.isSet(u"api-key"_s))
        config.apiKey = parser.value(u"api-key"_s);
    if (parser.isSet(u"ollama-host"_s)) {
        const QString given = parser.value(u"ollama-host"_s);
        config.ollamaHost = OllamaProvider::hostUrl(given);
        checkServerUrl(config.ollamaHost, u"ollama-host"_s, given);
    }
    if (parser.isSet(u"provider"_s)) {
        const QString name = parser.value(u"provider"_s).toLower();
        if (name == u"auto"_s)
            config.kind = Kind::Auto;
        else if (name == u"openai"_s)
            config.kind = Kind::OpenAI;
        else if (name == u"ollama"_s)
            config.kind = Kind::Ollama;
        else if (name == u"demo"_s)
            config.kind = Kind::Demo;
        else
            throw ProviderError(ProviderError::Kind::Connection,
                                u"Unknown provider \"%1\": use auto, openai, ollama or demo."_s.arg(name));
    }
    return config;
}

static std::unique_ptr<Provider> openAi(const ProviderConfig &config)
{
    const QUrl base = config.openAiBaseUrl.isEmpty() ? QUrl(u"https://api.openai.com/v1"_s) : config.openAiBaseUrl;
    auto provider = std::make_unique<OpenAICompatibleProvider>(base);
    provider->setApiKey(config.apiKey);
    provider->setTimeouts(config.timeouts);
    return provider;
}

static std::unique_ptr<Provider> ollama(const ProviderConfig &config)
{
    auto provider = std::make_unique<OllamaProvider>(config.ollamaHost.isEmpty() ? OllamaProvider::hostUrl({}) : config.ollamaHost);
    provider->setTimeouts(config.timeouts);
    return provider;
}

static std::unique_ptr<Provider> demo(const ProviderConfig &config)
{
    auto provider = std::make_unique<DemoProvider>();
    provider->setTimeouts(config.timeouts);
    return provider;
}

// A server that answers its model list is there; what it answers does not matter.
static QCoro::Task<bool> answers(Provider *provider, std::chrono::milliseconds timeout)
{
    Timeouts probe = provider->timeouts();
    probe.request = timeout;
    provider->setTimeouts(probe);
    bool found = false;
    try {
        co_await provider->models();
        found = true;
    } catch (const ProviderError &e) {
        qCDebug(lcLlm) << "probe:" << provider->displayName() << e.message();
    }
    co_return found;
}

QCoro::Task<std::unique_ptr<Provider>> createProvider(ProviderConfig config)
{
    switch (config.kind) {
    case ProviderConfig::Kind::OpenAI:
        co_return openAi(config);
    case ProviderConfig::Kind::Ollama:
        co_return ollama(config);
    case ProviderConfig::Kind::Demo:
        co_return demo(config);
    case ProviderConfig::Kind::Auto:
        break;
    }
    if (!config.openAiBaseUrl.isEmpty())
        co_return openAi(config);
    if (!config.ollamaHost.isEmpty())
        co_return ollama(config);
    if (!config.apiKey.isEmpty())
        co_return openAi(config);

    // Both probes at once, so a machine with neither waits one timeout, not two.
    ProviderConfig ollamaConfig = config;
    ollamaConfig.ollamaHost = config.probeOllama;
    ProviderConfig llamaConfig = config;
    llamaConfig.openAiBaseUrl = config.probeLlamaCpp;
    std::unique_ptr<Provider> candidates[] = {ollama(ollamaConfig), openAi(llamaConfig)};
    QCoro::Task<bool> probes[] = {answers(candidates[0].get(), config.probeTimeout),
                                  answers(candidates[1].get(), config.probeTimeout)};
    // Both are awaited before either provider can go away: a probe still
    // running would outlive the provider it talks through.
    const bool found[] = {co_await probes[0], co_await probes[1]};
    for (int i = 0; i < 2; ++i) {
        if (found[i]) {
            candidates[i]->setTimeouts(config.timeouts);
            qCInfo(lcLlm) << "found" << candidates[i]->displayName();
            co_return std::move(candidates[i]);
        }
    }
    qCInfo(lcLlm) << "no local model server answered; using the offline demo";
    co_return demo(config);
}

} // namespace Rill::Llm
