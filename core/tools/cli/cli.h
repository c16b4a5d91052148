#pragma once

// Command-line handling shared by Rill's programs (rill-render, rill-view,
// rill-examples, rill-chat), so they all behave as GNU tools do:
//   --help, --version   print to stdout, exit 0, need no display
//   a bad flag or value "PROG: what is wrong" + "Try 'PROG --help'." on
//                       stderr, exit 2
// Works before any QCoreApplication exists: a GUI program parses first and
// only then creates its QApplication (which aborts without a display).
//
//   QCoreApplication::setApplicationName(u"rill-render"_s);
//   QCommandLineParser cli;
//   const QCommandLineOption port(u"port"_s, u"Port."_s, u"P"_s, u"8000"_s);
//   cli.addOption(port);
//   Rill::Cli::parse(cli, argc, argv);               // exits on --help, --version, errors
//   const quint16 p = Rill::Cli::port(cli, port);    // "abc" -> exit 2, never a random port

#include <QCommandLineOption>
#include <QCommandLineParser>
#include <QHostAddress>
#include <QString>

namespace Rill::Cli {

//! Exit status for a bad flag or value, as sysexits' EX_USAGE is too exotic
//! and GNU tools use 2.
inline constexpr int UsageError = 2;

enum class Program {
    Console,
    //! Also lets Qt's own options through to the QApplication made after
    //! parsing (-platform, -style, -qwindowgeometry, ...) and everything
    //! after --webEngineArgs to Chromium, as Qt documents them.
    Gui,
};

//! Adds --help and --version, parses argv, and exits for --help, --version
//! and errors (unknown option, missing value).
void parse(QCommandLineParser &parser, int argc, char *argv[], Program program = Program::Console);

//! Prints "PROG: message" and the --help hint to stderr, exits UsageError.
[[noreturn]] void usageError(const QString &message);

//! Prints "PROG: message" to stderr (for errors that are not usage errors).
void printError(const QString &message);

//! The option's value as an integer in [min, max], or a usage error naming it.
qint64 integer(const QCommandLineParser &parser, const QCommandLineOption &option, qint64 min, qint64 max);
//! The option's value as a number > 0 (or >= 0 with allowZero), or a usage error.
double number(const QCommandLineParser &parser, const QCommandLineOption &option, bool allowZero = false);
//! The option's value as a TCP port (0 = any free port), or a usage error.
quint16 port(const QCommandLineParser &parser, const QCommandLineOption &option);
//! The option's value as an IP address, or a usage error.
QHostAddress address(const QCommandLineParser &parser, const QCommandLineOption &option);

/*!
  For programs that open a Qt WebEngine window: Chromium refuses to start as
  root with its sandbox on. As Qt documents, the sandbox is then turned off
  with QTWEBENGINE_DISABLE_SANDBOX=1; this does it (unless the user set it)
  and says so on stderr. Call before the QApplication exists.
*/
void allowWebEngineAsRoot();

/*!
  Whether a window can be opened: a platform was chosen (QT_QPA_PLATFORM) or
  an X11 or Wayland display is there. Without one, QApplication aborts; call
  this first and say what to do instead.
*/
bool hasDisplay();

} // namespace Rill::Cli
