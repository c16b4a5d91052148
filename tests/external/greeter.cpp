// A view with a handler, served on a free port; prints its URL.
#include <rill/liveview.h>
#include <rill/server.h>
#include <rill/version.h>

#include <QCoreApplication>
#include <QTextStream>

#include <cstring>

using namespace Qt::StringLiterals;

static_assert(RILL_VERSION >= RILL_VERSION_CHECK(0, 1, 0), "built against an old Rill");

class Greeter : public Rill::LiveView
{
    Q_OBJECT
    Q_PROPERTY(QString name MEMBER m_name)
public:
    Greeter()
    {
        setTemplateSource(u"<p id=\"greeting\">Hello, {{ name }}!</p>"
                          u"<form dj-submit=\"rename\"><input name=\"name\"><button>Go</button></form>"_s);
        handle(u"rename"_s, &Greeter::rename);
    }

    QCoro::Task<> rename(QVariantMap params)
    {
        m_name = Rill::Params::string(params, u"name"_s);
        co_return;
    }

private:
    QString m_name = u"external project"_s;
};

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    // The headers and the library must agree.
    if (std::strcmp(Rill::version(), RILL_VERSION_STR) != 0) {
        QTextStream(stderr) << "greeter: headers say " << RILL_VERSION_STR << ", the library " << Rill::version()
                            << "\n";
        return 1;
    }
    Rill::Server server;
    server.route<Greeter>(u"/"_s);
    if (!server.listen()) {
        QTextStream(stderr) << "greeter: " << server.errorString() << "\n";
        return 1;
    }
    QTextStream(stdout) << "greeter: serving " << server.url().toString() << " with Rill " << Rill::version()
                        << Qt::endl;
    return app.exec();
}

#include "greeter.moc"
