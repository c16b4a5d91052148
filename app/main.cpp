// rill-chat: a desktop chat client for local and hosted LLMs.
//
//   rill-chat                          a window on its own server (127.0.0.1, random port, per-launch token)
//   rill-chat --serve                  no window, for remote browsers (127.0.0.1:8000)
//   rill-chat --serve --listen 0.0.0.0:8000     beyond loopback: an access token is required
//
// Models: --provider auto|openai|ollama|demo, --openai-base-url, --api-key,
// --ollama-host, or OPENAI_BASE_URL / OPENAI_API_KEY / OLLAMA_HOST. With
// nothing configured it looks for a local Ollama or llama.cpp server and
// otherwise answers with a built-in offline demo.

#include "chatservice.h"
#include "chatsettings.h"
#include "cli.h"
#include "chatview.h"
#include "chatwindow.h"
#include "conversationstore.h"
#include "logview.h"

#include <rill/llm/providerconfig.h>
#include <rill/server.h>
#include <rill/templateengine.h>

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QStandardPaths>
#include <QTextStream>

#include <memory>

using namespace Qt::StringLiterals;

namespace {

bool parseListen(const QString &text, QHostAddress *address, quint16 *port)
{
    const qsizetype colon = text.lastIndexOf(u':');
    if (colon < 0)
        return false;
    QString host = text.left(colon);
    if (host.startsWith(u'[') && host.endsWith(u']'))
        host = host.mid(1, host.size() - 2);
    bool ok = false;
    const uint p = text.mid(colon + 1).toUInt(&ok);
    if (!ok || p > 65535 || !address->setAddress(host))
        return false;
    *port = quint16(p);
    return true;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication::setOrganizationName(u"Rill"_s);
    QCoreApplication::setApplicationName(u"rill-chat"_s);

    // Parsed before any application object exists: --help and --version
    // need no display, and the kind of application depends on --serve.
    QCommandLineParser cli;
    cli.setApplicationDescription(
        u"A chat client for local and hosted LLMs.\n\n"
        u"Environment: OPENAI_BASE_URL, OPENAI_API_KEY (an OpenAI-compatible server), OLLAMA_HOST;\n"
        u"flags win over them. See rill-chat(1) and docs/rill-chat.md."_s);
    const QCommandLineOption serveOption(u"serve"_s, u"Run without a window, for remote browsers."_s);
    const QCommandLineOption listenOption(u"listen"_s, u"Address and port to listen on (--serve: 127.0.0.1:8000)."_s,
                                          u"ADDR:PORT"_s);
    const QCommandLineOption tokenOption(u"token"_s, u"Access token browsers must present (default: generated)."_s,
                                         u"TOKEN"_s);
    const QCommandLineOption noAuthOption(u"no-auth"_s, u"Let any browser in, without a token (unsafe off loopback)."_s);
    const QCommandLineOption logOption(u"log-file"_s, u"A file the /logs page tails."_s, u"PATH"_s);
    const QCommandLineOption logLinesOption(u"log-lines"_s, u"Lines /logs keeps before dropping the oldest."_s,
                                            u"N"_s, u"1000"_s);
    const QCommandLineOption dataOption(u"data-dir"_s, u"Where conversations are kept."_s, u"DIR"_s);
    const QCommandLineOption originOption(
        u"allow-origin"_s,
        u"An origin browsers reach rill-chat through, besides its own address (repeatable), such as "
        u"https://chat.example.org behind a TLS proxy; added to those RILL_ALLOWED_ORIGINS lists. Implies an "
        u"access token."_s,
        u"ORIGIN"_s);
    cli.addOptions({serveOption, listenOption, tokenOption, noAuthOption, dataOption, logOption, logLinesOption,
                    originOption});
    Rill::Llm::ProviderConfig::addOptions(cli);
    Rill::Cli::parse(cli, argc, argv, Rill::Cli::Program::Gui);
    if (!cli.positionalArguments().isEmpty())
        Rill::Cli::usageError(u"unexpected argument '%1'"_s.arg(cli.positionalArguments().constFirst()));

    Rill::Llm::ProviderConfig config;
    try {
        config = Rill::Llm::ProviderConfig::fromCommandLine(cli);
    } catch (const Rill::Llm::ProviderError &e) {
        Rill::Cli::usageError(e.message());
    }
    const bool serve = cli.isSet(serveOption);
    QHostAddress address = QHostAddress::LocalHost;
    quint16 port = serve ? 8000 : 0;
    if (cli.isSet(listenOption) && !parseListen(cli.value(listenOption), &address, &port))
        Rill::Cli::usageError(u"--listen needs ADDRESS:PORT, such as 127.0.0.1:8000, got '%1'"_s.arg(
            cli.value(listenOption)));
    const int maxLogLines = int(Rill::Cli::integer(cli, logLinesOption, 1, 10'000'000));
    if (cli.isSet(noAuthOption) && !serve)
        Rill::Cli::usageError(u"--no-auth only applies to --serve"_s);
    QStringList extraOrigins;
    for (const QString &text : cli.values(originOption)) {
        const QString origin = Rill::Server::parseOrigin(text);
        if (origin.isEmpty())
            Rill::Cli::usageError(u"--allow-origin needs an origin such as https://chat.example.org or "
                                  u"http://10.0.0.5:8000 (scheme, host, optional port; no path), got '%1'"_s
                                      .arg(text));
        extraOrigins.append(origin);
    }

    std::unique_ptr<QCoreApplication> app;
    if (serve) {
        app = std::make_unique<QCoreApplication>(argc, argv);
    } else {
        if (!Rill::Cli::hasDisplay()) {
            Rill::Cli::printError(
                u"no display to open a window on (DISPLAY and WAYLAND_DISPLAY are not set).\n"
                u"To chat from a browser instead, run:  rill-chat --serve\n"
                u"and open the address it prints (see --help for --listen and --token)."_s);
            return 1;
        }
        Rill::Cli::allowWebEngineAsRoot();
        QCoreApplication::setAttribute(Qt::AA_ShareOpenGLContexts);
        app = std::make_unique<QApplication>(argc, argv);
    }

    QTextStream out(stdout);
    QTextStream err(stderr);

    RillChat::ConversationStore store;
    const QString dataDir = cli.isSet(dataOption)
        ? cli.value(dataOption)
        : QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
    const QString dbPath = QDir(dataDir).filePath(u"chats.sqlite"_s);
    if (!store.open(dbPath)) {
        err << "rill-chat: cannot open the chat history at " << dbPath << ": " << store.errorString() << "\n";
        return 1;
    }
    // What the settings panel saved: the provider (unless flags name one),
    // the model, the generation options.
    RillChat::ChatSettings settings;
    config = settings.applyTo(config,
                              cli.isSet(u"provider"_s) || cli.isSet(u"openai-base-url"_s) || cli.isSet(u"ollama-host"_s),
                              cli.isSet(u"api-key"_s));
    RillChat::ChatService service(&store);
    service.setSettings(&settings);

    Rill::Server server;
    server.setPageTitle(u"Rill Chat"_s);
    server.templateEngine().addSearchPath(u":/rill-chat/templates"_s);
    service.setPubSub(&server.pubSub()); // every page follows answers there
    {
        Rill::ServerLimits limits = server.limits();
        limits.maxMessageBytes = 12 * 1024 * 1024; // an attached image (8 MB) as base64, and its event
        server.setLimits(limits);
    }
    auto applySettings = [&service, &settings](Rill::Llm::ProviderConfig c) -> QCoro::Task<> {
        settings.setCurrent(c);
        std::unique_ptr<Rill::Llm::Provider> provider = co_await Rill::Llm::createProvider(std::move(c));
        service.setProvider(std::shared_ptr<Rill::Llm::Provider>(std::move(provider)));
        co_await service.refreshModels();
    };
    server.route(u"/"_s, [&service, applySettings] { return std::make_unique<RillChat::ChatView>(&service, applySettings); });
    if (cli.isSet(logOption)) {
        const QString logPath = cli.value(logOption);
        server.route(u"/logs"_s, [logPath, maxLogLines] {
            return std::make_unique<RillChat::LogView>(logPath, maxLogLines);
        });
    }

    // Who may attach: the window's browser only, by a per-launch token; a
    // remote browser beyond loopback only with the printed token. Behind a
    // proxy (--allow-origin) we listen on loopback but serve the world: a
    // token too.
    // --allow-origin adds to what RILL_ALLOWED_ORIGINS gave the server.
    QStringList allowedOrigins = server.allowedOrigins();
    for (const QString &origin : std::as_const(extraOrigins))
        if (!allowedOrigins.contains(origin))
            allowedOrigins.append(origin);
    server.setAllowedOrigins(allowedOrigins);
    const bool loopback = address.isLoopback() && allowedOrigins.isEmpty();
    QString token = cli.value(tokenOption);
    if (cli.isSet(noAuthOption)) {
        token.clear();
        if (!loopback)
            err << "rill-chat: warning: --no-auth: anyone who can reach " << address.toString()
                << " can read and write your conversations" << Qt::endl; // the app runs on: flush now
    } else if (token.isEmpty() && (!serve || !loopback)) {
        token = Rill::Server::generateToken();
    }
    server.setAccessToken(token);

    if (!server.listen(address, port)) {
        err << "rill-chat: cannot listen on " << address.toString() << ":" << port << ": " << server.errorString()
            << "\n";
        return 1;
    }
    // Where browsers reach us: a specific address as it is; for "any",
    // Server::url() names 127.0.0.1. With a token, printed links carry a
    // one-time code (a link left in a browser's history opens nothing).
    auto link = [&](const QString &origin = {}) {
        QUrl url = server.accessUrl(u"/"_s);
        if (!origin.isEmpty()) {
            QUrl through(origin + u'/');
            through.setQuery(url.query());
            return through;
        }
        if (!address.isLoopback() && address != QHostAddress::Any && address != QHostAddress::AnyIPv4
            && address != QHostAddress::AnyIPv6)
            url.setHost(address.toString());
        return url;
    };
    auto printAccess = [&] {
        if (token.isEmpty())
            return;
        out << "rill-chat: each link above opens one browser; for more, open the address and enter the access token "
            << token << Qt::endl;
    };

    std::unique_ptr<ChatWindow> window;
    // The provider first (discovery takes a moment), then the window.
    auto startup = [&]() -> QCoro::Task<> {
        co_await applySettings(config);
        Rill::Llm::Provider *provider = service.provider();
        out << "rill-chat: " << provider->displayName() << Qt::endl;
        if (serve) {
            out << "rill-chat: serving " << link().toString() << Qt::endl;
            for (const QString &origin : allowedOrigins)
                out << "rill-chat: through " << origin << ": " << link(origin).toString() << Qt::endl;
            printAccess();
        } else {
            // The window gets the access cookie directly: no token or code
            // in its address.
            window = std::make_unique<ChatWindow>(server.url(u"/"_s), server.accessCookie());
            window->show();
            if (qEnvironmentVariableIntValue("RILL_CHAT_REPORT_READY"))
                window->reportWhenReady();
            // The window's server is for other browsers too when asked to listen.
            if (cli.isSet(listenOption)) {
                out << "rill-chat: also serving remote browsers at " << link().toString() << Qt::endl;
                printAccess();
            }
        }
    };
    startup();
    return app->exec();
}
