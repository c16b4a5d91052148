// Differential test: Django 3.2 is the oracle. tests/oracle/django_oracle.py
// generates random cases (fixed seeds, so runs are reproducible) plus the
// hand-written ones in tests/oracle/corpus/, renders them with Django, and
// every case must render byte for byte the same with Rill. Where Django
// raised, Rill must report an error too (the wording may differ).
//
// Reproduce one case by hand:
//   /usr/bin/python3 tests/oracle/django_oracle.py --seed 1 --count 600 | grep '"s1_42"'

#include "templatetest.h"
#include "testregistry.h"

#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QProcessEnvironment>

using namespace Qt::StringLiterals;

namespace {

// Enough cases to cover the grammar's combinations; Django renders them in
// about two seconds.
constexpr int kCasesPerSeed = 600;
const QList<int> kSeeds = {1, 2, 3, 4, 5};

QString sourceDir()
{
    const QString env = qEnvironmentVariable("RILL_SOURCE_DIR");
    if (!env.isEmpty())
        return env;
    // Run outside CTest: this file sits at tests/auto/template/ in the tree.
    return QStringLiteral(RILL_SOURCE_DIR); // set by CMake; ccache makes __FILE__ relative
}

} // namespace

class TstDifferential : public QObject
{
    Q_OBJECT
private slots:
    void django_data();
    void django();
};

void TstDifferential::django_data()
{
    QTest::addColumn<QVariantMap>("templates");
    QTest::addColumn<QString>("main");
    QTest::addColumn<QString>("context");
    QTest::addColumn<QString>("expected");
    QTest::addColumn<QString>("djangoError");
    // Set instead of the others when the oracle could not run, so the test
    // fails loudly rather than passing with zero rows.
    QTest::addColumn<QString>("oracleProblem");

    auto problem = [](const QString &message) {
        QTest::newRow("oracle") << QVariantMap() << QString() << QString() << QString() << QString()
                                << message;
    };

    const QString python = u"/usr/bin/python3"_s;
    const QString script = QDir(sourceDir()).filePath(u"tests/oracle/django_oracle.py"_s);
    if (!QFileInfo::exists(python))
        return problem(u"%1 is missing; install python3 and python3-django (Django 3.2)"_s.arg(python));
    if (!QFileInfo::exists(script))
        return problem(u"oracle script not found at %1 (set RILL_SOURCE_DIR)"_s.arg(script));

    QStringList args{script, u"--count"_s, QString::number(kCasesPerSeed)};
    for (int seed : kSeeds)
        args << u"--seed"_s << QString::number(seed);
    QProcess proc;
    proc.start(python, args);
    // Generous: on a loaded 2-core machine the oracle took over 2 minutes.
    constexpr int OracleTimeoutS = 600;
    if (!proc.waitForFinished(OracleTimeoutS * 1000)) {
        proc.kill();
        proc.waitForFinished();
        return problem(u"the oracle (%1) did not finish within %2 s"_s.arg(script).arg(OracleTimeoutS));
    }
    if (proc.exitStatus() != QProcess::NormalExit || proc.exitCode() != 0) {
        return problem(u"oracle failed (exit %1): %2 — install Django 3.2 for %3 (apt install python3-django)"_s
                           .arg(proc.exitCode())
                           .arg(QString::fromUtf8(proc.readAllStandardError()).trimmed(), python));
    }

    const QList<QByteArray> lines = proc.readAllStandardOutput().split('\n');
    int rows = 0;
    for (const QByteArray &line : lines) {
        if (line.trimmed().isEmpty())
            continue;
        QJsonParseError err;
        const QJsonObject c = QJsonDocument::fromJson(line, &err).object();
        if (err.error != QJsonParseError::NoError)
            return problem(u"oracle printed a bad line: %1"_s.arg(err.errorString()));
        const QString name = c.value(u"name"_s).toString();
        QTest::newRow(qPrintable(name)) << c.value(u"templates"_s).toObject().toVariantMap()
                                        << c.value(u"main"_s).toString() << c.value(u"context"_s).toString()
                                        << c.value(u"output"_s).toString() << c.value(u"error"_s).toString()
                                        << QString();
        ++rows;
    }
    if (rows < kCasesPerSeed * kSeeds.size())
        return problem(u"oracle printed only %1 cases"_s.arg(rows));
}

void TstDifferential::django()
{
    QFETCH(QString, oracleProblem);
    if (!oracleProblem.isEmpty())
        QFAIL(qPrintable(oracleProblem));

    QFETCH(QVariantMap, templates);
    QFETCH(QString, main);
    QFETCH(QString, context);
    QFETCH(QString, expected);
    QFETCH(QString, djangoError);

    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    for (auto it = templates.cbegin(); it != templates.cend(); ++it) {
        QFile f(dir.filePath(it.key()));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(it.value().toString().toUtf8());
    }

    QString jsonError;
    const QVariant ctx = Rill::parseJson(context.toUtf8(), &jsonError);
    QVERIFY2(jsonError.isEmpty(), qPrintable(jsonError));

    Rill::TemplateEngine engine;
    engine.addSearchPath(dir.path());
    // Django has no output or time limits; some random cases pad to
    // 123456789 characters three times over.
    engine.setMaxOutputSize(0);
    engine.setMaxRenderTime(std::chrono::milliseconds(0));
    const Rill::Template tpl = engine.loadTemplate(main);
    QString output;
    Rill::TemplateError error = tpl.error();
    if (tpl.isValid()) {
        Rill::TemplateContext tc(ctx.toMap());
        output = tpl.render(tc, &error);
    }

    if (!djangoError.isEmpty()) {
        QVERIFY2(error.isError(), qPrintable(u"Django raised %1 but Rill rendered %2"_s.arg(
                                      djangoError, QString::fromUtf8(QJsonDocument(QJsonArray{output}).toJson(QJsonDocument::Compact)))));
        return;
    }
    QVERIFY2(!error.isError(), qPrintable(u"Rill failed where Django rendered: "_s + error.toString()));
    if (output != expected) {
        // QCOMPARE cuts long strings before the difference; show where they part.
        qsizetype at = 0;
        while (at < output.size() && at < expected.size() && output[at] == expected[at])
            ++at;
        const qsizetype from = qMax<qsizetype>(0, at - 30);
        auto excerpt = [from](const QString &s) {
            return QString::fromUtf8(QJsonDocument(QJsonArray{s.mid(from, 90)}).toJson(QJsonDocument::Compact));
        };
        QFAIL(qPrintable(u"outputs differ at offset %1\n   Rill:   %2\n   Django: %3"_s.arg(at).arg(
            excerpt(output), excerpt(expected))));
    }
}

RILL_TEST_CLASS(TstDifferential)
#include "tst_differential.moc"
