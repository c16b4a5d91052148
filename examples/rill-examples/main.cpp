// rill-examples: the seed's two examples on one Rill server.
//   /chat  the LLM chat with error handling (an offline token source)
//   /logs  the live log viewer, tailing --log-file

#include "chatview.h"
#include "cli.h"
#include "logview.h"

#include <rill/server.h>
#include <rill/templateengine.h>

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QTextStream>

using namespace Qt::StringLiterals;

int main(int argc, char *argv[])
{
    QCoreApplication::setApplicationName(u"rill-examples"_s);

    QCommandLineParser cli;
    cli.setApplicationDescription(u"Serves the seed's LLM chat (/chat) and log viewer (/logs)."_s);
    const QCommandLineOption port(u"port"_s, u"Port to listen on (0: any free port)."_s, u"P"_s, u"8000"_s);
    const QCommandLineOption listen(u"listen"_s, u"Address to listen on."_s, u"ADDR"_s, u"127.0.0.1"_s);
    const QCommandLineOption tokens(u"tokens"_s, u"Tokens per chat answer."_s, u"N"_s, u"200"_s);
    const QCommandLineOption rate(u"tokens-per-second"_s, u"Token rate of the offline source."_s, u"R"_s, u"50"_s);
    const QCommandLineOption failAfter(u"fail-after"_s, u"Make the token source fail after N tokens."_s, u"N"_s);
    const QCommandLineOption logFile(u"log-file"_s, u"The file /logs tails."_s, u"PATH"_s,
                                     QDir::temp().filePath(u"rill-examples.log"_s));
    const QCommandLineOption interval(u"batch-interval"_s, u"Stream batching interval in ms."_s, u"MS"_s, u"16"_s);
    const QCommandLineOption noDev(u"no-dev"_s, u"Turn development mode off (on by default: the browser's console "
                                               u"says what went wrong)."_s);
    cli.addOptions({port, listen, tokens, rate, failAfter, logFile, interval, noDev});
    Rill::Cli::parse(cli, argc, argv);

    TokenSourceOptions options;
    options.tokens = int(Rill::Cli::integer(cli, tokens, 0, 100'000'000));
    options.tokensPerSecond = Rill::Cli::number(cli, rate);
    if (cli.isSet(failAfter))
        options.failAfter = int(Rill::Cli::integer(cli, failAfter, 0, 100'000'000));
    const int batchInterval = int(Rill::Cli::integer(cli, interval, 0, 10'000));
    const QHostAddress address = Rill::Cli::address(cli, listen);
    const quint16 listenPort = Rill::Cli::port(cli, port);

    QCoreApplication app(argc, argv);
    const QString logPath = cli.value(logFile);
    if (!QFile::exists(logPath)) {
        QFile create(logPath);
        if (!create.open(QIODevice::WriteOnly)) {
            Rill::Cli::printError(u"cannot create "_s + logPath + u": "_s + create.errorString());
            return 1;
        }
    }

    Rill::Server server;
    server.setPageTitle(u"Rill examples"_s);
    server.setBatchInterval(batchInterval);
    server.setDevMode(!cli.isSet(noDev));
    server.templateEngine().addSearchPath(u":/examples/templates"_s);
    server.route(u"/chat"_s, [options] { return std::make_unique<ChatView>(options); });
    server.route(u"/logs"_s, [logPath] { return std::make_unique<LogView>(logPath); });

    if (!server.listen(address, listenPort)) {
        Rill::Cli::printError(u"cannot listen on %1:%2: %3"_s.arg(address.toString()).arg(listenPort).arg(
            server.errorString()));
        return 1;
    }
    QTextStream out(stdout);
    out << "rill-examples: chat at " << server.url(u"/chat"_s).toString() << ", logs at "
        << server.url(u"/logs"_s).toString() << " (tailing " << logPath << ")" << Qt::endl;
    return app.exec();
}
