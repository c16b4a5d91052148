#include <rill/tail.h>

#include <rill/liveview.h>

#include <QFile>

#include <qcoro/qcorotimer.h>

#include <stdexcept>

namespace Rill {

QCoro::AsyncGenerator<QString> tailFile(QString path, const LiveView *view, std::chrono::milliseconds poll)
{
    // However much is appended at once, it is read a chunk at a time, and
    // the event loop runs between batches of lines: a burst neither fills
    // memory nor holds up the other pages, and the reader's resumptions do
    // not pile up on the stack (they do where the compiler makes no tail
    // call of them, as under the sanitizers).
    constexpr qint64 ChunkBytes = 256 * 1024;
    constexpr int LinesPerTurn = 1000;
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        throw std::runtime_error("cannot open " + path.toStdString() + ": " + file.errorString().toStdString());
    file.seek(file.size());
    QByteArray partial;
    int lines = 0;
    auto takeTurn = [&lines] { // true every LinesPerTurn lines
        if (++lines < LinesPerTurn)
            return false;
        lines = 0;
        return true;
    };
    while (!view->isClosed()) {
        // Polling works on every file system; inotify misses some appends.
        co_await QCoro::sleepFor(poll);
        if (file.size() < file.pos()) { // truncated or rotated: start over
            file.seek(0);
            partial.clear();
        }
        while (!view->isClosed()) {
            const QByteArray chunk = file.read(ChunkBytes);
            if (chunk.isEmpty())
                break;
            partial += chunk;
            qsizetype from = 0;
            while (true) {
                const qsizetype nl = partial.indexOf('\n', from);
                const qsizetype lineEnd = nl > from && partial.at(nl - 1) == '\r' ? nl - 1 : nl; // CRLF
                qsizetype end;
                qsizetype next;
                if (nl >= 0 && lineEnd - from <= MaxTailLineBytes) {
                    end = nl;
                    next = nl + 1;
                } else if ((nl >= 0 ? lineEnd : partial.size()) - from > MaxTailLineBytes) {
                    // Too long: a piece, ended before a UTF-8 continuation
                    // byte so that no character is cut in two.
                    end = from + MaxTailLineBytes;
                    while (end > from + 1 && (quint8(partial.at(end)) & 0xC0) == 0x80)
                        --end;
                    next = end;
                } else {
                    break; // the rest of a line still being written
                }
                // Named, not a temporary: GCC 12 destroys a co_yield temporary twice.
                QString line = QString::fromUtf8(QByteArrayView(partial).sliced(from, end - from)).trimmed();
                from = next;
                co_yield line;
                if (takeTurn())
                    co_await QCoro::sleepFor(std::chrono::milliseconds(0));
                if (view->isClosed())
                    co_return;
            }
            partial.remove(0, from);
            if (chunk.size() == ChunkBytes)
                co_await QCoro::sleepFor(std::chrono::milliseconds(0)); // more to read: after the others
        }
    }
}

} // namespace Rill
