// rill-fake-llm: FakeLlmServer as a process, for tests that are not C++
// (tests/browser drives rill-chat against it from node).
//
//   rill-fake-llm --flavor openai --mode slow --delay 30 --tokens 200
//
// Prints "rill-fake-llm: listening http://127.0.0.1:PORT" once it listens,
// then one line per event: "rill-fake-llm: request POST /v1/chat/completions"
// and "rill-fake-llm: aborted N" when a client hangs up mid-stream (a
// stopped answer), so a test can wait on them.

#include "fakellmserver.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QMetaEnum>
#include <QTextStream>

using namespace Qt::StringLiterals;
using RillTest::FakeLlmServer;

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCommandLineParser cli;
    cli.setApplicationDescription(u"A fake OpenAI-compatible or Ollama server for tests."_s);
    cli.addHelpOption();
    const QCommandLineOption flavorOption(u"flavor"_s, u"openai (default) or ollama."_s, u"FLAVOR"_s, u"openai"_s);
    const QCommandLineOption modeOption(u"mode"_s, u"normal, slow, servererror, cut, stall, ... (FakeLlmServer::Mode)."_s,
                                        u"MODE"_s, u"normal"_s);
    const QCommandLineOption delayOption(u"delay"_s, u"Milliseconds between tokens in slow mode."_s, u"MS"_s, u"40"_s);
    const QCommandLineOption tokensOption(u"tokens"_s, u"Answer with N tokens \"w1 w2 ...\" instead of the default ones."_s,
                                          u"N"_s);
    const QCommandLineOption textOption(u"text"_s, u"Answer with TEXT (Markdown), a token per word, instead of the default tokens."_s,
                                        u"TEXT"_s);
    const QCommandLineOption portOption(u"port"_s, u"Port (default: any free one)."_s, u"PORT"_s, u"0"_s);
    cli.addOptions({flavorOption, modeOption, delayOption, tokensOption, textOption, portOption});
    cli.process(app);

    QTextStream out(stdout);
    QTextStream err(stderr);
    const QString flavorName = cli.value(flavorOption).toLower();
    if (flavorName != u"openai"_s && flavorName != u"ollama"_s) {
        err << "rill-fake-llm: --flavor is openai or ollama\n";
        return 2;
    }
    FakeLlmServer server(flavorName == u"openai"_s ? FakeLlmServer::Flavor::OpenAI : FakeLlmServer::Flavor::Ollama);

    const QMetaEnum modes = QMetaEnum::fromType<FakeLlmServer::Mode>();
    bool known = false;
    for (int i = 0; i < modes.keyCount(); ++i) {
        if (QString::fromLatin1(modes.key(i)).compare(cli.value(modeOption), Qt::CaseInsensitive) == 0) {
            server.setMode(FakeLlmServer::Mode(modes.value(i)));
            known = true;
        }
    }
    if (!known) {
        err << "rill-fake-llm: unknown --mode " << cli.value(modeOption) << "\n";
        return 2;
    }
    server.setTokenDelay(std::chrono::milliseconds(cli.value(delayOption).toInt()));
    if (cli.isSet(tokensOption)) {
        QStringList tokens;
        const int n = cli.value(tokensOption).toInt();
        for (int i = 1; i <= n; ++i)
            tokens << (i == 1 ? u"w1"_s : u" w%1"_s.arg(i));
        server.setTokens(tokens);
    }
    if (cli.isSet(textOption)) {
        // Words with the whitespace before them: the text comes back whole.
        QStringList tokens;
        const QString text = cli.value(textOption);
        qsizetype start = 0;
        for (qsizetype i = 1; i <= text.size(); ++i) {
            if (i == text.size() || (text.at(i).isSpace() && !text.at(i - 1).isSpace())) {
                tokens << text.mid(start, i - start);
                start = i;
            }
        }
        server.setTokens(tokens);
    }
    QObject::connect(&server, &FakeLlmServer::requestReceived, &server, [&server, &out] {
        const FakeLlmServer::Request r = server.requests().constLast();
        out << "rill-fake-llm: request " << r.method << ' ' << r.path << Qt::endl;
    });
    QObject::connect(&server, &FakeLlmServer::streamAborted, &server, [&server, &out] {
        out << "rill-fake-llm: aborted " << server.abortedStreams() << Qt::endl;
    });
    if (!server.listen(quint16(cli.value(portOption).toUInt()))) {
        err << "rill-fake-llm: cannot listen\n";
        return 1;
    }
    out << "rill-fake-llm: listening " << server.url().toString() << Qt::endl;
    return app.exec();
}
