// rill-bench-stream-server: a Rill::Server with one bench view at /bench
// whose "run" handler streams tokens into a dj-stream-mode="append" target.
// Run it through bench/stream/run.py or soak.py; see docs/benchmarks.md
// ("Streaming").
//
// Each token is "SEQ:NS;" where SEQ counts from 1 (per run) and NS is a time
// in nanoseconds on std::chrono::steady_clock (CLOCK_MONOTONIC, shared by
// every process on the machine), so the client can check that every token
// arrives once and in order and measure latency. The batcher concatenates
// adjacent text ops, so one text op carries whole tokens.
//
// Event params (integers): mode 0 = burst: "n" tokens as fast as possible,
// yielding to the event loop after every "chunk" tokens, NS = when the token
// was made; mode 1 = rate: "rate" tokens per second for "ms" milliseconds
// (rate * ms / 1000 tokens), NS = the token's due time on that schedule, so a
// server too busy to emit it on time shows the delay as latency.
//
// Rate streams are paced by one shared Pacer (one timer for all sessions,
// a heap of due times), not by a timer or sleep per session: a QTimer per
// session would make the harness's own timer bookkeeping part of what is
// measured. peer.py paces its sessions the same way (one asyncio task).
//
// --stats-ms N prints a line every N ms:
//   stats t=MONOTONIC_S connections=C websockets=W sessions=S queued=B held=B
//         replay=B dropped=D streams=A lag_max_ms=X
// (Server::statistics(), plus the pacer's active streams and its worst delay
// behind schedule since the last line).

#include <rill/liveview.h>
#include <rill/server.h>

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QPointer>
#include <QTextStream>
#include <QTimer>

#include <sys/resource.h>
#include <unistd.h>

#include <charconv>
#include <chrono>
#include <coroutine>
#include <cstdio>
#include <queue>
#include <vector>

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

class BenchView;

//! Emits the due tokens of every rate stream from one timer.
class Pacer : public QObject
{
public:
    explicit Pacer(int tickMs) : m_tickMs(std::max(1, tickMs))
    {
        m_timer.setSingleShot(true);
        m_timer.setTimerType(Qt::PreciseTimer);
        connect(&m_timer, &QTimer::timeout, this, &Pacer::tick);
    }

    //! Streams \a total tokens at \a rate per second for \a view, then resumes \a done.
    void add(BenchView *view, qint64 rate, qint64 total, std::coroutine_handle<> done);

    int activeCount() const { return m_active; }
    //! Worst delay of a token behind its due time since the last call, in ms.
    double takeMaxLagMs()
    {
        const double v = double(m_maxLagNs) / 1e6;
        m_maxLagNs = 0;
        return v;
    }

private:
    struct Entry
    {
        QPointer<BenchView> view;
        qint64 start = 0;
        qint64 rate = 1;
        qint64 total = 0;
        qint64 seq = 0;
        std::coroutine_handle<> done;
    };
    struct Due
    {
        qint64 at;
        size_t id;
        bool operator>(const Due &o) const { return at > o.at; }
    };

    void tick();

    int m_tickMs;
    QTimer m_timer;
    std::vector<Entry> m_streams;
    std::vector<size_t> m_free;
    std::priority_queue<Due, std::vector<Due>, std::greater<Due>> m_heap;
    std::vector<std::coroutine_handle<>> m_finished;
    int m_active = 0;
    qint64 m_maxLagNs = 0;
};

Pacer *pacer = nullptr;

struct PacedRun
{
    BenchView *view;
    qint64 rate;
    qint64 total;
    bool await_ready() const noexcept { return total <= 0; }
    void await_suspend(std::coroutine_handle<> h) const { pacer->add(view, rate, total, h); }
    void await_resume() const noexcept {}
};

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
                emitToken(seq, nowNs());
                if (seq % chunk == 0 && seq < n) {
                    co_await YieldToLoop{this};
                    if (!self)
                        co_return;
                }
            }
        } else {
            const qint64 rate = std::max<qint64>(1, Rill::Params::integer(params, u"rate"_s));
            const qint64 ms = Rill::Params::integer(params, u"ms"_s);
            co_await PacedRun{this, rate, rate * ms / 1000};
            if (!self)
                co_return;
        }
        streamDone(Stream);
    }

    void emitToken(qint64 seq, qint64 ns)
    {
        // Cheap on purpose: the token source's own work stays small next
        // to the server's.
        char buf[48];
        char *p = std::to_chars(buf, buf + 20, seq).ptr;
        *p++ = ':';
        p = std::to_chars(p, buf + 46, ns).ptr;
        *p++ = ';';
        streamText(Stream, QString::fromLatin1(buf, p - buf));
    }
};

void Pacer::add(BenchView *view, qint64 rate, qint64 total, std::coroutine_handle<> done)
{
    size_t id;
    if (!m_free.empty()) {
        id = m_free.back();
        m_free.pop_back();
    } else {
        id = m_streams.size();
        m_streams.emplace_back();
    }
    const qint64 start = nowNs();
    m_streams[id] = Entry{view, start, rate, total, 0, done};
    m_heap.push({start, id});
    ++m_active;
    // Its first token is due now: wake at once unless a wake-up is that close.
    if (!m_timer.isActive() || m_timer.remainingTime() > m_tickMs)
        m_timer.start(0);
}

void Pacer::tick()
{
    const qint64 now = nowNs();
    while (!m_heap.empty() && m_heap.top().at <= now) {
        const Due due = m_heap.top();
        m_heap.pop();
        Entry &e = m_streams[due.id];
        if (!e.view || e.view->isClosed()) {
            // The page is gone for good: end the handler.
            m_finished.push_back(e.done);
            e = Entry{};
            m_free.push_back(due.id);
            --m_active;
            continue;
        }
        m_maxLagNs = std::max(m_maxLagNs, now - due.at);
        ++e.seq;
        e.view->emitToken(e.seq, due.at);
        if (e.seq < e.total) {
            m_heap.push({e.start + e.seq * 1000000000LL / e.rate, due.id});
        } else {
            m_finished.push_back(e.done);
            e = Entry{};
            m_free.push_back(due.id);
            --m_active;
        }
    }
    // Resumed after the walk: a handler that returns sends its done, render
    // and reply from here.
    std::vector<std::coroutine_handle<>> finished;
    finished.swap(m_finished);
    for (std::coroutine_handle<> h : finished)
        h.resume();
    if (!m_heap.empty()) {
        const qint64 wait = m_heap.top().at - nowNs();
        m_timer.start(int(std::clamp<qint64>((wait + 999999) / 1000000, m_tickMs, 1000)));
    }
}

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
    const QCommandLineOption tick(u"tick-ms"_s, u"Shortest pause of the shared token pacer, ms."_s, u"MS"_s, u"1"_s);
    const QCommandLineOption stats(u"stats-ms"_s, u"Print a stats line every MS ms (0: never)."_s, u"MS"_s, u"0"_s);
    const QCommandLineOption maxConn(u"max-connections"_s, u"ServerLimits::maxConnections."_s, u"N"_s, u"100000"_s);
    cli.addOptions({port, interval, grace, tick, stats, maxConn});
    cli.process(app);

    Pacer sharedPacer(cli.value(tick).toInt());
    pacer = &sharedPacer;

    Rill::Server server;
    server.setPageTitle(u"Rill stream bench"_s);
    server.setBatchInterval(cli.value(interval).toInt());
    server.setReconnectGrace(cli.value(grace).toInt());
    Rill::ServerLimits limits = server.limits();
    limits.maxConnections = cli.value(maxConn).toInt(); // the default (10,000) is below the curve's top
    server.setLimits(limits);
    server.route<BenchView>(u"/bench"_s);
    if (!server.listen(QHostAddress::LocalHost, quint16(cli.value(port).toUInt()))) {
        QTextStream(stderr) << "rill-bench-stream-server: cannot listen: " << server.errorString() << "\n";
        return 1;
    }
    QTimer statsTimer;
    if (const int ms = cli.value(stats).toInt(); ms > 0) {
        QObject::connect(&statsTimer, &QTimer::timeout, &server, [&server, &sharedPacer] {
            const Rill::ServerStatistics s = server.statistics();
            std::printf("stats t=%.3f connections=%d websockets=%d sessions=%d queued=%lld held=%lld replay=%lld "
                        "dropped=%lld streams=%d lag_max_ms=%.2f\n",
                        double(nowNs()) / 1e9, s.connections, s.webSockets, s.sessions,
                        static_cast<long long>(s.queuedBytes), static_cast<long long>(s.heldBytes),
                        static_cast<long long>(s.replayBytes), static_cast<long long>(s.droppedSlowReaders),
                        sharedPacer.activeCount(), sharedPacer.takeMaxLagMs());
            std::fflush(stdout);
        });
        statsTimer.start(ms);
    }
    rlimit rl{};
    getrlimit(RLIMIT_NOFILE, &rl);
    QTextStream(stdout) << "listening port " << server.port() << " pid " << getpid() << " nofile "
                        << qulonglong(rl.rlim_cur) << Qt::endl;
    return app.exec();
}
