#include "cli.h"

#include <rill/version.h>

#include <QCoreApplication>
#include <QStringList>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <unistd.h>

using namespace Qt::StringLiterals;

namespace Rill::Cli {

namespace {

QString programName()
{
    const QString name = QCoreApplication::applicationName();
    return name.isEmpty() ? u"rill"_s : name;
}

void write(FILE *to, const QString &text)
{
    const QByteArray bytes = text.toLocal8Bit();
    std::fwrite(bytes.constData(), 1, size_t(bytes.size()), to);
    std::fflush(to);
}

} // namespace

void printError(const QString &message)
{
    write(stderr, programName() + u": "_s + message + u'\n');
}

void usageError(const QString &message)
{
    printError(message);
    write(stderr, u"Try '"_s + programName() + u" --help' for more information.\n"_s);
    std::exit(UsageError);
}

// The options Q(Gui)Application takes out of argv itself (one or two
// dashes), with and without a value. We parse before it exists, so we step
// over them rather than call them unknown.
bool isQtOption(const QString &arg, bool *takesValue)
{
    static const QStringList withValue = {u"platform"_s, u"platformpluginpath"_s, u"platformtheme"_s, u"plugin"_s,
                                          u"qwindowgeometry"_s, u"qwindowtitle"_s, u"qwindowicon"_s, u"style"_s,
                                          u"stylesheet"_s, u"session"_s, u"display"_s, u"geometry"_s,
                                          u"qmljsdebugger"_s};
    static const QStringList flags = {u"reverse"_s, u"nograb"_s, u"dograb"_s, u"sync"_s, u"widgetcount"_s};
    if (!arg.startsWith(u'-'))
        return false;
    QString name = arg.mid(arg.startsWith(u"--"_s) ? 2 : 1);
    const qsizetype eq = name.indexOf(u'=');
    if (eq >= 0)
        name.truncate(eq);
    *takesValue = eq < 0 && withValue.contains(name);
    return withValue.contains(name) || flags.contains(name);
}

void parse(QCommandLineParser &parser, int argc, char *argv[], Program kind)
{
    const QCommandLineOption help = parser.addHelpOption();
    const QCommandLineOption version = parser.addVersionOption();
    QStringList args;
    args.reserve(argc);
    for (int i = 0; i < argc; ++i) {
        const QString arg = QString::fromLocal8Bit(argv[i]);
        if (kind == Program::Gui && i > 0) {
            if (arg == u"--webEngineArgs"_s)
                break; // the rest is Chromium's
            bool takesValue = false;
            if (isQtOption(arg, &takesValue)) {
                i += takesValue ? 1 : 0;
                continue;
            }
        }
        args.append(arg);
    }
    if (!parser.parse(args))
        usageError(parser.errorText());
    // --help-all (Qt's name for "with Qt's own options") gets the same text:
    // Qt cannot list its options before its application exists.
    if (parser.isSet(help) || parser.isSet(u"help-all"_s)) {
        // Without an application object Qt cannot name the program in the
        // usage line; we can.
        QString text = parser.helpText();
        text.replace(u"<executable_name>"_s, programName());
        write(stdout, text);
        std::exit(0);
    }
    if (parser.isSet(version)) {
        write(stdout, programName() + u' ' + QString::fromLatin1(Rill::version()) + u'\n');
        std::exit(0);
    }
}

qint64 integer(const QCommandLineParser &parser, const QCommandLineOption &option, qint64 min, qint64 max)
{
    const QString text = parser.value(option);
    bool ok = false;
    const qint64 value = text.toLongLong(&ok);
    if (!ok || value < min || value > max)
        usageError(u"--%1 needs a whole number from %2 to %3, got '%4'"_s.arg(option.names().constLast())
                       .arg(min)
                       .arg(max)
                       .arg(text));
    return value;
}

double number(const QCommandLineParser &parser, const QCommandLineOption &option, bool allowZero)
{
    const QString text = parser.value(option);
    bool ok = false;
    const double value = text.toDouble(&ok);
    if (!ok || !(allowZero ? value >= 0 : value > 0) || !std::isfinite(value))
        usageError(u"--%1 needs a number %2 0, got '%3'"_s.arg(option.names().constLast(),
                                                               allowZero ? u">="_s : u">"_s, text));
    return value;
}

quint16 port(const QCommandLineParser &parser, const QCommandLineOption &option)
{
    return quint16(integer(parser, option, 0, 65535));
}

QHostAddress address(const QCommandLineParser &parser, const QCommandLineOption &option)
{
    const QString text = parser.value(option);
    QHostAddress address;
    if (!address.setAddress(text))
        usageError(u"--%1 needs an IP address such as 127.0.0.1 or ::1, got '%2'"_s.arg(option.names().constLast(),
                                                                                      text));
    return address;
}

void allowWebEngineAsRoot()
{
    if (::geteuid() != 0 || qEnvironmentVariableIsSet("QTWEBENGINE_DISABLE_SANDBOX"))
        return;
    qputenv("QTWEBENGINE_DISABLE_SANDBOX", "1");
    printError(u"running as root, so Chromium's sandbox is off (QTWEBENGINE_DISABLE_SANDBOX=1); "
               u"run as a normal user to keep it"_s);
}

bool hasDisplay()
{
    return qEnvironmentVariableIsSet("QT_QPA_PLATFORM") || !qEnvironmentVariableIsEmpty("DISPLAY")
        || !qEnvironmentVariableIsEmpty("WAYLAND_DISPLAY");
}

} // namespace Rill::Cli
