// rill-bench-diff: the server side of the re-render benchmark (bench/diff/run.mjs).
//
//   rill-bench-diff                serve: two Rill servers on 127.0.0.1, port 0,
//                                  one sending patches (the default), one
//                                  whole renders (Server::setPatchesEnabled(false)),
//                                  both serving ListView at /list?n=N&keyed=0|1.
//                                  Prints "ports PATCH WHOLE", runs until killed.
//   rill-bench-diff --cost [--messages 100,1000,10000]
//                                  the server's cost of one re-render of the
//                                  seed's chat template (examples/templates/
//                                  chat_page.html) when one message is added to
//                                  N: what Session::sendRender does with the
//                                  render, patch vs whole. One JSON line per N.
//
// ListView: a button (#bump) and a list of N rows; a click on the button
// changes one row (the middle one: its count and its class). Rows have no
// ids; with keyed=1 each has a dj-key.

#include "dom/htmldiff_p.h"
#include "dom/htmltree_p.h"

#include <rill/liveview.h>
#include <rill/protocol.h>
#include <rill/request.h>
#include <rill/server.h>
#include <rill/templatecontext.h>
#include <rill/templateengine.h>

#include <QCoreApplication>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <functional>
#include <vector>

using namespace Qt::StringLiterals;
using Rill::Protocol;
using Rill::detail::HtmlDiff;
using Rill::detail::HtmlTree;

namespace {

class ListView : public Rill::LiveView
{
    Q_OBJECT
    Q_PROPERTY(QVariantList rows MEMBER m_rows)
    Q_PROPERTY(bool keyed MEMBER m_keyed)
    Q_PROPERTY(int clicks MEMBER m_clicks)

public:
    ListView()
    {
        setTemplateSource(uR"(<h1>Rows</h1>
<button type="button" id="bump" dj-click="bump">Change one row</button>
<ul class="rows">
{% for row in rows %}<li class="row{% if row.hot %} hot{% endif %}"{% if keyed %} dj-key="r{{ row.id }}"{% endif %}><span class="name">Row {{ row.id }}</span> <span class="label">{{ row.label }}</span> <span class="count">{{ row.count }}</span></li>
{% endfor %}</ul>
<p class="clicks">{{ clicks }}</p>
)"_s);
        handle(u"bump"_s, &ListView::bump);
    }

    QCoro::Task<> mount(const Rill::Request &request) override
    {
        const int n = std::clamp(request.query.value(u"n"_s).toInt(), 1, 100000);
        m_keyed = request.query.value(u"keyed"_s) == u"1"_s;
        m_rows.reserve(n);
        for (int i = 0; i < n; ++i)
            m_rows.append(QVariantMap{{u"id"_s, i},
                                      {u"label"_s, u"item & detail %1"_s.arg(i * 7919 % 10007)},
                                      {u"count"_s, 0},
                                      {u"hot"_s, false}});
        co_return;
    }

private:
    // One row changes: the middle one's count and class.
    QCoro::Task<> bump(QVariantMap)
    {
        ++m_clicks;
        QVariantMap row = m_rows[m_rows.size() / 2].toMap();
        row[u"count"_s] = row[u"count"_s].toInt() + 1;
        row[u"hot"_s] = !row[u"hot"_s].toBool();
        m_rows[m_rows.size() / 2] = row;
        co_return;
    }

    QVariantList m_rows;
    bool m_keyed = false;
    int m_clicks = 0;
};

volatile qint64 g_sink = 0; // keeps timed work from being optimised away

// CPU time of this thread, in ns: time the machine gave to other processes
// does not count (the benchmark runs on a shared machine).
double cpuNs()
{
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return double(ts.tv_sec) * 1e9 + double(ts.tv_nsec);
}

// ns per call of each of \a work: after a warm-up, 9 batches of >= 50 ms
// each, the functions' batches interleaved (so a change of load or clock
// affects them alike); the median batch.
std::vector<double> timeEach(const std::vector<std::function<void()>> &work)
{
    std::vector<qint64> iterations;
    for (const auto &once : work) {
        const double start = cpuNs();
        qint64 calls = 0;
        while (calls < 3 || cpuNs() - start < 1e8) {
            once();
            ++calls;
        }
        iterations.push_back(std::max<qint64>(1, qint64(5e7 / ((cpuNs() - start) / double(calls)))));
    }
    std::vector<std::vector<double>> samples(work.size());
    for (int b = 0; b < 9; ++b) {
        for (size_t w = 0; w < work.size(); ++w) {
            const double t0 = cpuNs();
            for (qint64 i = 0; i < iterations[w]; ++i)
                work[w]();
            samples[w].push_back((cpuNs() - t0) / double(iterations[w]));
        }
    }
    std::vector<double> medians;
    for (auto &s : samples) {
        std::sort(s.begin(), s.end());
        medians.push_back(s[s.size() / 2]);
    }
    return medians;
}

QVariantMap message(int i)
{
    // Mixed roles and lengths, with characters the template escapes.
    const QString role = i % 2 ? u"assistant"_s : u"user"_s;
    QString content = u"Message %1: what about <b>tags</b> & \"quotes\"? "_s.arg(i);
    for (int k = 0; k < i % 5; ++k)
        content += u"Some more text to make the message longer, as answers are. "_s;
    return {{u"role"_s, role}, {u"content"_s, content}};
}

int cost(const QList<int> &sizes)
{
    Rill::TemplateEngine engine;
    engine.setSearchPaths({QStringLiteral(RILL_SOURCE_DIR "/examples/templates")});
    engine.setAutoReload(false);
    const Rill::Template tpl = engine.loadTemplate(u"chat_page.html"_s);
    for (const int n : sizes) {
        QVariantList messages;
        for (int i = 0; i < n; ++i)
            messages.append(message(i));
        Rill::TemplateContext before;
        before.insert(u"messages"_s, messages);
        before.insert(u"is_streaming"_s, false);
        messages.append(message(n));
        Rill::TemplateContext after;
        after.insert(u"messages"_s, messages);
        after.insert(u"is_streaming"_s, false);
        Rill::TemplateError error;
        const QString oldHtml = tpl.render(before, &error);
        const QString newHtml = tpl.render(after, &error);
        if (newHtml.count(u"class=\"message "_s) != n + 1 + 1) { // + the stream target
            std::fprintf(stderr, "chat: the render does not hold %d messages\n", n + 1);
            return 1;
        }
        const HtmlTree previous = HtmlTree::parse(oldHtml);

        // Patch (sendRender, patches on): parse the render, diff it against
        // the page's tree, encode the ops. Whole (patches off): parse the
        // render (the session keeps the tree, for resumes and stream
        // targets), encode the html. For reference: the parts, and the
        // template render that comes before either.
        qsizetype patchBytes = 0;
        qsizetype ops = 0;
        bool full = false;
        qsizetype wholeBytes = 0;
        const std::vector<double> ns = timeEach({
            [&] {
                HtmlTree next = HtmlTree::parse(newHtml);
                const HtmlDiff::Result diff = HtmlDiff::diff(previous, next, {});
                full = diff.fullRender;
                ops = diff.ops.size();
                patchBytes = Protocol::encode(Protocol::ServerFrame(Protocol::Patch{1, diff.ops})).size();
            },
            [&] {
                const HtmlTree next = HtmlTree::parse(newHtml);
                g_sink = g_sink + next.nodeCount();
                wholeBytes = Protocol::encode(Protocol::ServerFrame(Protocol::Render{1, newHtml})).size();
            },
            [&] { g_sink = g_sink + Protocol::encode(Protocol::ServerFrame(Protocol::Render{1, newHtml})).size(); },
            [&] { g_sink = g_sink + HtmlTree::parse(newHtml).nodeCount(); },
            [&] { g_sink = g_sink + tpl.render(after).size(); },
        });
        if (full) {
            std::fprintf(stderr, "chat: the render could not be patched\n");
            return 1;
        }
        const double patchNs = ns[0], wholeNs = ns[1], encodeNs = ns[2], parseNs = ns[3], renderNs = ns[4];

        QJsonObject o{{u"messages"_s, n},
                      {u"html_bytes"_s, qint64(newHtml.toUtf8().size())},
                      {u"patch_ns"_s, patchNs},
                      {u"patch_bytes"_s, qint64(patchBytes)},
                      {u"patch_ops"_s, qint64(ops)},
                      {u"whole_ns"_s, wholeNs},
                      {u"whole_bytes"_s, qint64(wholeBytes)},
                      {u"encode_whole_ns"_s, encodeNs},
                      {u"parse_ns"_s, parseNs},
                      {u"template_ns"_s, renderNs}};
        std::printf("%s\n", QJsonDocument(o).toJson(QJsonDocument::Compact).constData());
        std::fflush(stdout);
    }
    return 0;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    if (args.contains(u"--cost"_s)) {
        QList<int> sizes{100, 1000, 10000};
        const qsizetype at = args.indexOf(u"--messages"_s);
        if (at > 0 && at + 1 < args.size()) {
            sizes.clear();
            for (const QString &s : args[at + 1].split(u','))
                sizes.append(s.toInt());
        }
        return cost(sizes);
    }

    Rill::Server patch;
    Rill::Server whole;
    whole.setPatchesEnabled(false);
    for (Rill::Server *s : {&patch, &whole}) {
        s->route<ListView>(u"/list"_s);
        if (!s->listen(QHostAddress::LocalHost, 0)) {
            std::fprintf(stderr, "cannot listen: %s\n", qPrintable(s->errorString()));
            return 1;
        }
    }
    std::printf("ports %d %d\n", patch.port(), whole.port());
    std::fflush(stdout);
    return app.exec();
}

#include "server.moc"
