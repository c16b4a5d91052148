// rill-examples: the seed's two examples on one Rill server.
//   /chat  the LLM chat with error handling (an offline token source)
//   /logs  the live log viewer, tailing --log-file

#include "chatview.h"
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
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(u"rill-examples"_s);

    QCommandLineParser cli;
    cli.setApplicationDescription(u"Serves the seed's LLM chat (/chat) and log viewer (/logs)."_s);
    cli.addHelpOption();
    const QCommandLineOption port(u"port"_s, u"Port to listen on (0: any free port)."_s, u"P"_s, u"8000"_s);
    const QCommandLineOption listen(u"listen"_s, u"Address to listen on."_s, u"ADDR"_s, u"127.0.0.1"_s);
    const QCommandLineOption tokens(u"tokens"_s, u"Tokens per chat answer."_s, u"N"_s, u"200"_s);
    const QCommandLineOption rate(u"tokens-per-second"_s, u"Token rate of the offline source."_s, u"R"_s, u"50"_s);
    const QCommandLineOption failAfter(u"fail-after"_s, u"Make the token source fail after N tokens."_s, u"N"_s);
    const QCommandLineOption logFile(u"log-file"_s, u"The file /logs tails."_s, u"PATH"_s,
                                     QDir::temp().filePath(u"rill-examples.log"_s));
    const QCommandLineOption interval(u"batch-interval"_s, u"Stream batching interval in ms."_s, u"MS"_s, u"16"_s);
    cli.addOptions({port, listen, tokens, rate, failAfter, logFile, interval});
    cli.process(app);

    QTextStream err(stderr);
    TokenSourceOptions options;
    bool ok = true;
    options.tokens = cli.value(tokens).toInt(&ok);
    if (!ok || options.tokens < 0) {
        err << "rill-examples: --tokens needs a number >= 0\n";
        return 2;
    }
    options.tokensPerSecond = cli.value(rate).toDouble(&ok);
    if (!ok || options.tokensPerSecond <= 0) {
        err << "rill-examples: --tokens-per-second needs a number > 0\n";
        return 2;
    }
    if (cli.isSet(failAfter)) {
        options.failAfter = cli.value(failAfter).toInt(&ok);
        if (!ok || options.failAfter < 0) {
            err << "rill-examples: --fail-after needs a number >= 0\n";
            return 2;
        }
    }
    const QString logPath = cli.value(logFile);
    if (!QFile::exists(logPath)) {
        QFile create(logPath);
        if (!create.open(QIODevice::WriteOnly)) {
            err << "rill-examples: cannot create " << logPath << ": " << create.errorString() << "\n";
            return 2;
        }
    }

    Rill::Server server;
    server.setPageTitle(u"Rill examples"_s);
    server.setBatchInterval(cli.value(interval).toInt());
    server.templateEngine().addSearchPath(u":/examples/templates"_s);
    server.route(u"/chat"_s, [options] { return std::make_unique<ChatView>(options); });
    server.route(u"/logs"_s, [logPath] { return std::make_unique<LogView>(logPath); });

    const QHostAddress address(cli.value(listen));
    if (address.isNull()) {
        err << "rill-examples: --listen needs an IP address, got " << cli.value(listen) << "\n";
        return 2;
    }
    if (!server.listen(address, quint16(cli.value(port).toUInt()))) {
        err << "rill-examples: cannot listen on " << cli.value(listen) << ":" << cli.value(port) << ": "
            << server.errorString() << "\n";
        return 1;
    }
    QTextStream out(stdout);
    out << "rill-examples: chat at " << server.url(u"/chat"_s).toString() << ", logs at "
        << server.url(u"/logs"_s).toString() << " (tailing " << logPath << ")" << Qt::endl;
    return app.exec();
}
