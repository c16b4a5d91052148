// rill-bench-stream-server: a Rill::Server with one bench view at /bench
// whose "run" handler streams tokens into a dj-stream-mode="append" target.
// Run it through bench/stream/run.py; see docs/benchmarks.md ("Streaming").
//
// Each token is "SEQ:NS;" where SEQ counts from 1 and NS is the emit time in
// nanoseconds on std::chrono::steady_clock (CLOCK_MONOTONIC, shared by every
// process on the machine), so the client can check that every token arrives
// once and in order and measure emit-to-receive latency. The batcher
// concatenates adjacent text ops, so one text op carries whole tokens.
//
// Event params (integers): mode 0 = burst: "n" tokens as fast as possible,
// yielding to the event loop after every "chunk" tokens; mode 1 = rate:
// "rate" tokens per second for "ms" milliseconds (rate * ms / 1000 tokens).

#include <rill/liveview.h>
#include <rill/server.h>

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QPointer>
#include <QTextStream>

#include <qcoro/qcorotimer.h>

#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <coroutine>

using namespace Qt::StringLiterals;

namespace {

qint64 nowNs()
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

//! co_await YieldToLoop{obj}: resume from the event loop's next turn (a posted
//! event, no timer), so the session's sockets and timers run in between.
struct YieldToLoop
{
    QObject *context;
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<> h) const
    {
        QMetaObject::invokeMethod(context, [h] { h.resume(); }, Qt::QueuedConnection);
    }
    void await_resume() const noexcept {}
};

const QString Stream = u"tokens"_s;

class BenchView : public Rill::LiveView
{
public:
    BenchView()
    {
        setTemplateSource(u"<div id=\"out\" dj-stream=\"tokens\" dj-stream-mode=\"append\"></div>\n"_s);
        handle(u"run"_s, &BenchView::run);
    }

    QCoro::Task<> run(QVariantMap params)
    {
        const qint64 mode = Rill::Params::integer(params, u"mode"_s);
        QPointer<BenchView> self(this);
        streamStart(Stream);
        if (mode == 0) {
            const qint64 n = Rill::Params::integer(params, u"n"_s);
            const qint64 chunk = std::max<qint64>(1, Rill::Params::integer(params, u"chunk"_s));
            for (qint64 seq = 1; seq <= n; ++seq) {
                emitToken(seq);
                if (seq % chunk == 0 && seq < n) {
                    co_await YieldToLoop{this};
                    if (!self)
                        co_return;
                }
            }
        } else {
            const qint64 rate = std::max<qint64>(1, Rill::Params::integer(params, u"rate"_s));
            const qint64 ms = Rill::Params::integer(params, u"ms"_s);
            const qint64 total = rate * ms / 1000;
            const qint64 start = nowNs();
            qint64 seq = 0;
            while (seq < total) {
                // Emit every token that is due, then sleep until the next one.
                const qint64 now = nowNs();
                while (seq < total && start + seq * 1000000000LL / rate <= now)
                    emitToken(++seq);
                if (seq >= total)
                    break;
                const qint64 waitNs = start + seq * 1000000000LL / rate - nowNs();
                co_await QCoro::sleepFor(std::chrono::milliseconds(std::max<qint64>(1, (waitNs + 999999) / 1000000)));
                if (!self)
                    co_return;
            }
        }
        streamDone(Stream);
    }

private:
    void emitToken(qint64 seq)
    {
        QString text;
        text.reserve(32);
        text += QString::number(seq);
        text += u':';
        text += QString::number(nowNs());
        text += u';';
        streamText(Stream, text);
    }
};

void raiseFileLimit()
{
    rlimit rl{};
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

} // namespace

int main(int argc, char *argv[])
{
    raiseFileLimit();
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(u"rill-bench-stream-server"_s);

    QCommandLineParser cli;
    cli.setApplicationDescription(u"Rill streaming benchmark server (bench/stream/run.py drives it)."_s);
    cli.addHelpOption();
    const QCommandLineOption port(u"port"_s, u"Port on 127.0.0.1 (0: any free port)."_s, u"P"_s, u"0"_s);
    const QCommandLineOption interval(u"batch-interval"_s, u"Stream batching interval in ms."_s, u"MS"_s, u"16"_s);
    const QCommandLineOption grace(u"grace"_s, u"Reconnect grace in ms (sessions end this long after their socket closes)."_s,
                                   u"MS"_s, u"2000"_s);
    cli.addOptions({port, interval, grace});
    cli.process(app);

    Rill::Server server;
    server.setPageTitle(u"Rill stream bench"_s);
    server.setBatchInterval(cli.value(interval).toInt());
    server.setReconnectGrace(cli.value(grace).toInt());
    server.route<BenchView>(u"/bench"_s);
    if (!server.listen(QHostAddress::LocalHost, quint16(cli.value(port).toUInt()))) {
        QTextStream(stderr) << "rill-bench-stream-server: cannot listen: " << server.errorString() << "\n";
        return 1;
    }
    rlimit rl{};
    getrlimit(RLIMIT_NOFILE, &rl);
    QTextStream(stdout) << "listening port " << server.port() << " pid " << getpid() << " nofile "
                        << qulonglong(rl.rlim_cur) << Qt::endl;
    return app.exec();
}
