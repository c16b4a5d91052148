// rill-test-scaleout: one instance of a small app run several times behind
// nginx by scaleout.test.mjs. Its page shows which instance rendered it and
// a feed every page shares through the topic "feed" (Redis when
// RILL_REDIS_URL is set; RILL_INSTANCE names the instance).
//
//   rill-test-scaleout --port P
//
// Prints "rill-test-scaleout: INSTANCE at http://127.0.0.1:P/" when it
// listens.

#include <rill/html.h>
#include <rill/liveview.h>
#include <rill/pubsub.h>
#include <rill/server.h>
#include <rill/templatecontext.h>

#include <QCoreApplication>
#include <QTextStream>

using namespace Qt::StringLiterals;

namespace {

class FeedView : public Rill::LiveView
{
public:
    FeedView(Rill::PubSub *pubsub, QString instance) : m_pubsub(pubsub), m_instance(std::move(instance))
    {
        setTemplateSource(uR"(<p id="instance">{{ instance }}</p>
<form dj-submit="post"><input name="text" autocomplete="off"><button>Post</button></form>
<ul id="feed" dj-stream="feed"></ul>
)"_s);
        m_pubsub->subscribe(u"feed"_s, this, [this](const QVariant &message) {
            const QVariantMap m = message.toMap();
            streamInsert(u"feed"_s, u"<li>"_s + Rill::escapeHtml(m.value(u"text"_s).toString()) + u"</li>"_s);
        });
        handle(u"post"_s, [this](QVariantMap params) -> QCoro::Task<> {
            m_pubsub->publish(u"feed"_s, QVariantMap{{u"text"_s, Rill::Params::string(params, u"text"_s)}});
            co_return;
        });
    }

    void addContext(Rill::TemplateContext &context) const override { context.insert(u"instance"_s, m_instance); }

private:
    Rill::PubSub *m_pubsub;
    QString m_instance;
};

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    const qsizetype at = args.indexOf(u"--port"_s);
    const quint16 port = at > 0 && at + 1 < args.size() ? quint16(args.at(at + 1).toUInt()) : 0;

    Rill::Server server;
    const QString instance = server.instanceName();
    Rill::PubSub *pubsub = &server.pubSub();
    server.route(u"/"_s, [pubsub, instance] { return std::make_unique<FeedView>(pubsub, instance); });
    if (!server.listen(QHostAddress::LocalHost, port)) {
        QTextStream(stderr) << "rill-test-scaleout: " << server.errorString() << "\n";
        return 1;
    }
    QTextStream(stdout) << "rill-test-scaleout: " << instance << " at " << server.url().toString() << Qt::endl;
    return app.exec();
}
