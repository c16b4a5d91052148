// Loading templates: directories, Qt resources, caching and reloading, bad
// names; and the rill-render command line.

#include "templatetest.h"
#include "testregistry.h"

#include <QFileInfo>
#include <QProcess>

using namespace Qt::StringLiterals;

namespace {

void writeFile(const QString &path, const QString &text)
{
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
    f.write(text.toUtf8());
}

QString renderName(const Rill::TemplateEngine &engine, const QString &name, const QVariantMap &ctx = {})
{
    const Rill::Template tpl = engine.loadTemplate(name);
    if (!tpl.isValid())
        return u"ERROR "_s + tpl.error().toString();
    Rill::TemplateError error;
    const QString out = tpl.render(Rill::TemplateContext(ctx), &error);
    return error.isError() ? u"ERROR "_s + error.toString() : out;
}

} // namespace

class TstLoader : public QObject
{
    Q_OBJECT
private slots:
    void fromDirectory();
    void searchOrder();
    void fromResources();
    void reloadsChangedFile();
    void noReloadWhenDisabled();
    void missingNotCached_data();
    void missingNotCached();
    void badNames_data();
    void badNames();
    void notFoundMessage();
    void syntaxErrorNamesFile();
    void objectProperties();
    void cli_data();
    void cli();
};

void TstLoader::fromDirectory()
{
    QTemporaryDir dir;
    QDir().mkpath(dir.filePath(u"sub"_s));
    writeFile(dir.filePath(u"sub/a.html"_s), u"A={{ x }}"_s);
    Rill::TemplateEngine engine;
    engine.addSearchPath(dir.path());
    QCOMPARE(renderName(engine, u"sub/a.html"_s, {{u"x"_s, 1}}), u"A=1"_s);
}

void TstLoader::searchOrder()
{
    QTemporaryDir first, second;
    writeFile(first.filePath(u"a.html"_s), u"first"_s);
    writeFile(second.filePath(u"a.html"_s), u"second"_s);
    writeFile(second.filePath(u"b.html"_s), u"only second"_s);
    Rill::TemplateEngine engine;
    engine.setSearchPaths({first.path(), second.path()});
    QCOMPARE(renderName(engine, u"a.html"_s), u"first"_s);
    QCOMPARE(renderName(engine, u"b.html"_s), u"only second"_s);
}

void TstLoader::fromResources()
{
    Rill::TemplateEngine engine;
    engine.addSearchPath(u":/tst_loader"_s);
    QCOMPARE(renderName(engine, u"hello.html"_s, {{u"name"_s, u"<r>"_s}}), u"from resources: &lt;r&gt;"_s);
    QCOMPARE(renderName(engine, u"child.html"_s, {{u"name"_s, u"x"_s}}), u"from resources: x"_s);
}

void TstLoader::reloadsChangedFile()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(u"a.html"_s);
    writeFile(path, u"one"_s);
    Rill::TemplateEngine engine;
    engine.addSearchPath(dir.path());
    QVERIFY(engine.autoReload());
    QCOMPARE(renderName(engine, u"a.html"_s), u"one"_s);
    writeFile(path, u"two"_s);
    // File systems store coarse times; make the change visible for certain.
    QFile f(path);
    QVERIFY(f.open(QIODevice::ReadWrite));
    QVERIFY(f.setFileTime(QFileInfo(path).lastModified().addSecs(5), QFileDevice::FileModificationTime));
    f.close();
    QCOMPARE(renderName(engine, u"a.html"_s), u"two"_s);
}

void TstLoader::noReloadWhenDisabled()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(u"a.html"_s);
    writeFile(path, u"one"_s);
    Rill::TemplateEngine engine;
    engine.addSearchPath(dir.path());
    engine.setAutoReload(false);
    QCOMPARE(renderName(engine, u"a.html"_s), u"one"_s);
    writeFile(path, u"two"_s);
    QFile f(path);
    QVERIFY(f.open(QIODevice::ReadWrite));
    QVERIFY(f.setFileTime(QFileInfo(path).lastModified().addSecs(5), QFileDevice::FileModificationTime));
    f.close();
    QCOMPARE(renderName(engine, u"a.html"_s), u"one"_s);
    engine.clearCache();
    QCOMPARE(renderName(engine, u"a.html"_s), u"two"_s);
}

// A name that finds no file is looked up again next time: a template added
// later is found, and names that come and go (a variable's value in
// {% include name %}) do not pile up in the cache (fuzz_template's memory
// grew with each name it made up).
void TstLoader::missingNotCached_data()
{
    QTest::addColumn<bool>("autoReload");
    QTest::newRow("auto reload") << true;
    QTest::newRow("no auto reload") << false;
}

void TstLoader::missingNotCached()
{
    QFETCH(bool, autoReload);
    QTemporaryDir dir;
    Rill::TemplateEngine engine;
    engine.addSearchPath(dir.path());
    engine.setAutoReload(autoReload);
    QCOMPARE(engine.loadTemplate(u"later.html"_s).error().kind(), Rill::TemplateError::Kind::NotFound);
    const Rill::Template includer = engine.fromString(u"[{% include name %}]"_s);
    Rill::TemplateContext ctx;
    ctx.insert(u"name"_s, u"later.html"_s);
    Rill::TemplateError error;
    QCOMPARE(includer.render(ctx, &error), QString());
    QVERIFY(error.isError());
    writeFile(dir.filePath(u"later.html"_s), u"here"_s);
    QCOMPARE(renderName(engine, u"later.html"_s), u"here"_s);
    QCOMPARE(includer.render(ctx, &error), u"[here]"_s);
}

void TstLoader::badNames_data()
{
    QTest::addColumn<QString>("name");
    QTest::newRow("absolute path") << u"/etc/passwd"_s;
    QTest::newRow("parent folder") << u"../secret.html"_s;
    QTest::newRow("parent folder inside") << u"a/../../secret.html"_s;
    QTest::newRow("empty") << QString();
}

void TstLoader::badNames()
{
    QFETCH(QString, name);
    QTemporaryDir dir;
    Rill::TemplateEngine engine;
    engine.addSearchPath(dir.path());
    const Rill::Template tpl = engine.loadTemplate(name);
    QVERIFY(!tpl.isValid());
    QCOMPARE(tpl.error().kind(), Rill::TemplateError::Kind::NotFound);
    QCOMPARE(tpl.error().message(), u"template names are relative paths inside the search paths, got '%1'"_s.arg(name));
}

void TstLoader::notFoundMessage()
{
    Rill::TemplateEngine engine;
    engine.setSearchPaths({u"/nonexistent-a"_s, u"/nonexistent-b"_s});
    const Rill::Template tpl = engine.loadTemplate(u"x.html"_s);
    QCOMPARE(tpl.error().toString(), u"x.html: template 'x.html' not found in /nonexistent-a, /nonexistent-b"_s);
}

void TstLoader::syntaxErrorNamesFile()
{
    QTemporaryDir dir;
    writeFile(dir.filePath(u"broken.html"_s), u"line one\nline two {% if %}\n"_s);
    Rill::TemplateEngine engine;
    engine.addSearchPath(dir.path());
    const Rill::Template tpl = engine.loadTemplate(u"broken.html"_s);
    QVERIFY(!tpl.isValid());
    QCOMPARE(tpl.error().toString(), u"broken.html:2:10: '{% if %}' needs a condition"_s);
    QCOMPARE(tpl.error().line(), 2);
    QCOMPARE(tpl.error().column(), 10);
    // Rendering an invalid template reports the same error and renders nothing.
    Rill::TemplateError error;
    QCOMPARE(tpl.render(Rill::TemplateContext(), &error), QString());
    QCOMPARE(error.toString(), tpl.error().toString());
}

// A QObject's properties are its context (a LiveView's Q_PROPERTYs).
class Props : public QObject
{
    Q_OBJECT
    Q_PROPERTY(QString title READ title CONSTANT)
    Q_PROPERTY(QVariantList items READ items CONSTANT)
    Q_PROPERTY(QObject *child READ child CONSTANT)
public:
    QString title() const { return u"<T>"_s; }
    QVariantList items() const { return {1, u"two"_s}; }
    QObject *child() const { return m_child; }
    QObject *m_child = nullptr;
};

void TstLoader::objectProperties()
{
    Props p;
    Props child;
    child.setProperty("dyn", u"dynamic"_s);
    p.m_child = &child;
    Rill::TemplateEngine engine;
    const Rill::Template tpl = engine.fromString(
        u"{{ title }}|{% for i in items %}{{ i }},{% endfor %}|{{ child.title }}|{{ child.dyn }}|{{ extra }}|[{{ missing }}]"_s);
    Rill::TemplateContext ctx;
    ctx.setObject(&p);
    ctx.insert(u"extra"_s, 7);
    Rill::TemplateError error;
    QCOMPARE(tpl.render(ctx, &error), u"&lt;T&gt;|1,two,|&lt;T&gt;|dynamic|7|[]"_s);
    QVERIFY(!error.isError());
}

void TstLoader::cli_data()
{
    QTest::addColumn<QString>("source");
    QTest::addColumn<QString>("context");
    QTest::addColumn<QStringList>("extraArgs");
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QString>("stdOut");
    QTest::addColumn<QString>("stdErr");

    QTest::newRow("renders") << u"{{ a }} {{ b }} {{ c }} {{ d.e }}"_s << u"{\"a\": 1, \"b\": 1.0, \"c\": 2.5e3, \"d\": {\"e\": [1]}}"_s
                             << QStringList() << 0 << u"1 1.0 2500.0 [1]"_s << QString();
    QTest::newRow("fragment") << u"<p id=\"x\">{{ a }}</p>"_s << u"{\"a\": 3}"_s << QStringList{u"--fragment"_s, u"#x"_s} << 0 << u"3"_s << QString();
    QTest::newRow("syntax error") << u"ok\n  {% for %}"_s << u"{}"_s << QStringList() << 1 << QString()
                                  << u"page.html:2:3: '{% for %}' needs the form '{% for item in items %}'\n"_s;
    QTest::newRow("render error") << u"{% for x in n %}{% endfor %}"_s << u"{\"n\": 1}"_s << QStringList() << 1 << QString()
                                  << u"page.html:1:1: '{% for %}' cannot loop over 1, a value of type int\n"_s;
    QTest::newRow("bad context json") << u"x"_s << u"{\"a\": }"_s << QStringList() << 2 << QString()
                                      << u"rill-render: CTX: invalid JSON: line 1, column 7: expected a value\n"_s;
    QTest::newRow("context not an object") << u"x"_s << u"[1]"_s << QStringList() << 2 << QString()
                                           << u"rill-render: CTX: the context must be a JSON object\n"_s;
}

void TstLoader::cli()
{
    QFETCH(QString, source);
    QFETCH(QString, context);
    QFETCH(QStringList, extraArgs);
    QFETCH(int, exitCode);
    QFETCH(QString, stdOut);
    QFETCH(QString, stdErr);
    QTemporaryDir dir;
    writeFile(dir.filePath(u"page.html"_s), source);
    const QString ctxPath = dir.filePath(u"ctx.json"_s);
    writeFile(ctxPath, context);
    QProcess proc;
    proc.start(QStringLiteral(RILL_RENDER_BIN),
               QStringList{u"--dir"_s, dir.path(), u"page.html"_s, u"--context"_s, ctxPath} + extraArgs);
    QVERIFY(proc.waitForFinished(30000));
    QCOMPARE(QString::fromUtf8(proc.readAllStandardError()).replace(ctxPath, u"CTX"_s), stdErr);
    QCOMPARE(QString::fromUtf8(proc.readAllStandardOutput()), stdOut);
    QCOMPARE(proc.exitCode(), exitCode);
}

RILL_TEST_CLASS(TstLoader)
#include "tst_loader.moc"
