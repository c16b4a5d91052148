// rill-bench-stream-client: opens K sessions on a streaming server (Rill's
// rill-bench-stream-server or bench/stream/peer.py, which speak the same
// protocol), starts the bench stream on each, checks every token arrives
// once and in order, and prints one JSON object with throughput, latency,
// and the server's CPU and RSS (read from /proc/PID). See
// docs/benchmarks.md ("Streaming"); run.py drives it.
//
//   rill-bench-stream-client --url http://127.0.0.1:PORT/bench --server-pid PID
//       [--sessions K] [--mode burst|rate] [--tokens N] [--chunk C]
//       [--rate R] [--seconds T] [--spread-ms MS] [--timeout S]

#include <rill/protocol.h>

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QRegularExpression>
#include <QTextStream>
#include <QTimer>
#include <QWebSocket>

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <memory>
#include <variant>
#include <vector>

using namespace Qt::StringLiterals;

namespace {

qint64 nowNs()
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

qint64 procRssKiB(qint64 pid)
{
    QFile f(u"/proc/%1/status"_s.arg(pid));
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    const QList<QByteArray> lines = f.readAll().split('\n');
    for (const QByteArray &line : lines)
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').value(0).toLongLong();
    return -1;
}

//! utime + stime in clock ticks.
qint64 procCpuTicks(qint64 pid)
{
    QFile f(u"/proc/%1/stat"_s.arg(pid));
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    const QByteArray stat = f.readAll();
    // Fields after the ")" that closes the command name: state is field 3, utime 14, stime 15.
    const QList<QByteArray> rest = stat.mid(stat.lastIndexOf(')') + 2).split(' ');
    if (rest.size() < 13)
        return -1;
    return rest.at(11).toLongLong() + rest.at(12).toLongLong();
}

double selfCpuSeconds()
{
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    return double(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) + double(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

struct Session
{
    int index = 0;
    QString token;
    QWebSocket *socket = nullptr;
    bool joined = false;
    bool done = false;
    qint64 lastFrameSeq = 0;
    qint64 nextToken = 1;
    qint64 received = 0;
    qint64 eventSentNs = 0;
    qint64 lastTokenNs = 0;
    QByteArray carry; // a token split across text ops (never expected; handled anyway)
};

class Bench : public QObject
{
public:
    struct Options
    {
        QUrl url;
        qint64 serverPid = 0;
        int sessions = 1;
        bool burst = true;
        qint64 tokens = 100000;
        qint64 chunk = 1;
        qint64 rate = 30;
        qint64 ms = 10000;
        int spreadMs = 1000;
        int timeoutS = 60;
        int concurrency = 64;
    };

    explicit Bench(Options o) : m_o(std::move(o))
    {
        m_expected = m_o.burst ? m_o.tokens : m_o.rate * m_o.ms / 1000;
        m_origin = u"http://%1:%2"_s.arg(m_o.url.host()).arg(m_o.url.port());
        QUrl ws = m_o.url;
        ws.setScheme(u"ws"_s);
        ws.setPath(u"/rill/socket"_s);
        m_wsUrl = ws;
        m_latencies.reserve(size_t(std::min<qint64>(m_expected * m_o.sessions, 50000000)));
    }

    void start()
    {
        m_t0 = nowNs();
        m_rssIdle = procRssKiB(m_o.serverPid);
        m_sessions.resize(size_t(m_o.sessions));
        for (int i = 0; i < m_o.sessions; ++i)
            m_sessions[size_t(i)].index = i;
        auto *watchdog = new QTimer(this);
        watchdog->setSingleShot(true);
        connect(watchdog, &QTimer::timeout, this, [this] { finish(u"timeout"_s); });
        watchdog->start(m_o.timeoutS * 1000);
        for (int i = 0; i < std::min(m_o.concurrency, m_o.sessions); ++i)
            openNext();
    }

private:
    void fail(const QString &why)
    {
        if (m_errors.size() < 20)
            m_errors.append(why);
        ++m_errorCount;
    }

    void openNext()
    {
        if (m_nextToOpen >= m_o.sessions)
            return;
        Session &s = m_sessions[size_t(m_nextToOpen++)];
        QNetworkRequest req(m_o.url);
        QNetworkReply *reply = m_nam.get(req);
        connect(reply, &QNetworkReply::finished, this, [this, reply, &s] {
            reply->deleteLater();
            const QByteArray page = reply->readAll();
            static const QRegularExpression re(u"data-rill-token=\"([^\"]+)\""_s);
            const auto m = re.match(QString::fromUtf8(page));
            if (reply->error() != QNetworkReply::NoError || !m.hasMatch()) {
                fail(u"session %1: GET failed: %2"_s.arg(s.index).arg(reply->errorString()));
                finish(u"connect failed"_s);
                return;
            }
            s.token = m.captured(1);
            openSocket(s);
        });
    }

    void openSocket(Session &s)
    {
        s.socket = new QWebSocket(m_origin, QWebSocketProtocol::VersionLatest, this);
        QWebSocket *sock = s.socket;
        connect(sock, &QWebSocket::connected, this, [this, &s] {
            s.socket->sendTextMessage(
                QString::fromUtf8(Rill::Protocol::encode(Rill::Protocol::ClientFrame(Rill::Protocol::Join{s.token, 0}))));
        });
        connect(sock, qOverload<QAbstractSocket::SocketError>(&QWebSocket::error), this, [this, &s](QAbstractSocket::SocketError) {
            fail(u"session %1: socket error: %2"_s.arg(s.index).arg(s.socket->errorString()));
            if (!m_streaming)
                finish(u"connect failed"_s);
        });
        connect(sock, &QWebSocket::textMessageReceived, this, [this, &s](const QString &text) { onFrame(s, text); });
        sock->open(m_wsUrl);
    }

    void onFrame(Session &s, const QString &text)
    {
        const qint64 recv = nowNs();
        ++m_frames;
        m_bytes += text.size();
        Rill::Protocol::DecodeError error;
        const auto frame = Rill::Protocol::decodeServer(text.toUtf8(), &error);
        if (!frame) {
            fail(u"session %1: undecodable frame: %2"_s.arg(s.index).arg(error.message));
            return;
        }
        const qint64 seq = std::visit([](const auto &f) { return f.seq; }, *frame);
        if (seq != s.lastFrameSeq + 1)
            fail(u"session %1: frame seq %2 after %3"_s.arg(s.index).arg(seq).arg(s.lastFrameSeq));
        s.lastFrameSeq = seq;
        if (std::holds_alternative<Rill::Protocol::Mount>(*frame)) {
            if (!s.joined) {
                s.joined = true;
                ++m_joined;
                openNext();
                if (m_joined == m_o.sessions)
                    startStreaming();
            }
            return;
        }
        if (const auto *st = std::get_if<Rill::Protocol::Stream>(&*frame)) {
            ++m_streamFrames;
            for (const Rill::StreamOp &op : st->ops) {
                if (op.kind == Rill::StreamOp::Kind::Text)
                    onText(s, op.content, recv);
            }
            return;
        }
        if (const auto *reply = std::get_if<Rill::Protocol::Reply>(&*frame)) {
            if (reply->ref == 1 && !s.done) {
                s.done = true;
                m_lastReplyNs = std::max(m_lastReplyNs, recv);
                if (s.received != m_expected || !s.carry.isEmpty())
                    fail(u"session %1: %2 tokens of %3 when the handler returned"_s.arg(s.index)
                             .arg(s.received)
                             .arg(m_expected));
                if (++m_done == m_o.sessions)
                    finish(QString());
            }
            return;
        }
        if (const auto *err = std::get_if<Rill::Protocol::Error>(&*frame))
            fail(u"session %1: error frame: %2"_s.arg(s.index).arg(err->message));
    }

    void onText(Session &s, const QString &text, qint64 recv)
    {
        QByteArray buf = s.carry + text.toLatin1();
        s.carry.clear();
        qsizetype pos = 0;
        while (pos < buf.size()) {
            const qsizetype end = buf.indexOf(';', pos);
            if (end < 0) {
                s.carry = buf.mid(pos);
                break;
            }
            const qsizetype colon = buf.indexOf(':', pos);
            if (colon < 0 || colon > end) {
                fail(u"session %1: malformed token"_s.arg(s.index));
                pos = end + 1;
                continue;
            }
            bool ok1 = false, ok2 = false;
            const qint64 seq = QByteArrayView(buf).sliced(pos, colon - pos).toLongLong(&ok1);
            const qint64 emitted = QByteArrayView(buf).sliced(colon + 1, end - colon - 1).toLongLong(&ok2);
            pos = end + 1;
            if (!ok1 || !ok2) {
                fail(u"session %1: malformed token"_s.arg(s.index));
                continue;
            }
            if (seq != s.nextToken) {
                fail(u"session %1: token %2 where %3 was due"_s.arg(s.index).arg(seq).arg(s.nextToken));
                ++m_orderErrors;
            }
            s.nextToken = seq + 1;
            ++s.received;
            ++m_tokens;
            s.lastTokenNs = recv;
            m_latencies.push_back(recv - emitted);
        }
    }

    void startStreaming()
    {
        m_rssSessions = procRssKiB(m_o.serverPid);
        m_connectedNs = nowNs();
        m_streaming = true;
        m_cpu0 = procCpuTicks(m_o.serverPid);
        m_selfCpu0 = selfCpuSeconds();
        m_stream0 = nowNs();
        // Start the sessions spread evenly over spreadMs, as independent users would.
        auto *pacer = new QTimer(this);
        pacer->setTimerType(Qt::PreciseTimer);
        const auto tick = [this, pacer] {
            const qint64 elapsedMs = (nowNs() - m_stream0) / 1000000;
            const qint64 due = m_o.spreadMs <= 0 ? m_o.sessions
                                                 : std::min<qint64>(m_o.sessions,
                                                                    elapsedMs * m_o.sessions / m_o.spreadMs + 1);
            while (m_started < due)
                sendEvent(m_sessions[size_t(m_started++)]);
            if (m_started >= m_o.sessions)
                pacer->stop();
        };
        connect(pacer, &QTimer::timeout, this, tick);
        pacer->start(1);
        tick();
    }

    void sendEvent(Session &s)
    {
        QVariantMap params;
        if (m_o.burst)
            params = {{u"mode"_s, 0}, {u"n"_s, m_o.tokens}, {u"chunk"_s, m_o.chunk}};
        else
            params = {{u"mode"_s, 1}, {u"rate"_s, m_o.rate}, {u"ms"_s, m_o.ms}};
        s.eventSentNs = nowNs();
        s.socket->sendTextMessage(QString::fromUtf8(
            Rill::Protocol::encode(Rill::Protocol::ClientFrame(Rill::Protocol::Event{u"run"_s, params, 1}))));
    }

    void finish(const QString &why)
    {
        if (m_finished)
            return;
        m_finished = true;
        const qint64 end = nowNs();
        const qint64 cpu1 = procCpuTicks(m_o.serverPid);
        const double selfCpu1 = selfCpuSeconds();
        const qint64 rssAfter = procRssKiB(m_o.serverPid);
        if (!why.isEmpty())
            fail(u"stopped early: %1"_s.arg(why));

        QJsonObject out;
        out[u"ok"_s] = m_errorCount == 0;
        out[u"sessions"_s] = m_o.sessions;
        out[u"mode"_s] = m_o.burst ? u"burst"_s : u"rate"_s;
        out[u"expected_tokens_per_session"_s] = m_expected;
        out[u"tokens_received"_s] = m_tokens;
        out[u"tokens_expected"_s] = m_expected * m_o.sessions;
        out[u"sessions_done"_s] = m_done;
        out[u"sessions_joined"_s] = m_joined;
        out[u"frames"_s] = m_frames;
        out[u"stream_frames"_s] = m_streamFrames;
        out[u"order_errors"_s] = m_orderErrors;
        out[u"connect_s"_s] = double(m_connectedNs - m_t0) / 1e9;
        if (m_streaming) {
            const double wall = double(end - m_stream0) / 1e9;
            out[u"stream_wall_s"_s] = wall;
            const double ticks = double(sysconf(_SC_CLK_TCK));
            const double serverCpu = double(cpu1 - m_cpu0) / ticks;
            out[u"server_cpu_s"_s] = serverCpu;
            out[u"server_cpu_percent"_s] = 100.0 * serverCpu / wall;
            out[u"client_cpu_percent"_s] = 100.0 * (selfCpu1 - m_selfCpu0) / wall;
            // Burst throughput: tokens over first event sent to last token received.
            qint64 lastToken = 0;
            qint64 firstSent = std::numeric_limits<qint64>::max();
            for (const Session &s : m_sessions) {
                lastToken = std::max(lastToken, s.lastTokenNs);
                if (s.eventSentNs)
                    firstSent = std::min(firstSent, s.eventSentNs);
            }
            if (m_lastReplyNs > lastToken && lastToken > 0)
                out[u"reply_after_last_token_ms"_s] = double(m_lastReplyNs - lastToken) / 1e6;
            if (lastToken > firstSent)
                out[u"tokens_per_s"_s] = double(m_tokens) / (double(lastToken - firstSent) / 1e9);
        }
        out[u"server_rss_idle_kib"_s] = m_rssIdle;
        out[u"server_rss_sessions_kib"_s] = m_rssSessions;
        out[u"server_rss_after_kib"_s] = rssAfter;
        if (m_rssSessions > 0 && m_rssIdle > 0)
            out[u"server_rss_per_session_kib"_s] = double(m_rssSessions - m_rssIdle) / m_o.sessions;
        if (!m_latencies.empty()) {
            std::sort(m_latencies.begin(), m_latencies.end());
            const auto pct = [this](double p) {
                const size_t i = std::min(m_latencies.size() - 1, size_t(p * double(m_latencies.size())));
                return double(m_latencies[i]) / 1e6;
            };
            double sum = 0;
            for (qint64 l : m_latencies)
                sum += double(l);
            out[u"latency_ms"_s] = QJsonObject{{u"p50"_s, pct(0.50)},
                                                {u"p90"_s, pct(0.90)},
                                                {u"p99"_s, pct(0.99)},
                                                {u"p999"_s, pct(0.999)},
                                                {u"max"_s, double(m_latencies.back()) / 1e6},
                                                {u"mean"_s, sum / double(m_latencies.size()) / 1e6}};
        }
        out[u"error_count"_s] = m_errorCount;
        out[u"errors"_s] = QJsonArray::fromStringList(m_errors);
        QTextStream(stdout) << QJsonDocument(out).toJson(QJsonDocument::Compact) << Qt::endl;
        for (Session &s : m_sessions)
            if (s.socket)
                s.socket->abort();
        QCoreApplication::exit(m_errorCount == 0 ? 0 : 1);
    }

    Options m_o;
    qint64 m_expected = 0;
    QString m_origin;
    QUrl m_wsUrl;
    QNetworkAccessManager m_nam;
    std::vector<Session> m_sessions;
    std::vector<qint64> m_latencies;
    int m_nextToOpen = 0;
    int m_joined = 0;
    int m_done = 0;
    int m_started = 0;
    bool m_streaming = false;
    bool m_finished = false;
    qint64 m_lastReplyNs = 0;
    qint64 m_t0 = 0, m_connectedNs = 0, m_stream0 = 0;
    qint64 m_rssIdle = -1, m_rssSessions = -1;
    qint64 m_cpu0 = 0;
    double m_selfCpu0 = 0;
    qint64 m_frames = 0, m_streamFrames = 0, m_bytes = 0, m_tokens = 0, m_orderErrors = 0;
    int m_errorCount = 0;
    QStringList m_errors;
};

bool raiseFileLimit(qint64 need)
{
    rlimit rl{};
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return false;
    if (rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
        getrlimit(RLIMIT_NOFILE, &rl);
    }
    return qint64(rl.rlim_cur) >= need;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCommandLineParser cli;
    cli.setApplicationDescription(u"Rill streaming benchmark client (bench/stream/run.py drives it)."_s);
    cli.addHelpOption();
    const QCommandLineOption url(u"url"_s, u"The bench page, http://127.0.0.1:PORT/bench."_s, u"URL"_s);
    const QCommandLineOption pid(u"server-pid"_s, u"The server's pid, for /proc CPU and RSS."_s, u"PID"_s);
    const QCommandLineOption sessions(u"sessions"_s, u"Sessions to open."_s, u"K"_s, u"1"_s);
    const QCommandLineOption mode(u"mode"_s, u"burst or rate."_s, u"MODE"_s, u"burst"_s);
    const QCommandLineOption tokens(u"tokens"_s, u"burst: tokens per session."_s, u"N"_s, u"100000"_s);
    const QCommandLineOption chunk(u"chunk"_s, u"burst: tokens per event-loop turn on the server."_s, u"C"_s, u"1"_s);
    const QCommandLineOption rate(u"rate"_s, u"rate: tokens per second per session."_s, u"R"_s, u"30"_s);
    const QCommandLineOption seconds(u"seconds"_s, u"rate: seconds of streaming."_s, u"T"_s, u"10"_s);
    const QCommandLineOption spread(u"spread-ms"_s, u"Start the sessions spread over this many ms."_s, u"MS"_s, u"1000"_s);
    const QCommandLineOption timeout(u"timeout"_s, u"Give up after this many seconds."_s, u"S"_s, u"60"_s);
    cli.addOptions({url, pid, sessions, mode, tokens, chunk, rate, seconds, spread, timeout});
    cli.process(app);

    Bench::Options o;
    o.url = QUrl(cli.value(url));
    o.serverPid = cli.value(pid).toLongLong();
    o.sessions = std::max(1, cli.value(sessions).toInt());
    o.burst = cli.value(mode) != u"rate"_s;
    o.tokens = cli.value(tokens).toLongLong();
    o.chunk = std::max<qint64>(1, cli.value(chunk).toLongLong());
    o.rate = std::max<qint64>(1, cli.value(rate).toLongLong());
    o.ms = qint64(cli.value(seconds).toDouble() * 1000);
    o.spreadMs = cli.value(spread).toInt();
    o.timeoutS = std::max(1, cli.value(timeout).toInt());
    if (!o.url.isValid() || o.url.host() != u"127.0.0.1"_s || o.serverPid <= 0) {
        QTextStream(stderr) << "rill-bench-stream-client: need --url http://127.0.0.1:PORT/... and --server-pid\n";
        return 2;
    }
    if (!raiseFileLimit(qint64(o.sessions) * 2 + 64)) {
        QTextStream(stderr) << "rill-bench-stream-client: RLIMIT_NOFILE too low for " << o.sessions << " sessions\n";
        return 2;
    }
    Bench bench(o);
    QTimer::singleShot(0, &bench, [&bench] { bench.start(); });
    return app.exec();
}
