// rill-bench-pubsub: what delivering one topic to many subscribers costs,
// in one process and across several processes sharing it through Redis.
//
//   rill-bench-pubsub [--instances 1,2,3] [--subscribers 1000] [--rate 1000]
//                     [--seconds 5] [--redis-port P]
//
// For each instance count K it starts a redis-server on a free loopback
// port (not for the in-process baseline), then K child processes of
// itself ("--child"), each holding subscribers/K subscriptions of the topic
// "bench"; the first child also publishes --rate messages per second for
// --seconds. A message carries its publish time (steady_clock, shared by
// the processes), so each delivery's publish->receive latency is measured
// where it lands. Prints, per configuration: deliveries per second, p50 /
// p99 / max latency, and the CPU the children spent per delivery.
// "in-process" is K = 1 without Redis.

#include <rill/pubsub.h>

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QProcess>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTextStream>
#include <QThread>
#include <QTimer>

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

using namespace Qt::StringLiterals;

namespace {

qint64 nowNs()
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

double cpuSeconds()
{
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

QString argValue(const QStringList &args, const QString &name, const QString &fallback)
{
    const qsizetype at = args.indexOf(name);
    return at >= 0 && at + 1 < args.size() ? args.at(at + 1) : fallback;
}

// A child: subscriptions (and maybe the publisher). Prints one line:
// "result deliveries=N cpu=S lat=L1,L2,..." (latencies in µs, sampled).
int child(const QStringList &args)
{
    const int subscribers = argValue(args, u"--subs"_s, u"100"_s).toInt();
    const bool publisher = args.contains(u"--publish"_s);
    const int rate = argValue(args, u"--rate"_s, u"1000"_s).toInt();
    const double seconds = argValue(args, u"--seconds"_s, u"5"_s).toDouble();
    const int expected = argValue(args, u"--expect"_s, u"0"_s).toInt(); // messages each subscriber should get
    const QString redis = argValue(args, u"--redis"_s, QString());

    Rill::PubSub pubsub;
    QObject context;
    std::vector<qint64> latencies;
    latencies.reserve(size_t(subscribers) * size_t(expected) + 16);
    qint64 deliveries = 0;
    for (int i = 0; i < subscribers; ++i) {
        pubsub.subscribe(u"bench"_s, &context, [&](const QVariant &m) {
            latencies.push_back((nowNs() - m.toLongLong()) / 1000);
            ++deliveries;
        });
    }
    QTextStream out(stdout);
    const auto finish = [&] {
        const double cpu = cpuSeconds();
        out << "result deliveries=" << deliveries << " cpu=" << cpu << " lat=";
        // Every latency would be a lot of text: a sorted sample of 20,000.
        std::sort(latencies.begin(), latencies.end());
        const size_t step = std::max<size_t>(1, latencies.size() / 20000);
        for (size_t i = 0; i < latencies.size(); i += step)
            out << latencies[i] << (i + step < latencies.size() ? "," : "");
        out << Qt::endl;
        QCoreApplication::exit(0);
    };
    const auto start = [&] {
        out << "ready" << Qt::endl;
        if (!publisher)
            return;
        // Wait for "go" on stdin? Simpler: the parent starts the publisher
        // last, after every other child said ready.
        auto *timer = new QTimer(&pubsub);
        timer->setTimerType(Qt::PreciseTimer);
        const qint64 total = qint64(rate * seconds);
        auto *clock = new QElapsedTimer;
        clock->start();
        auto *sent = new qint64(0);
        QObject::connect(timer, &QTimer::timeout, &pubsub, [&pubsub, timer, clock, sent, total, rate] {
            const qint64 due = std::min(total, clock->nsecsElapsed() * rate / 1'000'000'000 + 1);
            while (*sent < due) {
                pubsub.publish(u"bench"_s, QVariant(nowNs()));
                ++*sent;
            }
            if (*sent >= total)
                timer->stop();
        });
        timer->start(1);
    };
    // Done when every subscription had every message (or 10 s past the end).
    QTimer check;
    QObject::connect(&check, &QTimer::timeout, [&] {
        if (expected && deliveries >= qint64(subscribers) * expected)
            finish();
    });
    check.start(20);
    QTimer::singleShot(int(seconds * 1000) + 10000, [&] { finish(); });
    if (redis.isEmpty()) {
        QTimer::singleShot(0, start);
    } else {
        QObject::connect(&pubsub, &Rill::PubSub::redisConnected, [&] {
            // SUBSCRIBE acknowledged a moment later: give it that moment.
            QTimer::singleShot(300, start);
        });
        pubsub.connectToRedis(QUrl(redis));
    }
    return QCoreApplication::exec();
}

struct Result
{
    qint64 deliveries = 0;
    double cpu = 0;
    std::vector<qint64> latencies;
};

quint16 freePort()
{
    QTcpServer probe;
    probe.listen(QHostAddress::LocalHost, 0);
    return probe.serverPort();
}

bool run(int instances, bool useRedis, int subscribers, int rate, double seconds, QTextStream &out)
{
    QProcess redis;
    QString url;
    if (useRedis) {
        const quint16 port = freePort();
        redis.setProgram(QStandardPaths::findExecutable(u"redis-server"_s));
        redis.setArguments({u"--port"_s, QString::number(port), u"--bind"_s, u"127.0.0.1"_s, u"--save"_s, u""_s,
                            u"--appendonly"_s, u"no"_s});
        redis.start();
        if (!redis.waitForStarted(5000))
            return false;
        for (int i = 0; i < 100; ++i) {
            QTcpSocket s;
            s.connectToHost(QHostAddress::LocalHost, port);
            if (s.waitForConnected(100))
                break;
            QThread::msleep(50);
        }
        url = u"redis://127.0.0.1:%1"_s.arg(port);
    }
    const qint64 messages = qint64(rate * seconds);
    std::vector<std::unique_ptr<QProcess>> children;
    for (int k = 0; k < instances; ++k) {
        auto p = std::make_unique<QProcess>();
        QStringList a{u"--child"_s, u"--subs"_s, QString::number(subscribers / instances), u"--rate"_s,
                      QString::number(rate), u"--seconds"_s, QString::number(seconds), u"--expect"_s,
                      QString::number(messages)};
        if (useRedis)
            a << u"--redis"_s << url;
        if (k == instances - 1)
            a << u"--publish"_s; // started last: the others are subscribed by then
        p->setProgram(QCoreApplication::applicationFilePath());
        p->setArguments(a);
        p->setProcessChannelMode(QProcess::ForwardedErrorChannel);
        p->start();
        if (!p->waitForStarted(5000) || !p->waitForReadyRead(15000) || !p->readLine().startsWith("ready"))
            return false;
        children.push_back(std::move(p));
    }
    Result r;
    for (auto &p : children) {
        if (!p->waitForFinished(int(seconds * 1000) + 30000))
            return false;
        const QByteArray all = p->readAllStandardOutput();
        const qsizetype at = all.indexOf("result ");
        if (at < 0)
            return false;
        const QList<QByteArray> fields = all.mid(at + 7).trimmed().split(' ');
        for (const QByteArray &f : fields) {
            if (f.startsWith("deliveries="))
                r.deliveries += f.mid(11).toLongLong();
            else if (f.startsWith("cpu="))
                r.cpu += f.mid(4).toDouble();
            else if (f.startsWith("lat="))
                for (const QByteArray &v : f.mid(4).split(','))
                    if (!v.isEmpty())
                        r.latencies.push_back(v.toLongLong());
        }
    }
    if (useRedis) {
        redis.kill();
        redis.waitForFinished(5000);
    }
    std::sort(r.latencies.begin(), r.latencies.end());
    const auto pct = [&](double q) {
        return r.latencies.empty() ? 0.0 : double(r.latencies[size_t(q * double(r.latencies.size() - 1))]) / 1000.0;
    };
    const qint64 expectedDeliveries = messages * (subscribers / instances) * instances;
    out << QString::asprintf("%-11s %9d %12lld/%-12lld %12.0f %8.2f %8.2f %8.2f %10.2f\n",
                             useRedis ? qPrintable(u"redis x%1"_s.arg(instances)) : "in-process", subscribers,
                             r.deliveries, expectedDeliveries, double(r.deliveries) / seconds, pct(0.5), pct(0.99),
                             pct(1.0), r.cpu / double(std::max<qint64>(1, r.deliveries)) * 1e6);
    out.flush();
    return r.deliveries == expectedDeliveries;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    if (args.contains(u"--child"_s))
        return child(args);

    const int subscribers = argValue(args, u"--subscribers"_s, u"1000"_s).toInt();
    const int rate = argValue(args, u"--rate"_s, u"1000"_s).toInt();
    const double seconds = argValue(args, u"--seconds"_s, u"5"_s).toDouble();
    QList<int> counts;
    for (const QString &c : argValue(args, u"--instances"_s, u"1,2,3"_s).split(u','))
        counts << c.toInt();

    QTextStream out(stdout);
    out << "pubsub: " << subscribers << " subscribers of one topic, " << rate << " messages/s for " << seconds
        << " s; latency publish->receive\n";
    out << "config      subscribers   delivered/expected   deliveries/s   p50 ms   p99 ms   max ms   CPU us/delivery\n";
    out.flush();
    bool ok = run(1, false, subscribers, rate, seconds, out);
    for (int k : counts)
        ok = run(k, true, subscribers, rate, seconds, out) && ok;
    if (!ok)
        out << "pubsub: some deliveries were missing" << Qt::endl;
    return ok ? 0 : 1;
}
