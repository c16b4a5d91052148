// rill-bench-chat-floor: the yardstick of bench/chat/startup.py. A bare
// QWebEngineView (the same Qt WebEngine rill-chat's window uses) showing a
// page with a focused text field, no server, no socket, no script of ours:
// what any window of this kind costs to start. Prints "floor: ready" to
// stderr once the field has the focus.

#include <QApplication>
#include <QTimer>
#include <QWebEnginePage>
#include <QWebEngineView>

#include <cstdio>

using namespace Qt::StringLiterals;

int main(int argc, char *argv[])
{
    QApplication app(argc, argv);
    QWebEngineView view;
    view.resize(1100, 760);
    view.setHtml(u"<!doctype html><html><body><textarea autofocus name=content placeholder=Message></textarea></body></html>"_s);
    view.show();
    QTimer poll;
    poll.setInterval(10);
    QObject::connect(&poll, &QTimer::timeout, &view, [&] {
        view.page()->runJavaScript(u"document.activeElement === document.querySelector('textarea')"_s, [&](const QVariant &ready) {
            if (ready.toBool() && poll.isActive()) {
                poll.stop();
                std::fprintf(stderr, "floor: ready\n");
                std::fflush(stderr);
            }
        });
    });
    poll.start();
    return app.exec();
}
