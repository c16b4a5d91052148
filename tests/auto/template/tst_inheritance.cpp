// extends, block, {{ block.super }} and include, one data table: template,
// context (JSON), expected output (Django 3.2's), expected error ("test.html:LINE:COL: message", empty when none), and extra
// template files.

#include "templatetest.h"
#include "testregistry.h"

using namespace Qt::StringLiterals;
using RillTest::renderTemplate;

using FileMap = QMap<QString, QString>;

class TstInheritance : public QObject
{
    Q_OBJECT
private slots:
    void render_data();
    void render();
};

void TstInheritance::render_data()
{
    QTest::addColumn<QString>("source");
    QTest::addColumn<QString>("context");
    QTest::addColumn<QString>("expected");
    QTest::addColumn<QString>("error");
    QTest::addColumn<FileMap>("files");

    QTest::newRow("extends three levels with block.super at each") << u"{% extends 'mid.html' %}{% block a %}A2[{{ block.super }}]{% endblock %}{% block b %}B2[{{ block.super }}]{% endblock %}"_s << QString() << u"<A2[A1[A0]]|B2[B0]>"_s << QString() << FileMap{{u"base.html"_s, u"<{% block a %}A0{% endblock %}|{% block b %}B0{% endblock %}>"_s}, {u"mid.html"_s, u"{% extends 'base.html' %}{% block a %}A1[{{ block.super }}]{% endblock %}"_s}};
    QTest::newRow("middle level only") << u"{% extends 'mid.html' %}"_s << QString() << u"<A1[A0]|B0>"_s << QString() << FileMap{{u"base.html"_s, u"<{% block a %}A0{% endblock %}|{% block b %}B0{% endblock %}>"_s}, {u"mid.html"_s, u"{% extends 'base.html' %}{% block a %}A1[{{ block.super }}]{% endblock %}"_s}};
    QTest::newRow("child skips middle block") << u"{% extends 'mid.html' %}{% block b %}B2{% endblock %}"_s << QString() << u"<A1[A0]|B2>"_s << QString() << FileMap{{u"base.html"_s, u"<{% block a %}A0{% endblock %}|{% block b %}B0{% endblock %}>"_s}, {u"mid.html"_s, u"{% extends 'base.html' %}{% block a %}A1[{{ block.super }}]{% endblock %}"_s}};
    QTest::newRow("block.super twice") << u"{% extends 'base.html' %}{% block a %}{{ block.super }}{{ block.super }}{% endblock %}"_s << QString() << u"<A0A0|B0>"_s << QString() << FileMap{{u"base.html"_s, u"<{% block a %}A0{% endblock %}|{% block b %}B0{% endblock %}>"_s}};
    QTest::newRow("content outside blocks in child is dropped") << u"{% extends 'base.html' %}junk{{ x }}{% block a %}A{% endblock %}more"_s << u"{\"x\":1}"_s << u"<A|B0>"_s << QString() << FileMap{{u"base.html"_s, u"<{% block a %}A0{% endblock %}|{% block b %}B0{% endblock %}>"_s}};
    QTest::newRow("nested block overridden") << u"{% extends 'nest.html' %}{% block inner %}i{% endblock %}"_s << QString() << u"O[i]"_s << QString() << FileMap{{u"nest.html"_s, u"{% block outer %}O[{% block inner %}I{% endblock %}]{% endblock %}"_s}};
    QTest::newRow("outer block overridden drops inner") << u"{% extends 'nest.html' %}{% block outer %}o{% endblock %}"_s << QString() << u"o"_s << QString() << FileMap{{u"nest.html"_s, u"{% block outer %}O[{% block inner %}I{% endblock %}]{% endblock %}"_s}};
    QTest::newRow("outer and inner overridden") << u"{% extends 'nest.html' %}{% block outer %}o({% block inner %}i{{ block.super }}{% endblock %}){% endblock %}"_s << QString() << u"o(iI)"_s << QString() << FileMap{{u"nest.html"_s, u"{% block outer %}O[{% block inner %}I{% endblock %}]{% endblock %}"_s}};
    QTest::newRow("new nested block in child reaches grandchild") << u"{% extends 'mid2.html' %}{% block new %}N2{% endblock %}"_s << QString() << u"<N2>"_s << QString() << FileMap{{u"nest.html"_s, u"{% block outer %}O[{% block inner %}I{% endblock %}]{% endblock %}"_s}, {u"mid2.html"_s, u"{% extends 'nest.html' %}{% block outer %}<{% block new %}N1{% endblock %}>{% endblock %}"_s}};
    QTest::newRow("text before extends") << u"hello {% extends 'base.html' %}{% block a %}x{% endblock %}"_s << QString() << u"hello <x|B0>"_s << QString() << FileMap{{u"base.html"_s, u"<{% block a %}A0{% endblock %}|{% block b %}B0{% endblock %}>"_s}};
    QTest::newRow("extends with a variable name") << u"{% extends parent %}{% block b %}v{% endblock %}"_s << u"{\"parent\":\"base.html\"}"_s << u"<A0|v>"_s << QString() << FileMap{{u"base.html"_s, u"<{% block a %}A0{% endblock %}|{% block b %}B0{% endblock %}>"_s}};
    QTest::newRow("parent sees child context") << u"{% extends 'p.html' %}"_s << u"{\"x\":\"<\"}"_s << u"&lt;&lt;"_s << QString() << FileMap{{u"p.html"_s, u"{{ x }}{% block a %}{{ x }}{% endblock %}"_s}};
    QTest::newRow("block in a for loop of the parent") << u"{% extends 'loop.html' %}{% block item %}[{{ i }}]{% endblock %}"_s << u"{\"l\":[1,2]}"_s << u"[1][2]"_s << QString() << FileMap{{u"loop.html"_s, u"{% for i in l %}{% block item %}{{ i }}{% endblock %}{% endfor %}"_s}};
    QTest::newRow("include plain") << u"a{% include 'inc.html' %}b"_s << u"{\"x\":\"X\"}"_s << u"a(X)b"_s << QString() << FileMap{{u"inc.html"_s, u"({{ x }})"_s}};
    QTest::newRow("include with") << u"{% include 'inc.html' with x='W' y=x %}[{{ x }}]"_s << u"{\"x\":\"X\"}"_s << u"(WX)[X]"_s << QString() << FileMap{{u"inc.html"_s, u"({{ x }}{{ y }})"_s}};
    QTest::newRow("include only hides the context") << u"{% include 'inc.html' only %}"_s << u"{\"x\":\"X\"}"_s << u"()"_s << QString() << FileMap{{u"inc.html"_s, u"({{ x }})"_s}};
    QTest::newRow("include with only") << u"{% include 'inc.html' with y=x only %}"_s << u"{\"x\":\"X\"}"_s << u"(X)"_s << QString() << FileMap{{u"inc.html"_s, u"({{ x }}{{ y }})"_s}};
    QTest::newRow("include only then with") << u"{% include 'inc.html' only with y=1 %}"_s << QString() << u"(1)"_s << QString() << FileMap{{u"inc.html"_s, u"({{ y }})"_s}};
    QTest::newRow("include of a variable") << u"{% include name %}"_s << u"{\"name\":\"inc.html\"}"_s << u"inc"_s << QString() << FileMap{{u"inc.html"_s, u"inc"_s}};
    QTest::newRow("include sees loop variables") << u"{% for i in l %}{% include 'inc.html' %}{% endfor %}"_s << u"{\"l\":[1,2]}"_s << u"11,22,"_s << QString() << FileMap{{u"inc.html"_s, u"{{ i }}{{ forloop.counter }},"_s}};
    QTest::newRow("include inside a block") << u"{% extends 'base.html' %}{% block a %}{% include 'inc.html' %}{% endblock %}"_s << QString() << u"<I[own]|B0>"_s << QString() << FileMap{{u"base.html"_s, u"<{% block a %}A0{% endblock %}|{% block b %}B0{% endblock %}>"_s}, {u"inc.html"_s, u"I[{% block a %}own{% endblock %}]"_s}};
    QTest::newRow("included template extends") << u"{% include 'child.html' %}"_s << QString() << u"<A0|cb>"_s << QString() << FileMap{{u"base.html"_s, u"<{% block a %}A0{% endblock %}|{% block b %}B0{% endblock %}>"_s}, {u"child.html"_s, u"{% extends 'base.html' %}{% block b %}cb{% endblock %}"_s}};
    QTest::newRow("relative include") << u"{% include 'dir/a.html' %}"_s << QString() << u"abc"_s << QString() << FileMap{{u"dir/a.html"_s, u"a{% include './b.html' %}{% include '../c.html' %}"_s}, {u"dir/b.html"_s, u"b"_s}, {u"c.html"_s, u"c"_s}};
    QTest::newRow("relative extends") << u"{% include 'dir/sub/child.html' %}"_s << QString() << u"[rel]"_s << QString() << FileMap{{u"dir/sub/child.html"_s, u"{% extends '../base.html' %}{% block a %}rel{% endblock %}"_s}, {u"dir/base.html"_s, u"[{% block a %}{% endblock %}]"_s}};
    QTest::newRow("recursive include with a stop") << u"{% include 'tree.html' with node=root %}"_s << u"{\"root\":{\"n\":\"a\",\"kids\":[{\"n\":\"b\",\"kids\":[{\"n\":\"c\",\"kids\":[]}]},{\"n\":\"d\",\"kids\":[]}]}}"_s << u"a(b(c())d())"_s << QString() << FileMap{{u"tree.html"_s, u"{{ node.n }}({% for k in node.kids %}{% include 'tree.html' with node=k %}{% endfor %})"_s}};
    QTest::newRow("included syntax error names the included file") << u"x\n{% include 'bad.html' %}"_s << QString() << QString() << u"bad.html:2:3: unknown tag 'frob'"_s << FileMap{{u"bad.html"_s, u"ok\n  {% frob %}"_s}};
    QTest::newRow("include of a missing template") << u"a\n  {% include 'nope.html' %}"_s << QString() << QString() << u"test.html:2:3: template 'nope.html' not found in *"_s << FileMap();
    QTest::newRow("include of a missing variable") << u"{% include nope %}"_s << QString() << QString() << u"test.html:1:1: '{% include %}' needs a template name, got ''"_s << FileMap();
    QTest::newRow("extends a missing template") << u"{% extends 'nope.html' %}"_s << QString() << QString() << u"test.html:1:1: template 'nope.html' not found in *"_s << FileMap();
    QTest::newRow("template including itself") << u"{% include 'self.html' %}"_s << QString() << QString() << u"self.html:1:1: templates extend or include each other more than 64 levels deep (a loop?)"_s << FileMap{{u"self.html"_s, u"{% include 'self.html' %}"_s}};
    QTest::newRow("block.super in a template that extends nothing") << u"{% block a %}[{{ block.super }}]{% endblock %}"_s << QString() << QString() << u"test.html:1:1: {{ block.super }} is used in block 'a' of a template that extends no other"_s << FileMap();
    QTest::newRow("duplicate block names") << u"{% block a %}{% endblock %}\n{% block a %}{% endblock %}"_s << QString() << QString() << u"test.html:2:1: a block named 'a' appears more than once"_s << FileMap();
    QTest::newRow("duplicate nested block names") << u"{% block a %}{% block a %}{% endblock %}{% endblock %}"_s << QString() << QString() << u"test.html:1:14: a block named 'a' appears more than once"_s << FileMap();
    QTest::newRow("extends after a tag") << u"{% if 1 %}{% endif %}{% extends 'base.html' %}"_s << QString() << QString() << u"test.html:1:22: '{% extends %}' must be the first tag in the template"_s << FileMap{{u"base.html"_s, u"<{% block a %}A0{% endblock %}|{% block b %}B0{% endblock %}>"_s}};
    QTest::newRow("extends twice") << u"{% extends 'base.html' %}{% extends 'base.html' %}"_s << QString() << QString() << u"test.html:1:26: '{% extends %}' can appear only once in a template"_s << FileMap{{u"base.html"_s, u"<{% block a %}A0{% endblock %}|{% block b %}B0{% endblock %}>"_s}};
    QTest::newRow("endblock with the wrong name") << u"{% block a %}{% endblock b %}"_s << QString() << QString() << u"test.html:1:14: '{% endblock b %}' closes the block 'a'"_s << FileMap();
    QTest::newRow("block.super from a nested block two levels down") << u"{% extends 'mid3.html' %}{% block inner %}c[{{ block.super }}]{% endblock %}"_s << QString() << u"O[c[m[I]]]"_s << QString() << FileMap{{u"nest.html"_s, u"{% block outer %}O[{% block inner %}I{% endblock %}]{% endblock %}"_s}, {u"mid3.html"_s, u"{% extends 'nest.html' %}{% block inner %}m[{{ block.super }}]{% endblock %}"_s}};
    QTest::newRow("cycle in a child block inside the parent's loop") << u"{% extends 'loop.html' %}{% block item %}{% cycle 'a' 'b' %}{% endblock %}"_s << u"{\"l\":[1,2,3]}"_s << u"aba"_s << QString() << FileMap{{u"loop.html"_s, u"{% for i in l %}{% block item %}{% endblock %}{% endfor %}"_s}};
    QTest::newRow("relative path above the root") << u"{% include '../x.html' %}"_s << QString() << QString() << u"test.html:1:1: the relative path '../x.html' points outside the folder of 'test.html'"_s << FileMap();
    QTest::newRow("include with nothing after with") << u"{% include 'inc.html' with %}"_s << QString() << QString() << u"test.html:1:1: 'with' in '{% include %}' needs at least one name=value"_s << FileMap{{u"inc.html"_s, u""_s}};
}

void TstInheritance::render()
{
    QFETCH(QString, source);
    QFETCH(QString, context);
    QFETCH(QString, expected);
    QFETCH(QString, error);
    QFETCH(FileMap, files);
    const auto result = renderTemplate(source, context, files);
    // A trailing '*' stands for a part that varies between runs (a temporary folder).
    if (error.endsWith(u'*'))
        QVERIFY2(result.error.startsWith(error.chopped(1)), qPrintable(result.error));
    else
        QCOMPARE(result.error, error);
    QCOMPARE(result.output, expected);
}

RILL_TEST_CLASS(TstInheritance)
#include "tst_inheritance.moc"
