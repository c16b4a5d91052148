#include <rill/tail.h>

#include <rill/liveview.h>

#include <QFile>

#include <qcoro/qcorotimer.h>

#include <stdexcept>

namespace Rill {

QCoro::AsyncGenerator<QString> tailFile(QString path, const LiveView *view, std::chrono::milliseconds poll)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        throw std::runtime_error("cannot open " + path.toStdString() + ": " + file.errorString().toStdString());
    file.seek(file.size());
    QByteArray partial;
    while (!view->isClosed()) {
        // Polling works on every file system; inotify misses some appends.
        co_await QCoro::sleepFor(poll);
        if (file.size() < file.pos()) // truncated or rotated: start over
            file.seek(0);
        partial += file.readAll();
        qsizetype nl;
        while ((nl = partial.indexOf('\n')) >= 0) {
            // Named, not a temporary: GCC 12 destroys a co_yield temporary twice.
            QString line = QString::fromUtf8(partial.left(nl)).trimmed();
            partial.remove(0, nl + 1);
            co_yield line;
        }
    }
}

} // namespace Rill
