// rill-bench-templates: renders the template benchmark's workloads with Rill
// and prints JSON with the time per render (ns) of each.
//
//   rill-bench-templates --data DIR [--workloads chat,page,table] [--dump DIR] [--quick]
//
// DIR holds <workload>.json contexts, written by run.py from workloads.py so
// that Rill, Django and Jinja2 render the same data. Templates come from
// bench/templates/django/ and examples/templates/ (ai_chat.html, unchanged).
// Each workload is compiled once, rendered once and checked (non-empty; the
// chat workload must show all its messages), warmed up, then timed in several
// batches; the median and best batch are reported.

#include <rill/json.h>
#include <rill/template.h>
#include <rill/templatecontext.h>
#include <rill/templateengine.h>

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

using namespace Qt::StringLiterals;

namespace {

using Clock = std::chrono::steady_clock;

struct Timing
{
    double medianNs = 0;
    double bestNs = 0;
    qint64 iterations = 0;
    int batches = 0;
};

[[noreturn]] void die(const QString &message)
{
    std::fprintf(stderr, "rill-bench-templates: %s\n", qUtf8Printable(message));
    std::exit(1);
}

// A sink the optimiser cannot see through, so renders are not dropped.
volatile qsizetype g_sink = 0;

Timing measure(const Rill::Template &tpl, const Rill::TemplateContext &ctx, double minBatchS, int batches,
               double warmupS)
{
    auto once = [&] { g_sink = g_sink + tpl.render(ctx).size(); };
    const auto start = Clock::now();
    qint64 calls = 0;
    while (calls < 3 || std::chrono::duration<double>(Clock::now() - start).count() < warmupS) {
        once();
        ++calls;
    }
    const double perCall = std::chrono::duration<double>(Clock::now() - start).count() / double(calls);
    Timing t;
    t.batches = batches;
    t.iterations = std::max<qint64>(1, qint64(minBatchS / perCall));
    std::vector<double> samples;
    for (int b = 0; b < batches; ++b) {
        const auto t0 = Clock::now();
        for (qint64 i = 0; i < t.iterations; ++i)
            once();
        samples.push_back(std::chrono::duration<double, std::nano>(Clock::now() - t0).count() / double(t.iterations));
    }
    std::sort(samples.begin(), samples.end());
    t.medianNs = samples[samples.size() / 2];
    t.bestNs = samples.front();
    return t;
}

QString escapeHtml(const QString &s)
{
    QString out;
    for (const QChar c : s) {
        switch (c.unicode()) {
        case u'&': out += u"&amp;"_s; break;
        case u'<': out += u"&lt;"_s; break;
        case u'>': out += u"&gt;"_s; break;
        case u'"': out += u"&quot;"_s; break;
        case u'\'': out += u"&#x27;"_s; break;
        default: out += c;
        }
    }
    return out;
}

// The chat page must hold every message, in order, escaped.
void checkChat(const QString &html, const QVariantMap &context)
{
    const QVariantList messages = context.value(u"messages"_s).toList();
    if (messages.size() != 1000)
        die(u"chat: the context holds %1 messages, expected 1000"_s.arg(messages.size()));
    const qsizetype divs = html.count(u"<div class=\"message "_s);
    if (divs != messages.size())
        die(u"chat: %1 message elements rendered, expected %2"_s.arg(divs).arg(messages.size()));
    qsizetype from = 0;
    for (const QVariant &m : messages) {
        const QVariantMap msg = m.toMap();
        const QString expected = u"<div class=\"message "_s + msg.value(u"role"_s).toString() + u"\">"_s
                                 + escapeHtml(msg.value(u"content"_s).toString()) + u"</div>"_s;
        const qsizetype at = html.indexOf(expected, from);
        if (at < 0)
            die(u"chat: message missing or out of order: %1"_s.arg(expected));
        from = at + expected.size();
    }
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCommandLineParser cli;
    cli.setApplicationDescription(u"Times Rill's template engine on the benchmark workloads."_s);
    cli.addHelpOption();
    cli.addOption({u"data"_s, u"Directory with <workload>.json contexts (run.py writes them)."_s, u"dir"_s});
    cli.addOption({u"workloads"_s, u"Comma-separated workloads to run."_s, u"names"_s, u"chat,page,table"_s});
    cli.addOption({u"dump"_s, u"Write each output to DIR/rill-<workload>.html."_s, u"dir"_s});
    cli.addOption({u"quick"_s, u"Short batches (smoke test)."_s});
    cli.addOption({u"batch-seconds"_s, u"Minimum length of one timed batch."_s, u"s"_s, u"0.2"_s});
    cli.addOption({u"batches"_s, u"Number of timed batches."_s, u"n"_s, u"7"_s});
    cli.process(app);
    if (!cli.isSet(u"data"_s))
        die(u"--data DIR is required (run bench/templates/run.py)"_s);
    const QDir dataDir(cli.value(u"data"_s));
    double batchS = cli.value(u"batch-seconds"_s).toDouble();
    int batches = cli.value(u"batches"_s).toInt();
    if (cli.isSet(u"quick"_s)) {
        batchS = 0.02;
        batches = 3;
    }

    Rill::TemplateEngine engine;
    engine.setSearchPaths({QStringLiteral(RILL_BENCH_DIR "/django"), QStringLiteral(RILL_SOURCE_DIR "/examples/templates")});
    engine.setAutoReload(false); // as Django's cached loader (DEBUG off) and Jinja2's auto_reload=False

    QJsonObject results;
    const QStringList names = cli.value(u"workloads"_s).split(u',', Qt::SkipEmptyParts);
    for (const QString &name : names) {
        QFile file(dataDir.filePath(name + u".json"_s));
        if (!file.open(QIODevice::ReadOnly))
            die(u"cannot read %1"_s.arg(file.fileName()));
        QString jsonError;
        const QVariantMap data = Rill::parseJson(file.readAll(), &jsonError).toMap();
        if (!jsonError.isEmpty())
            die(u"%1: %2"_s.arg(file.fileName(), jsonError));
        const Rill::TemplateContext context(data);

        // The chat workload is the seed's template, under the seed's name.
        const QString templateName = name == u"chat"_s ? u"ai_chat.html"_s : name + u".html"_s;
        const Rill::Template tpl = engine.loadTemplate(templateName);
        QJsonObject entry;
        if (!tpl.isValid()) {
            // Reported, not fatal: a workload may need filters not written yet.
            entry.insert(u"error"_s, tpl.error().toString());
            results.insert(name, entry);
            std::fprintf(stderr, "rill %s: %s\n", qUtf8Printable(name), qUtf8Printable(tpl.error().toString()));
            continue;
        }
        Rill::TemplateError error;
        const QString html = tpl.render(context, &error);
        if (error.isError() || html.trimmed().isEmpty()) {
            entry.insert(u"error"_s, error.isError() ? error.toString() : u"empty output"_s);
            results.insert(name, entry);
            std::fprintf(stderr, "rill %s: %s\n", qUtf8Printable(name), qUtf8Printable(entry.value(u"error"_s).toString()));
            continue;
        }
        if (name == u"chat"_s)
            checkChat(html, data);
        if (cli.isSet(u"dump"_s)) {
            QDir().mkpath(cli.value(u"dump"_s));
            QFile out(QDir(cli.value(u"dump"_s)).filePath(u"rill-"_s + name + u".html"_s));
            if (!out.open(QIODevice::WriteOnly | QIODevice::Truncate))
                die(u"cannot write %1"_s.arg(out.fileName()));
            out.write(html.toUtf8());
        }
        const Timing t = measure(tpl, context, batchS, batches, 0.3);
        entry.insert(u"median_ns"_s, t.medianNs);
        entry.insert(u"best_ns"_s, t.bestNs);
        entry.insert(u"iterations"_s, t.iterations);
        entry.insert(u"batches"_s, t.batches);
        entry.insert(u"bytes"_s, qint64(html.toUtf8().size()));
        results.insert(name, entry);
        std::fprintf(stderr, "rill %s: %.1f us\n", qUtf8Printable(name), t.medianNs / 1000.0);
    }
    QJsonObject root;
    root.insert(u"rill"_s, results);
    std::fputs(QJsonDocument(root).toJson().constData(), stdout);
    return 0;
}
