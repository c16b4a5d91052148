// rill-bench-chat: rill-chat's server time on a long conversation.
//
//   rill-bench-chat [--messages 500] [--runs 15] [--dump-context FILE]
//
// A conversation of N messages (questions, and answers with prose, a code
// block and a table, as models write them) in a fresh SQLite store; the real
// ChatView, ChatService (with the offline demo provider, in-process) and
// chat.html. Each operation is timed as the server pays for it: the event's
// handler, the render of the page, and the session's diff of that render
// against the page's previous one (parse + diff + encode of the patch):
//   open   the page shows a short conversation and opens the long one
//   send   a question on the long one (the answer starts)
//   stop   Stop mid-answer, up to the page's render of the stopped answer
//   idle   a re-render that changes nothing (a ping of the sidebar, say)
// One JSON line per operation: median and best wall ms over the runs, the
// CPU ms of the median run, the page's size and the patch's ops and bytes.
// --dump-context writes the open page's template context as JSON, for the
// Django peer of run.py.

#include "chatservice.h"
#include "chatview.h"
#include "conversationstore.h"
#include "dom/htmldiff_p.h"
#include "dom/htmltree_p.h"

#include <rill/llm/demoprovider.h>
#include <rill/protocol.h>
#include <rill/request.h>
#include <rill/templateengine.h>

#include <QCoreApplication>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMetaProperty>
#include <QTemporaryDir>
#include <QDeadlineTimer>
#include <QEventLoop>

#include <qcoro/qcorotask.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <functional>
#include <vector>

using namespace Qt::StringLiterals;
using Rill::Protocol;
using Rill::detail::HtmlDiff;
using Rill::detail::HtmlTree;
using namespace RillChat;

namespace {

double cpuMs()
{
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return double(ts.tv_sec) * 1e3 + double(ts.tv_nsec) / 1e6;
}

double wallMs()
{
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return double(ts.tv_sec) * 1e3 + double(ts.tv_nsec) / 1e6;
}

QString answerText(int i)
{
    return uR"(Here is how step %1 works. The function below reads the input once and keeps only
what it needs, so memory stays flat however long the file is.

```python
def step_%1(lines):
    seen = set()
    for line in lines:
        key = line.split(",")[0]
        if key not in seen:
            seen.add(key)
            yield line
```

| input | output | time |
|---|---|---|
| 1,000 lines | 120 lines | 2 ms |
| 1,000,000 lines | 9,800 lines | 1.4 s |

Call it with an open file; it works on any iterable of strings.)"_s
        .arg(i);
}

// The page as a session holds it: the last render's tree.
struct Page
{
    ChatView *view;
    HtmlTree tree;
    bool painted = false; // the first render is sent whole, not diffed
    qsizetype lastOps = 0;
    qsizetype lastPatchBytes = 0;
    qsizetype lastHtmlBytes = 0;

    void renderAndDiff()
    {
        Rill::TemplateError error;
        const QString html = view->render(&error);
        if (error.isError()) {
            std::fprintf(stderr, "render failed: %s\n", qPrintable(error.message()));
            std::exit(1);
        }
        HtmlTree next = HtmlTree::parse(html);
        if (!painted) {
            tree = std::move(next);
            painted = true;
            return;
        }
        const HtmlDiff::Result diff = HtmlDiff::diff(tree, next, {});
        lastOps = diff.ops.size();
        lastPatchBytes = diff.fullRender ? Protocol::encode(Protocol::ServerFrame(Protocol::Render{1, html})).size()
                                         : Protocol::encode(Protocol::ServerFrame(Protocol::Patch{1, diff.ops})).size();
        lastHtmlBytes = html.toUtf8().size();
        tree = std::move(next);
    }
};

struct Timing
{
    std::vector<double> wall, cpu;
    qsizetype ops = 0, patchBytes = 0, htmlBytes = 0;
};

void report(const char *name, Timing &t, int messages)
{
    std::vector<std::size_t> order(t.wall.size());
    for (std::size_t i = 0; i < order.size(); ++i)
        order[i] = i;
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return t.wall[a] < t.wall[b]; });
    const std::size_t median = order[order.size() / 2];
    const QJsonObject o{{u"op"_s, QString::fromLatin1(name)},
                        {u"messages"_s, messages},
                        {u"median_ms"_s, t.wall[median]},
                        {u"best_ms"_s, t.wall[order.front()]},
                        {u"cpu_ms"_s, t.cpu[median]},
                        {u"html_bytes"_s, qint64(t.htmlBytes)},
                        {u"patch_ops"_s, qint64(t.ops)},
                        {u"frame_bytes"_s, qint64(t.patchBytes)}};
    std::printf("%s\n", QJsonDocument(o).toJson(QJsonDocument::Compact).constData());
    std::fflush(stdout);
}

// Times one operation: `run` does the handler part; the page then renders
// and diffs as the session would.
void measure(Timing &t, Page &page, const std::function<void()> &run)
{
    const double w0 = wallMs(), c0 = cpuMs();
    run();
    page.renderAndDiff();
    t.wall.push_back(wallMs() - w0);
    t.cpu.push_back(cpuMs() - c0);
    t.ops = page.lastOps;
    t.patchBytes = page.lastPatchBytes;
    t.htmlBytes = page.lastHtmlBytes;
}

// Runs the event loop until `done` or `ms` have passed.
bool waitFor(const std::function<bool()> &done, int ms)
{
    QDeadlineTimer deadline(ms);
    while (!done()) {
        if (deadline.hasExpired())
            return false;
        QCoreApplication::processEvents(QEventLoop::AllEvents, 5);
    }
    return true;
}

QVariant jsonable(const QVariant &v)
{
    // What Django's peer takes: maps, lists, strings, numbers, booleans.
    switch (v.typeId()) {
    case QMetaType::QVariantMap: {
        QVariantMap out;
        const QVariantMap in = v.toMap();
        for (auto it = in.cbegin(); it != in.cend(); ++it)
            out.insert(it.key(), jsonable(it.value()));
        return out;
    }
    case QMetaType::QVariantList: {
        QVariantList out;
        for (const QVariant &x : v.toList())
            out.append(jsonable(x));
        return out;
    }
    case QMetaType::QStringList: return v.toStringList();
    case QMetaType::Bool:
    case QMetaType::Int:
    case QMetaType::LongLong:
    case QMetaType::Double: return v;
    default: return v.toString();
    }
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    int messages = 500;
    int runs = 15;
    QString dumpPath;
    const QStringList args = app.arguments();
    for (int i = 1; i < args.size(); ++i) {
        if (args[i] == u"--messages" && i + 1 < args.size())
            messages = args[++i].toInt();
        else if (args[i] == u"--runs" && i + 1 < args.size())
            runs = args[++i].toInt();
        else if (args[i] == u"--dump-context" && i + 1 < args.size())
            dumpPath = args[++i];
        else {
            std::fprintf(stderr, "usage: rill-bench-chat [--messages N] [--runs N] [--dump-context FILE]\n");
            return 2;
        }
    }
    if (messages < 2 || runs < 1) {
        std::fprintf(stderr, "rill-bench-chat: --messages >= 2, --runs >= 1\n");
        return 2;
    }

    QTemporaryDir dir;
    ConversationStore store;
    if (!store.open(dir.filePath(u"chats.sqlite"_s))) {
        std::fprintf(stderr, "store: %s\n", qPrintable(store.errorString()));
        return 1;
    }
    const qint64 shortOne = store.createConversation(u"Short"_s, u"offline-demo"_s);
    store.addMessage({.conversation = shortOne, .role = u"user"_s, .content = u"Hi"_s});
    const qint64 longOne = store.createConversation(u"A long one"_s, u"offline-demo"_s);
    for (int i = 0; i < messages; ++i) {
        Message m;
        m.conversation = longOne;
        m.role = i % 2 ? u"assistant"_s : u"user"_s;
        m.content = i % 2 ? answerText(i) : u"How does step %1 work, and what does it cost on a big file?"_s.arg(i);
        m.model = i % 2 ? u"offline-demo"_s : QString();
        store.addMessage(m);
    }

    ChatService service(&store);
    auto demo = std::make_shared<Rill::Llm::DemoProvider>();
    demo->setTokensPerSecond(400);
    service.setProvider(demo);
    QCoro::waitFor(service.refreshModels());
    Rill::TemplateEngine engine;
    engine.addSearchPath(QStringLiteral(RILL_SOURCE_DIR "/app/chat/templates"));
    engine.setAutoReload(false);
    ChatView view(&service, [](Rill::Llm::ProviderConfig) -> QCoro::Task<> { co_return; });
    view.setTemplateEngine(&engine);
    QCoro::waitFor(view.mount(Rill::Request{}));
    Page page{&view, {}};
    auto invoke = [&](const QString &event, const QVariantMap &params = {}) {
        QCoro::waitFor(view.invoke(event, params));
    };
    invoke(u"open"_s, {{u"id"_s, shortOne}});
    page.renderAndDiff();

    Timing open, send, stop, idle;
    for (int r = 0; r < runs; ++r) {
        invoke(u"open"_s, {{u"id"_s, shortOne}});
        page.renderAndDiff();
        measure(open, page, [&] { invoke(u"open"_s, {{u"id"_s, longOne}}); });
        measure(idle, page, [] {});
        measure(send, page, [&] { invoke(u"send"_s, {{u"content"_s, u"And step %1?"_s.arg(r)}}); });
        // Let a few tokens arrive (the page follows them through its topic).
        waitFor([] { return false; }, 60);
        page.renderAndDiff();
        // Stop: the handler, then the answer ends (the request is aborted)
        // and the page renders the stopped answer in the list.
        measure(stop, page, [&] {
            invoke(u"stop"_s);
            waitFor([&] { return !service.isAnswering(longOne); }, 5000);
            QCoreApplication::processEvents(); // the topic's "ended"
        });
        // (Each run adds its question and stopped answer: the last run
        // works on N + 2 * (runs - 1) messages.)
    }
    report("open", open, messages);
    report("send", send, messages);
    report("stop", stop, messages);
    report("idle", idle, messages);

    if (!dumpPath.isEmpty()) {
        invoke(u"open"_s, {{u"id"_s, longOne}});
        QVariantMap context;
        const QMetaObject *meta = view.metaObject();
        for (int i = meta->propertyOffset(); i < meta->propertyCount(); ++i)
            context.insert(QString::fromLatin1(meta->property(i).name()), jsonable(meta->property(i).read(&view)));
        QFile f(dumpPath);
        if (!f.open(QIODevice::WriteOnly) || f.write(QJsonDocument::fromVariant(context).toJson(QJsonDocument::Compact)) < 0) {
            std::fprintf(stderr, "cannot write %s\n", qPrintable(dumpPath));
            return 1;
        }
    }
    return 0;
}
