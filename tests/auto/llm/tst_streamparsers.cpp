#include <rill/llm/streamparsers.h>

#include "testregistry.h"

#include <QTest>

using namespace Rill::Llm;
using namespace Qt::StringLiterals;

// The wire decoders alone, fed raw bytes cut at every possible point.
class TstStreamParsers : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void sse_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<QList<QByteArray>>("data");
        QTest::addColumn<QList<QByteArray>>("events");

        QTest::newRow("one event, LF") << "data: {\"a\":1}\n\n"_ba << QList<QByteArray>{"{\"a\":1}"} << QList<QByteArray>{""};
        QTest::newRow("CRLF") << "data: x\r\n\r\ndata: y\r\n\r\n"_ba << QList<QByteArray>{"x", "y"} << QList<QByteArray>{"", ""};
        QTest::newRow("bare CR") << "data: x\r\rdata: y\r\r"_ba << QList<QByteArray>{"x", "y"} << QList<QByteArray>{"", ""};
        QTest::newRow("multi-line data joins with LF") << "data: a\ndata: b\n\n"_ba << QList<QByteArray>{"a\nb"} << QList<QByteArray>{""};
        QTest::newRow("comments are ignored") << ": ping\n\n: x\ndata: y\n\n"_ba << QList<QByteArray>{"y"} << QList<QByteArray>{""};
        QTest::newRow("no space after colon") << "data:x\n\n"_ba << QList<QByteArray>{"x"} << QList<QByteArray>{""};
        QTest::newRow("only one space is stripped") << "data:  x\n\n"_ba << QList<QByteArray>{" x"} << QList<QByteArray>{""};
        QTest::newRow("event name and id") << "event: error\nid: 7\nretry: 10\ndata: m\n\n"_ba << QList<QByteArray>{"m"} << QList<QByteArray>{"error"};
        QTest::newRow("empty data line counts") << "data\n\n"_ba << QList<QByteArray>{""} << QList<QByteArray>{""};
        QTest::newRow("unterminated event waits") << "data: a\n\ndata: b\n"_ba << QList<QByteArray>{"a"} << QList<QByteArray>{""};
        QTest::newRow("DONE") << "data: [DONE]\n\n"_ba << QList<QByteArray>{"[DONE]"} << QList<QByteArray>{""};
        QTest::newRow("UTF-8 kept as bytes") << "data: caf\xC3\xA9\n\n"_ba << QList<QByteArray>{"caf\xC3\xA9"} << QList<QByteArray>{""};
    }

    void sse()
    {
        QFETCH(QByteArray, bytes);
        QFETCH(QList<QByteArray>, data);
        QFETCH(QList<QByteArray>, events);
        // Every split point, and byte by byte: the network may cut anywhere.
        for (qsizetype cut = 0; cut <= bytes.size(); ++cut) {
            SseParser parser;
            QList<SseEvent> got = parser.feed(QByteArrayView(bytes).first(cut));
            got += parser.feed(QByteArrayView(bytes).sliced(cut));
            QList<QByteArray> gotData, gotEvents;
            for (const SseEvent &e : std::as_const(got)) {
                gotData.append(e.data);
                gotEvents.append(e.event);
            }
            QCOMPARE(gotData, data);
            QCOMPARE(gotEvents, events);
        }
        SseParser parser;
        QList<QByteArray> gotData;
        for (char c : bytes)
            for (const SseEvent &e : parser.feed(QByteArrayView(&c, 1)))
                gotData.append(e.data);
        QCOMPARE(gotData, data);
    }

    void ndjson_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<QList<QByteArray>>("lines");
        QTest::addColumn<QByteArray>("rest");

        QTest::newRow("two lines") << "{\"a\":1}\n{\"b\":2}\n"_ba << QList<QByteArray>{"{\"a\":1}", "{\"b\":2}"} << QByteArray();
        QTest::newRow("CRLF") << "{}\r\n[]\r\n"_ba << QList<QByteArray>{"{}", "[]"} << QByteArray();
        QTest::newRow("blank lines skipped") << "\n{}\n \n"_ba << QList<QByteArray>{"{}"} << QByteArray();
        QTest::newRow("last line without newline") << "{}\n{\"done\":true}"_ba << QList<QByteArray>{"{}"} << "{\"done\":true}"_ba;
    }

    void ndjson()
    {
        QFETCH(QByteArray, bytes);
        QFETCH(QList<QByteArray>, lines);
        QFETCH(QByteArray, rest);
        for (qsizetype cut = 0; cut <= bytes.size(); ++cut) {
            NdjsonParser parser;
            QList<QByteArray> got = parser.feed(QByteArrayView(bytes).first(cut));
            got += parser.feed(QByteArrayView(bytes).sliced(cut));
            QCOMPARE(got, lines);
            QCOMPARE(parser.finish(), rest);
        }
    }
};

RILL_TEST_CLASS(TstStreamParsers)
#include "tst_streamparsers.moc"
