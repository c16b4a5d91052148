// Rill::tailFile: the lines appended to a file, as a view streams them. A
// file can grow by a lot at once (a log flushed after a stall, or written
// by someone hostile): every line still arrives, once and in order, without
// the coroutines' resumptions piling up on the stack, and the event loop
// gets its turn between lines read from one burst.

#include "testregistry.h"

#include <rill/liveview.h>
#include <rill/tail.h>

#include <QFile>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <qcoro/qcorotask.h>

using namespace Qt::StringLiterals;
using namespace std::chrono_literals;

namespace {

// Collects \a want lines of \a path into \a lines, then stops.
QCoro::Task<> collect(QString path, const Rill::LiveView *view, QStringList *lines, qsizetype want)
{
    QCORO_FOREACH (const QString &line, Rill::tailFile(path, view, 5ms)) {
        lines->append(line);
        if (lines->size() == want)
            co_return;
    }
}

// Closes the view when the test ends, however it ends, and waits for the
// tail to see it: a tail left sleeping would wake to a view that is gone.
struct Finish
{
    Rill::LiveView &view;
    QCoro::Task<> &task;
    ~Finish()
    {
        view.close();
        if (!QTest::qWaitFor([this] { return task.isReady(); }, 5000))
            qWarning("the tail did not end within 5 s of its view closing");
    }
};

bool append(const QString &path, const QByteArray &bytes)
{
    QFile file(path);
    return file.open(QIODevice::Append) && file.write(bytes) == bytes.size();
}

} // namespace

class TstTail : public QObject
{
    Q_OBJECT
private slots:
    void burstOfLines();
    void truncatedFileStartsOver();
    void longLineComesInPieces();
};

void TstTail::burstOfLines()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(u"burst.log"_s);
    QVERIFY(append(path, "before the tail: not read\n"));
    Rill::LiveView view;
    QStringList lines;
    constexpr qsizetype N = 300'000;
    QCoro::Task<> task = collect(path, &view, &lines, N);
    const Finish finish{view, task};

    // One write of 300,000 lines (6 MB). Before, each line resumed the
    // reader inside the previous resumption: without the tail call a
    // sanitizer build (or -O0) makes of it, 300,000 frames deep, the stack
    // overflowed.
    QByteArray burst;
    for (qsizetype i = 0; i < N; ++i)
        burst += "line " + QByteArray::number(i) + '\n';
    QVERIFY(append(path, burst));

    // Meanwhile the event loop goes on: a zero timer keeps firing.
    int turns = 0;
    QTimer ticker;
    ticker.setInterval(0);
    QObject::connect(&ticker, &QTimer::timeout, &ticker, [&] {
        if (!lines.isEmpty() && lines.size() < N)
            ++turns;
    });
    ticker.start();
    QTRY_COMPARE_WITH_TIMEOUT(lines.size(), N, 60000);
    QVERIFY2(turns >= 10, qPrintable(u"the event loop ran %1 times while 300,000 lines were read"_s.arg(turns)));
    for (qsizetype i = 0; i < N; i += 997)
        QCOMPARE(lines.at(i), u"line %1"_s.arg(i));
    QCOMPARE(lines.constLast(), u"line %1"_s.arg(N - 1));
}

void TstTail::truncatedFileStartsOver()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(u"rotated.log"_s);
    QVERIFY(append(path, "old 1\nold 2\nold 3\n"));
    Rill::LiveView view;
    QStringList lines;
    QCoro::Task<> task = collect(path, &view, &lines, 3);
    const Finish finish{view, task};
    QTest::qWait(50); // the tail is at the end of the old content
    QVERIFY(append(path, "one\nhalf a li"));
    QTRY_COMPARE(lines, QStringList{u"one"_s});
    QTest::qWait(50); // "half a li" is read and held, waiting for its end
    {
        // Rotated: what was held belonged to the old file.
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
        QCOMPARE(file.write("new\n"), 4);
    }
    QTRY_COMPARE(lines, (QStringList{u"one"_s, u"new"_s}));
    QVERIFY(append(path, "partial"));
    QTest::qWait(50); // no newline yet: not a line
    QCOMPARE(lines.size(), 2);
    QVERIFY(append(path, " line\r\n"));
    QTRY_COMPARE(lines, (QStringList{u"one"_s, u"new"_s, u"partial line"_s}));
}

// A line with no end in sight is not buffered whole: it comes in pieces of
// at most MaxTailLineBytes, cut between characters, whatever the chunks'
// boundaries; a line of exactly that size (CRLF or not) comes whole.
void TstTail::longLineComesInPieces()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(u"long.log"_s);
    QVERIFY(append(path, ""));
    Rill::LiveView view;
    QStringList lines;
    const qsizetype max = Rill::MaxTailLineBytes;
    const QString han(max / 3 + 1000, QChar(0x4E2D)); // 中, 3 bytes in UTF-8
    QCoro::Task<> task = collect(path, &view, &lines, 7);
    const Finish finish{view, task};
    QTest::qWait(30);
    QVERIFY(append(path, "a\n" + QByteArray(max + max / 10, 'x') + "\n" + han.toUtf8() + "\n"
                             + QByteArray(max, 'y') + "\r\n" + "end\n"));
    QTRY_COMPARE_WITH_TIMEOUT(lines.size(), 7, 20000);
    QCOMPARE(lines.at(0), u"a"_s);
    QCOMPARE(lines.at(1), QString(max, u'x'));
    QCOMPARE(lines.at(2), QString(max / 10, u'x'));
    QVERIFY(lines.at(3).toUtf8().size() <= max);
    QVERIFY(!lines.at(3).contains(QChar::ReplacementCharacter));
    QVERIFY(!lines.at(4).contains(QChar::ReplacementCharacter));
    QCOMPARE(lines.at(3) + lines.at(4), han);
    QCOMPARE(lines.at(5), QString(max, u'y'));
    QCOMPARE(lines.at(6), u"end"_s);
}

RILL_TEST_CLASS(TstTail)
#include "tst_tail.moc"
