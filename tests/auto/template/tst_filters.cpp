// Built-in filters, one data table: template, context (JSON), expected output,
// expected error ("test.html:LINE:COL: message", empty when none). Every
// expected output was produced by rendering the same template and context
// with Django 3.2 (autoescape on, string_if_invalid '').

#include "templatetest.h"
#include "testregistry.h"

using namespace Qt::StringLiterals;
using RillTest::renderTemplate;

class TstFilters : public QObject
{
    Q_OBJECT
private slots:
    void render_data();
    void render();
};

void TstFilters::render_data()
{
    QTest::addColumn<QString>("source");
    QTest::addColumn<QString>("context");
    QTest::addColumn<QString>("expected");
    QTest::addColumn<QString>("error");
    // default, default_if_none
    QTest::newRow("default keeps truthy") << u"{{ a|default:'x' }}"_s << u"{\"a\": \"v\"}"_s << u"v"_s << QString();
    QTest::newRow("default replaces missing") << u"{{ nope|default:'x' }}"_s << QString() << u"x"_s << QString();
    QTest::newRow("default replaces zero and empty list") << u"{{ z|default:'x' }}{{ l|default:'y' }}"_s << u"{\"l\": [], \"z\": 0}"_s << u"xy"_s << QString();
    QTest::newRow("default value is escaped") << u"{{ nope|default:s }}"_s << u"{\"s\": \"<b>\"}"_s << u"&lt;b&gt;"_s << QString();
    QTest::newRow("default literal stays safe") << u"{{ nope|default:'<b>' }}"_s << QString() << u"<b>"_s << QString();
    QTest::newRow("default_if_none replaces null") << u"{{ n|default_if_none:'x' }}"_s << u"{\"n\": null}"_s << u"x"_s << QString();
    QTest::newRow("default_if_none keeps empty string") << u"[{{ s|default_if_none:'x' }}]"_s << u"{\"s\": \"\"}"_s << u"[]"_s << QString();
    QTest::newRow("default_if_none missing is empty string") << u"[{{ nope|default_if_none:'x' }}]"_s << QString() << u"[]"_s << QString();
    QTest::newRow("default_if_none keeps false") << u"{{ b|default_if_none:'x' }}"_s << u"{\"b\": false}"_s << u"False"_s << QString();

    // length
    QTest::newRow("length of list") << u"{{ l|length }}"_s << u"{\"l\": [1, 2, 3]}"_s << u"3"_s << QString();
    QTest::newRow("length of string counts characters") << u"{{ s|length }}"_s << u"{\"s\": \"h\u00E9llo\"}"_s << u"5"_s << QString();
    QTest::newRow("length of map") << u"{{ m|length }}"_s << u"{\"m\": {\"a\": 1, \"b\": 2}}"_s << u"2"_s << QString();
    QTest::newRow("length of int is zero") << u"{{ n|length }}"_s << u"{\"n\": 5}"_s << u"0"_s << QString();
    QTest::newRow("length of missing is zero") << u"{{ nope|length }}"_s << QString() << u"0"_s << QString();
    QTest::newRow("length of null is zero") << u"{{ n|length }}"_s << u"{\"n\": null}"_s << u"0"_s << QString();

    // lower, upper
    QTest::newRow("lower") << u"{{ s|lower }}"_s << u"{\"s\": \"HeLLo \u00C9T\u00C9\"}"_s << u"hello \u00E9t\u00E9"_s << QString();
    QTest::newRow("lower of int") << u"{{ n|lower }}"_s << u"{\"n\": 5}"_s << u"5"_s << QString();
    QTest::newRow("lower keeps safeness") << u"{{ s|safe|lower }}"_s << u"{\"s\": \"<B>\"}"_s << u"<b>"_s << QString();
    QTest::newRow("lower escapes unsafe") << u"{{ s|lower }}"_s << u"{\"s\": \"<B>\"}"_s << u"&lt;b&gt;"_s << QString();
    QTest::newRow("upper") << u"{{ s|upper }}"_s << u"{\"s\": \"stra\u00DFe abc\"}"_s << u"STRASSE ABC"_s << QString();
    QTest::newRow("upper missing") << u"[{{ nope|upper }}]"_s << QString() << u"[]"_s << QString();
    QTest::newRow("upper drops safeness") << u"{{ s|safe|upper }}"_s << u"{\"s\": \"<b>\"}"_s << u"&lt;B&gt;"_s << QString();
    QTest::newRow("upper of list") << u"{{ l|upper }}"_s << u"{\"l\": [\"a\", 1]}"_s << u"[&#x27;A&#x27;, 1]"_s << QString();

    // title
    QTest::newRow("title") << u"{{ s|title }}"_s << u"{\"s\": \"hello wORLD\"}"_s << u"Hello World"_s << QString();
    QTest::newRow("title apostrophe") << u"{{ s|title }}"_s << u"{\"s\": \"they're bill's friends\"}"_s << u"They&#x27;re Bill&#x27;s Friends"_s << QString();
    QTest::newRow("title digits") << u"{{ s|title }}"_s << u"{\"s\": \"1st 2nd 3RD place\"}"_s << u"1st 2nd 3rd Place"_s << QString();
    QTest::newRow("title unicode") << u"{{ s|title }}"_s << u"{\"s\": \"\u00E9cole \u00FCber-stra\u00DFe\"}"_s << u"\u00C9cole \u00DCber-Stra\u00DFe"_s << QString();
    QTest::newRow("title missing") << u"[{{ nope|title }}]"_s << QString() << u"[]"_s << QString();
    QTest::newRow("title escapes") << u"{{ s|title }}"_s << u"{\"s\": \"<b>x</b>\"}"_s << u"&lt;B&gt;X&lt;/B&gt;"_s << QString();

    // capfirst
    QTest::newRow("capfirst") << u"{{ s|capfirst }}"_s << u"{\"s\": \"hello World\"}"_s << u"Hello World"_s << QString();
    QTest::newRow("capfirst unicode") << u"{{ s|capfirst }}"_s << u"{\"s\": \"\u00E9t\u00E9\"}"_s << u"\u00C9t\u00E9"_s << QString();
    QTest::newRow("capfirst empty") << u"[{{ s|capfirst }}]"_s << u"{\"s\": \"\"}"_s << u"[]"_s << QString();
    QTest::newRow("capfirst of int") << u"{{ n|capfirst }}"_s << u"{\"n\": 12}"_s << u"12"_s << QString();
    QTest::newRow("capfirst of bool") << u"{{ b|capfirst }}"_s << u"{\"b\": true}"_s << u"True"_s << QString();
    QTest::newRow("capfirst keeps safeness") << u"{{ s|safe|capfirst }}"_s << u"{\"s\": \"<b>x</b>\"}"_s << u"<b>x</b>"_s << QString();

    // truncatechars
    QTest::newRow("truncatechars cuts with ellipsis") << u"{{ s|truncatechars:5 }}"_s << u"{\"s\": \"Hello World\"}"_s << u"Hell\u2026"_s << QString();
    QTest::newRow("truncatechars short stays") << u"{{ s|truncatechars:20 }}"_s << u"{\"s\": \"Hello World\"}"_s << u"Hello World"_s << QString();
    QTest::newRow("truncatechars exact length") << u"{{ s|truncatechars:5 }}"_s << u"{\"s\": \"Hello\"}"_s << u"Hello"_s << QString();
    QTest::newRow("truncatechars zero") << u"{{ s|truncatechars:0 }}"_s << u"{\"s\": \"Hello\"}"_s << u"\u2026"_s << QString();
    QTest::newRow("truncatechars one") << u"{{ s|truncatechars:1 }}"_s << u"{\"s\": \"Hello\"}"_s << u"\u2026"_s << QString();
    QTest::newRow("truncatechars bad arg returns value") << u"{{ s|truncatechars:'x' }}"_s << u"{\"s\": \"Hello\"}"_s << u"Hello"_s << QString();
    QTest::newRow("truncatechars string arg") << u"{{ s|truncatechars:'3' }}"_s << u"{\"s\": \"Hello\"}"_s << u"He\u2026"_s << QString();
    QTest::newRow("truncatechars combining marks") << u"{{ s|truncatechars:3 }}"_s << u"{\"s\": \"e\u0301e\u0301e\u0301e\u0301\"}"_s << u"\u00E9\u00E9\u2026"_s << QString();
    QTest::newRow("truncatechars of int") << u"{{ n|truncatechars:3 }}"_s << u"{\"n\": 123456}"_s << u"12\u2026"_s << QString();
    QTest::newRow("truncatechars escapes") << u"{{ s|truncatechars:4 }}"_s << u"{\"s\": \"<b>xyz\"}"_s << u"&lt;b&gt;\u2026"_s << QString();

    // truncatewords
    QTest::newRow("truncatewords") << u"{{ s|truncatewords:2 }}"_s << u"{\"s\": \"The quick brown fox\"}"_s << u"The quick \u2026"_s << QString();
    QTest::newRow("truncatewords no cut joins whitespace") << u"{{ s|truncatewords:9 }}"_s << u"{\"s\": \"  a\\n b\\t c \"}"_s << u"a b c"_s << QString();
    QTest::newRow("truncatewords zero") << u"[{{ s|truncatewords:0 }}]"_s << u"{\"s\": \"a b\"}"_s << u"[ \u2026]"_s << QString();
    QTest::newRow("truncatewords negative") << u"{{ s|truncatewords:-1 }}"_s << u"{\"s\": \"a b c\"}"_s << u"a b \u2026"_s << QString();
    QTest::newRow("truncatewords bad arg") << u"{{ s|truncatewords:'x' }}"_s << u"{\"s\": \"a  b\"}"_s << u"a  b"_s << QString();
    QTest::newRow("truncatewords missing") << u"[{{ nope|truncatewords:2 }}]"_s << QString() << u"[]"_s << QString();
    QTest::newRow("truncatewords unicode") << u"{{ s|truncatewords:1 }}"_s << u"{\"s\": \"\u00E9t\u00E9 chaud\"}"_s << u"\u00E9t\u00E9 \u2026"_s << QString();

    // join
    QTest::newRow("join list") << u"{{ l|join:', ' }}"_s << u"{\"l\": [\"a\", \"b\", \"c\"]}"_s << u"a, b, c"_s << QString();
    QTest::newRow("join escapes items") << u"{{ l|join:'<br>' }}"_s << u"{\"l\": [\"<a>\", \"b&\"]}"_s << u"&lt;a&gt;<br>b&amp;"_s << QString();
    QTest::newRow("join ints") << u"{{ l|join:'-' }}"_s << u"{\"l\": [1, 2, 3]}"_s << u"1-2-3"_s << QString();
    QTest::newRow("join variable separator escaped") << u"{{ l|join:sep }}"_s << u"{\"l\": [\"a\", \"b\"], \"sep\": \"<&>\"}"_s << u"a&lt;&amp;&gt;b"_s << QString();
    QTest::newRow("join autoescape off") << u"{% autoescape off %}{{ l|join:'<br>' }}{% endautoescape %}"_s << u"{\"l\": [\"<a>\", \"b\"]}"_s << u"<a><br>b"_s << QString();
    QTest::newRow("join autoescape off ints unchanged") << u"{% autoescape off %}{{ l|join:'-' }}{% endautoescape %}"_s << u"{\"l\": [1, 2]}"_s << u"[1, 2]"_s << QString();
    QTest::newRow("join string") << u"{{ s|join:'.' }}"_s << u"{\"s\": \"abc\"}"_s << u"a.b.c"_s << QString();
    QTest::newRow("join int unchanged") << u"{{ n|join:'.' }}"_s << u"{\"n\": 5}"_s << u"5"_s << QString();
    QTest::newRow("join missing") << u"[{{ nope|join:'.' }}]"_s << QString() << u"[]"_s << QString();
    QTest::newRow("join map keys") << u"{{ m|join:'+' }}"_s << u"{\"m\": {\"a\": 1, \"b\": 2}}"_s << u"a+b"_s << QString();

    // first, last
    QTest::newRow("first of list") << u"{{ l|first }}"_s << u"{\"l\": [\"x\", \"y\"]}"_s << u"x"_s << QString();
    QTest::newRow("first of string") << u"{{ s|first }}"_s << u"{\"s\": \"\u00E9a\"}"_s << u"\u00E9"_s << QString();
    QTest::newRow("first of empty list") << u"[{{ l|first }}]"_s << u"{\"l\": []}"_s << u"[]"_s << QString();
    QTest::newRow("first of missing") << u"[{{ nope|first }}]"_s << QString() << u"[]"_s << QString();
    QTest::newRow("first escapes") << u"{{ l|first }}"_s << u"{\"l\": [\"<b>\"]}"_s << u"&lt;b&gt;"_s << QString();
    QTest::newRow("first of int fails") << u"{{ n|first }}"_s << u"{\"n\": 5}"_s << QString() << u"test.html:1:6: '5' is not subscriptable by position"_s;
    QTest::newRow("last of list") << u"{{ l|last }}"_s << u"{\"l\": [\"x\", \"y\"]}"_s << u"y"_s << QString();
    QTest::newRow("last of string keeps safeness") << u"{{ s|safe|last }}"_s << u"{\"s\": \"a<\"}"_s << u"<"_s << QString();
    QTest::newRow("last of empty") << u"[{{ l|last }}]"_s << u"{\"l\": []}"_s << u"[]"_s << QString();
    QTest::newRow("last nested list") << u"{{ l|last }}"_s << u"{\"l\": [1, [2, \"x\"]]}"_s << u"[2, &#x27;x&#x27;]"_s << QString();

    // slice
    QTest::newRow("slice stop") << u"{{ l|slice:'2' }}"_s << u"{\"l\": [1, 2, 3, 4]}"_s << u"[1, 2]"_s << QString();
    QTest::newRow("slice start stop") << u"{{ l|slice:'1:3' }}"_s << u"{\"l\": [1, 2, 3, 4]}"_s << u"[2, 3]"_s << QString();
    QTest::newRow("slice negative") << u"{{ l|slice:'-2:' }}"_s << u"{\"l\": [1, 2, 3, 4]}"_s << u"[3, 4]"_s << QString();
    QTest::newRow("slice step") << u"{{ l|slice:'::2' }}"_s << u"{\"l\": [1, 2, 3, 4, 5]}"_s << u"[1, 3, 5]"_s << QString();
    QTest::newRow("slice reverse") << u"{{ l|slice:'::-1' }}"_s << u"{\"l\": [1, 2, 3]}"_s << u"[3, 2, 1]"_s << QString();
    QTest::newRow("slice negative step bounds") << u"{{ s|slice:'3:0:-1' }}"_s << u"{\"s\": \"abcdef\"}"_s << u"dcb"_s << QString();
    QTest::newRow("slice string") << u"{{ s|slice:':3' }}"_s << u"{\"s\": \"h\u00E9llo\"}"_s << u"h\u00E9l"_s << QString();
    QTest::newRow("slice out of range") << u"{{ l|slice:'5:9' }}"_s << u"{\"l\": [1, 2]}"_s << u"[]"_s << QString();
    QTest::newRow("slice bad arg returns value") << u"{{ l|slice:'a' }}"_s << u"{\"l\": [1, 2]}"_s << u"[1, 2]"_s << QString();
    QTest::newRow("slice zero step returns value") << u"{{ l|slice:'::0' }}"_s << u"{\"l\": [1, 2]}"_s << u"[1, 2]"_s << QString();
    QTest::newRow("slice int arg") << u"{{ l|slice:1 }}"_s << u"{\"l\": [1, 2]}"_s << u"[1]"_s << QString();
    QTest::newRow("slice of int unchanged") << u"{{ n|slice:'1' }}"_s << u"{\"n\": 5}"_s << u"5"_s << QString();
    QTest::newRow("slice escapes string") << u"{{ s|slice:'2' }}"_s << u"{\"s\": \"<b>\"}"_s << u"&lt;b"_s << QString();
    QTest::newRow("slice keeps safe string") << u"{{ s|safe|slice:'2' }}"_s << u"{\"s\": \"<b>\"}"_s << u"<b"_s << QString();

    // add
    QTest::newRow("add ints") << u"{{ n|add:2 }}"_s << u"{\"n\": 3}"_s << u"5"_s << QString();
    QTest::newRow("add numeric strings") << u"{{ s|add:'4' }}"_s << u"{\"s\": \"3\"}"_s << u"7"_s << QString();
    QTest::newRow("add truncates floats") << u"{{ f|add:1 }}"_s << u"{\"f\": 2.7}"_s << u"3"_s << QString();
    QTest::newRow("add strings concatenate") << u"{{ s|add:'b' }}"_s << u"{\"s\": \"a\"}"_s << u"ab"_s << QString();
    QTest::newRow("add lists") << u"{{ l|add:m }}"_s << u"{\"l\": [1], \"m\": [\"x\"]}"_s << u"[1, &#x27;x&#x27;]"_s << QString();
    QTest::newRow("add string and int gives empty") << u"[{{ s|add:1 }}]"_s << u"{\"s\": \"a\"}"_s << u"[]"_s << QString();
    QTest::newRow("add missing") << u"[{{ nope|add:1 }}]"_s << QString() << u"[]"_s << QString();
    QTest::newRow("add null") << u"[{{ n|add:1 }}]"_s << u"{\"n\": null}"_s << u"[]"_s << QString();
    QTest::newRow("add bool") << u"{{ b|add:1 }}"_s << u"{\"b\": true}"_s << u"2"_s << QString();
    QTest::newRow("add negative") << u"{{ n|add:'-5' }}"_s << u"{\"n\": 3}"_s << u"-2"_s << QString();
    QTest::newRow("add escapes") << u"{{ s|add:t }}"_s << u"{\"s\": \"<\", \"t\": \"&\"}"_s << u"&lt;&amp;"_s << QString();

    // yesno
    QTest::newRow("yesno true") << u"{{ b|yesno }}"_s << u"{\"b\": true}"_s << u"yes"_s << QString();
    QTest::newRow("yesno false") << u"{{ b|yesno }}"_s << u"{\"b\": false}"_s << u"no"_s << QString();
    QTest::newRow("yesno none") << u"{{ n|yesno }}"_s << u"{\"n\": null}"_s << u"maybe"_s << QString();
    QTest::newRow("yesno custom") << u"{{ b|yesno:'on,off' }}{{ n|yesno:'on,off' }}"_s << u"{\"b\": 1, \"n\": null}"_s << u"onoff"_s << QString();
    QTest::newRow("yesno three") << u"{{ n|yesno:'y,n,m' }}"_s << u"{\"n\": null}"_s << u"m"_s << QString();
    QTest::newRow("yesno invalid arg returns value") << u"{{ b|yesno:'one' }}"_s << u"{\"b\": \"v\"}"_s << u"v"_s << QString();
    QTest::newRow("yesno too many parts") << u"{{ b|yesno:'a,b,c,d' }}"_s << u"{\"b\": 1}"_s << u"a"_s << QString();
    QTest::newRow("yesno missing") << u"{{ nope|yesno }}"_s << QString() << u"no"_s << QString();
    QTest::newRow("yesno escapes choices") << u"{{ b|yesno:'<y>,n' }}"_s << u"{\"b\": true}"_s << u"&lt;y&gt;"_s << QString();

    // pluralize
    QTest::newRow("pluralize zero one two") << u"{{ a|pluralize }}{{ b|pluralize }}{{ c|pluralize }}"_s << u"{\"a\": 0, \"b\": 1, \"c\": 2}"_s << u"ss"_s << QString();
    QTest::newRow("pluralize es") << u"class{{ n|pluralize:'es' }}"_s << u"{\"n\": 2}"_s << u"classes"_s << QString();
    QTest::newRow("pluralize y ies") << u"cand{{ a|pluralize:'y,ies' }} cand{{ b|pluralize:'y,ies' }}"_s << u"{\"a\": 1, \"b\": 3}"_s << u"candy candies"_s << QString();
    QTest::newRow("pluralize string number") << u"{{ a|pluralize }}|{{ b|pluralize }}"_s << u"{\"a\": \"1\", \"b\": \"2\"}"_s << u"|s"_s << QString();
    QTest::newRow("pluralize float") << u"{{ a|pluralize }}|{{ b|pluralize }}"_s << u"{\"a\": 1.0, \"b\": 1.5}"_s << u"|s"_s << QString();
    QTest::newRow("pluralize list") << u"{{ a|pluralize }}|{{ b|pluralize }}"_s << u"{\"a\": [1], \"b\": [1, 2]}"_s << u"|s"_s << QString();
    QTest::newRow("pluralize bad string") << u"[{{ s|pluralize }}]"_s << u"{\"s\": \"x\"}"_s << u"[]"_s << QString();
    QTest::newRow("pluralize missing") << u"[{{ nope|pluralize }}]"_s << QString() << u"[]"_s << QString();
    QTest::newRow("pluralize null") << u"[{{ n|pluralize }}]"_s << u"{\"n\": null}"_s << u"[]"_s << QString();
    QTest::newRow("pluralize too many commas") << u"[{{ n|pluralize:'a,b,c' }}]"_s << u"{\"n\": 2}"_s << u"[]"_s << QString();

    // linebreaks, linebreaksbr
    QTest::newRow("linebreaks") << u"{{ s|linebreaks }}"_s << u"{\"s\": \"a\\nb\\n\\nc\"}"_s << u"<p>a<br>b</p>\n\n<p>c</p>"_s << QString();
    QTest::newRow("linebreaks crlf and many blank lines") << u"{{ s|linebreaks }}"_s << u"{\"s\": \"a\\r\\nb\\r\\n\\r\\n\\n\\nc\\rd\"}"_s << u"<p>a<br>b</p>\n\n<p>c<br>d</p>"_s << QString();
    QTest::newRow("linebreaks escapes") << u"{{ s|linebreaks }}"_s << u"{\"s\": \"<b>\\n&\"}"_s << u"<p>&lt;b&gt;<br>&amp;</p>"_s << QString();
    QTest::newRow("linebreaks safe input") << u"{{ s|safe|linebreaks }}"_s << u"{\"s\": \"<b>\\nx\"}"_s << u"<p><b><br>x</p>"_s << QString();
    QTest::newRow("linebreaks autoescape off") << u"{% autoescape off %}{{ s|linebreaks }}{% endautoescape %}"_s << u"{\"s\": \"<b>\"}"_s << u"<p><b></p>"_s << QString();
    QTest::newRow("linebreaks missing") << u"{{ nope|linebreaks }}"_s << QString() << u"<p></p>"_s << QString();
    QTest::newRow("linebreaks int") << u"{{ n|linebreaks }}"_s << u"{\"n\": 3}"_s << u"<p>3</p>"_s << QString();
    QTest::newRow("linebreaksbr") << u"{{ s|linebreaksbr }}"_s << u"{\"s\": \"a\\nb\\r\\nc\"}"_s << u"a<br>b<br>c"_s << QString();
    QTest::newRow("linebreaksbr escapes") << u"{{ s|linebreaksbr }}"_s << u"{\"s\": \"<i>\\n\"}"_s << u"&lt;i&gt;<br>"_s << QString();
    QTest::newRow("linebreaksbr safe") << u"{{ s|safe|linebreaksbr }}"_s << u"{\"s\": \"<i>\\n\"}"_s << u"<i><br>"_s << QString();
    QTest::newRow("linebreaksbr autoescape off") << u"{% autoescape off %}{{ s|linebreaksbr }}{% endautoescape %}"_s << u"{\"s\": \"<i>\\n\"}"_s << u"<i><br>"_s << QString();

    // striptags
    QTest::newRow("striptags") << u"{{ s|striptags }}"_s << u"{\"s\": \"<p>Hello <b>World</b>!</p>\"}"_s << u"Hello World!"_s << QString();
    QTest::newRow("striptags comment and attributes") << u"{{ s|striptags }}"_s << u"{\"s\": \"a<!-- c -->b<a href=\\\"x>y\\\">c</a>\"}"_s << u"abc"_s << QString();
    QTest::newRow("striptags keeps entities escaped") << u"{{ s|striptags }}"_s << u"{\"s\": \"<p>a &amp; b</p>\"}"_s << u"a &amp;amp; b"_s << QString();
    QTest::newRow("striptags lone brackets") << u"{{ s|striptags }}"_s << u"{\"s\": \"1 < 2 > 0\"}"_s << u"1 &lt; 2 &gt; 0"_s << QString();
    QTest::newRow("striptags result is escaped") << u"{{ s|striptags }}"_s << u"{\"s\": \"<b>x</b> & y\"}"_s << u"x &amp; y"_s << QString();
    QTest::newRow("striptags safe") << u"{{ s|safe|striptags }}"_s << u"{\"s\": \"<b>x</b> &amp; y\"}"_s << u"x &amp; y"_s << QString();
    QTest::newRow("striptags nested") << u"{{ s|striptags }}"_s << u"{\"s\": \"<<b>b>x\"}"_s << u"x"_s << QString();
    QTest::newRow("striptags int") << u"{{ n|striptags }}"_s << u"{\"n\": 7}"_s << u"7"_s << QString();

    // urlencode, iriencode
    QTest::newRow("urlencode") << u"{{ s|urlencode }}"_s << u"{\"s\": \"a b/c?d=e&f\"}"_s << u"a%20b/c%3Fd%3De%26f"_s << QString();
    QTest::newRow("urlencode unicode") << u"{{ s|urlencode }}"_s << u"{\"s\": \"\u00E9\u2603\"}"_s << u"%C3%A9%E2%98%83"_s << QString();
    QTest::newRow("urlencode safe arg") << u"{{ s|urlencode:'' }}"_s << u"{\"s\": \"a/b c\"}"_s << u"a%2Fb%20c"_s << QString();
    QTest::newRow("urlencode custom safe") << u"{{ s|urlencode:'/:' }}"_s << u"{\"s\": \"http://x/y z\"}"_s << u"http://x/y%20z"_s << QString();
    QTest::newRow("urlencode unreserved") << u"{{ s|urlencode }}"_s << u"{\"s\": \"A-z_0.9~!*'()\"}"_s << u"A-z_0.9~%21%2A%27%28%29"_s << QString();
    QTest::newRow("urlencode int") << u"{{ n|urlencode }}"_s << u"{\"n\": 12}"_s << u"12"_s << QString();
    QTest::newRow("urlencode missing") << u"[{{ nope|urlencode }}]"_s << QString() << u"[]"_s << QString();
    QTest::newRow("iriencode") << u"{{ s|iriencode }}"_s << u"{\"s\": \"/I \u2665 Django/?a=1&b=%20\"}"_s << u"/I%20%E2%99%A5%20Django/?a=1&amp;b=%20"_s << QString();
    QTest::newRow("iriencode escapes output") << u"{{ s|iriencode }}"_s << u"{\"s\": \"a&b<c>\"}"_s << u"a&amp;b%3Cc%3E"_s << QString();
    QTest::newRow("iriencode int") << u"{{ n|iriencode }}"_s << u"{\"n\": 5}"_s << u"5"_s << QString();

    // floatformat
    QTest::newRow("floatformat default") << u"{{ a|floatformat }} {{ b|floatformat }} {{ c|floatformat }}"_s << u"{\"a\": 34.23234, \"b\": 34.0, \"c\": 34.26}"_s << u"34.2 34 34.3"_s << QString();
    QTest::newRow("floatformat positive") << u"{{ a|floatformat:3 }} {{ b|floatformat:3 }} {{ c|floatformat:3 }}"_s << u"{\"a\": 34.23234, \"b\": 34.0, \"c\": 34.26}"_s << u"34.232 34.000 34.260"_s << QString();
    QTest::newRow("floatformat negative") << u"{{ a|floatformat:'-3' }} {{ b|floatformat:'-3' }} {{ c|floatformat:'-3' }}"_s << u"{\"a\": 34.23234, \"b\": 34.0, \"c\": 34.26}"_s << u"34.232 34 34.260"_s << QString();
    QTest::newRow("floatformat zero places") << u"{{ a|floatformat:0 }} {{ b|floatformat:0 }} {{ c|floatformat:0 }}"_s << u"{\"a\": 34.5, \"b\": 39.56, \"c\": -0.4}"_s << u"35 40 0"_s << QString();
    QTest::newRow("floatformat half up on repr") << u"{{ a|floatformat:2 }} {{ b|floatformat:1 }} {{ c|floatformat:2 }}"_s << u"{\"a\": 2.675, \"b\": 0.05, \"c\": 1.005}"_s << u"2.68 0.1 1.01"_s << QString();
    QTest::newRow("floatformat negative zero") << u"{{ a|floatformat }} {{ b|floatformat:2 }}"_s << u"{\"a\": -0.01, \"b\": -0.001}"_s << u"0.0 0.00"_s << QString();
    QTest::newRow("floatformat negative numbers") << u"{{ a|floatformat:2 }} {{ b|floatformat }}"_s << u"{\"a\": -1.235, \"b\": -7.0}"_s << u"-1.24 -7"_s << QString();
    QTest::newRow("floatformat int") << u"{{ n|floatformat }} {{ n|floatformat:2 }}"_s << u"{\"n\": 7}"_s << u"7 7.00"_s << QString();
    QTest::newRow("floatformat string") << u"{{ s|floatformat:2 }}"_s << u"{\"s\": \"3.14159\"}"_s << u"3.14"_s << QString();
    QTest::newRow("floatformat bad string") << u"[{{ s|floatformat }}]"_s << u"{\"s\": \"abc\"}"_s << u"[]"_s << QString();
    QTest::newRow("floatformat missing") << u"[{{ nope|floatformat }}]"_s << QString() << u"[]"_s << QString();
    QTest::newRow("floatformat null") << u"[{{ n|floatformat }}]"_s << u"{\"n\": null}"_s << u"[]"_s << QString();
    QTest::newRow("floatformat bad arg") << u"{{ f|floatformat:'x' }}"_s << u"{\"f\": 1.5}"_s << u"1.5"_s << QString();
    QTest::newRow("floatformat g suffix") << u"{{ f|floatformat:'2g' }} {{ n|floatformat:'g' }}"_s << u"{\"f\": 6666.6666, \"n\": 10000}"_s << u"6666.67 10000"_s << QString();
    QTest::newRow("floatformat large exponent") << u"{{ f|floatformat }} {{ f|floatformat:2 }}"_s << u"{\"f\": 1e+16}"_s << u"10000000000000000 10000000000000000.00"_s << QString();
    QTest::newRow("floatformat small") << u"{{ f|floatformat:3 }} {{ f|floatformat:10 }}"_s << u"{\"f\": 1.5e-07}"_s << u"0.000 0.0000001500"_s << QString();
    QTest::newRow("floatformat rounds up to carry") << u"{{ f|floatformat:2 }}"_s << u"{\"f\": 9.999}"_s << u"10.00"_s << QString();
    QTest::newRow("floatformat bool") << u"{{ b|floatformat:1 }}"_s << u"{\"b\": true}"_s << u"1.0"_s << QString();
    QTest::newRow("floatformat string repr kept on bad arg") << u"{{ s|floatformat:'x' }}"_s << u"{\"s\": \"1.5\"}"_s << u"&#x27;1.5&#x27;"_s << QString();
    QTest::newRow("floatformat string with spaces") << u"{{ s|floatformat:1 }}"_s << u"{\"s\": \" 2.25 \"}"_s << u"2.3"_s << QString();

    // Integers at the ends of qint64 as arguments: arithmetic on them
    // overflowed (UBSan) before.
    QTest::newRow("floatformat of an exponent at the qint64 limit")
        << u"{{ a|floatformat:2 }}|{{ b|floatformat:2 }}"_s
        << u"{\"a\": \"1e-9223372036854775808\", \"b\": \"1e9223372036854775807\"}"_s
        << u"0.00|&#x27;1e9223372036854775807&#x27;"_s << QString();
    QTest::newRow("floatformat to the most negative number of places")
        << u"{{ f|floatformat:-9223372036854775808 }}"_s << u"{\"f\": 1.5}"_s << QString()
        << u"test.html:1:6: floatformat: -9223372036854775808 decimal places is too many"_s;
    QTest::newRow("truncatechars to the most negative length")
        << u"{{ s|truncatechars:-9223372036854775808 }}|{{ t|truncatechars:-9223372036854775808 }}"_s
        << u"{\"s\": \"abcdef\", \"t\": \"\u00e9\"}"_s << u"\u2026|\u2026"_s << QString();
    QTest::newRow("slice with steps at the qint64 limits")
        << u"{{ l|slice:'1::9223372036854775807' }}|{{ l|slice:'-2::-9223372036854775808' }}|{{ s|slice:'::9223372036854775807' }}"_s
        << u"{\"l\": [1, 2, 3, 4, 5], \"s\": \"abcdef\"}"_s << u"[2]|[4]|a"_s << QString();
    // filesizeformat
    QTest::newRow("filesizeformat bytes") << u"{{ a|filesizeformat }}|{{ b|filesizeformat }}|{{ c|filesizeformat }}"_s << u"{\"a\": 0, \"b\": 1, \"c\": 1023}"_s << u"0\u00A0bytes|1\u00A0byte|1023\u00A0bytes"_s << QString();
    QTest::newRow("filesizeformat KB MB") << u"{{ a|filesizeformat }}|{{ b|filesizeformat }}"_s << u"{\"a\": 1024, \"b\": 1048576}"_s << u"1.0\u00A0KB|1.0\u00A0MB"_s << QString();
    QTest::newRow("filesizeformat rounding") << u"{{ a|filesizeformat }}|{{ b|filesizeformat }}"_s << u"{\"a\": 1536, \"b\": 123456789}"_s << u"1.5\u00A0KB|117.7\u00A0MB"_s << QString();
    QTest::newRow("filesizeformat GB TB PB") << u"{{ a|filesizeformat }}|{{ b|filesizeformat }}|{{ c|filesizeformat }}"_s << u"{\"a\": 1073741824, \"b\": 3298534883328, \"c\": 2251799813685248000}"_s << u"1.0\u00A0GB|3.0\u00A0TB|2000.0\u00A0PB"_s << QString();
    QTest::newRow("filesizeformat negative") << u"{{ a|filesizeformat }}"_s << u"{\"a\": -2048}"_s << u"-2.0\u00A0KB"_s << QString();
    QTest::newRow("filesizeformat string and float") << u"{{ a|filesizeformat }}|{{ b|filesizeformat }}"_s << u"{\"a\": \"2048\", \"b\": 2047.9}"_s << u"2.0\u00A0KB|2.0\u00A0KB"_s << QString();
    // Found by fuzz_template: -INT64_MIN overflowed (UBSan).
    QTest::newRow("filesizeformat of the most negative integer")
        << u"{{ a|filesizeformat }}|{{ -9223372036854775808|filesizeformat }}|{{ 9223372036854775807|filesizeformat }}"_s
        << u"{\"a\": -9223372036854775808}"_s << u"-8192.0\u00A0PB|-8192.0\u00A0PB|8192.0\u00A0PB"_s << QString();
    QTest::newRow("filesizeformat invalid") << u"{{ a|filesizeformat }}|{{ nope|filesizeformat }}"_s << u"{\"a\": \"abc\"}"_s << u"0\u00A0bytes|0\u00A0bytes"_s << QString();

    // cut
    QTest::newRow("cut") << u"{{ s|cut:' ' }}"_s << u"{\"s\": \"a b c\"}"_s << u"abc"_s << QString();
    QTest::newRow("cut substring") << u"{{ s|cut:'ab' }}"_s << u"{\"s\": \"abcabd\"}"_s << u"cd"_s << QString();
    QTest::newRow("cut int") << u"{{ n|cut:'1' }}"_s << u"{\"n\": 1213}"_s << u"23"_s << QString();
    QTest::newRow("cut escapes") << u"{{ s|cut:'x' }}"_s << u"{\"s\": \"<x>\"}"_s << u"&lt;&gt;"_s << QString();
    QTest::newRow("cut safe stays safe") << u"{{ s|safe|cut:'x' }}"_s << u"{\"s\": \"<x>\"}"_s << u"<>"_s << QString();
    QTest::newRow("cut semicolon drops safeness") << u"{{ s|safe|cut:';' }}"_s << u"{\"s\": \"&amp;<\"}"_s << u"&amp;amp&lt;"_s << QString();
    QTest::newRow("cut missing") << u"[{{ nope|cut:'a' }}]"_s << QString() << u"[]"_s << QString();

    // center, ljust, rjust
    QTest::newRow("center odd margin") << u"[{{ s|center:6 }}]"_s << u"{\"s\": \"abc\"}"_s << u"[ abc  ]"_s << QString();
    QTest::newRow("center even") << u"[{{ s|center:7 }}]"_s << u"{\"s\": \"abc\"}"_s << u"[  abc  ]"_s << QString();
    QTest::newRow("center even width odd margin") << u"[{{ s|center:4 }}]"_s << u"{\"s\": \"abc\"}"_s << u"[abc ]"_s << QString();
    QTest::newRow("center narrow") << u"[{{ s|center:2 }}]"_s << u"{\"s\": \"abc\"}"_s << u"[abc]"_s << QString();
    QTest::newRow("center string arg") << u"[{{ s|center:'5' }}]"_s << u"{\"s\": \"a\"}"_s << u"[  a  ]"_s << QString();
    QTest::newRow("center bad arg fails") << u"{{ s|center:'x' }}"_s << u"{\"s\": \"a\"}"_s << QString() << u"test.html:1:6: the width must be an integer, not 'x'"_s;
    QTest::newRow("ljust") << u"[{{ s|ljust:5 }}]"_s << u"{\"s\": \"ab\"}"_s << u"[ab   ]"_s << QString();
    QTest::newRow("ljust int") << u"[{{ n|ljust:4 }}]"_s << u"{\"n\": 7}"_s << u"[7   ]"_s << QString();
    QTest::newRow("rjust") << u"[{{ s|rjust:5 }}]"_s << u"{\"s\": \"ab\"}"_s << u"[   ab]"_s << QString();
    QTest::newRow("rjust escapes") << u"[{{ s|rjust:4 }}]"_s << u"{\"s\": \"<\"}"_s << u"[   &lt;]"_s << QString();
    QTest::newRow("rjust safe") << u"[{{ s|safe|rjust:4 }}]"_s << u"{\"s\": \"<\"}"_s << u"[   <]"_s << QString();
    QTest::newRow("rjust missing") << u"[{{ nope|rjust:3 }}]"_s << QString() << u"[   ]"_s << QString();

    // wordcount
    QTest::newRow("wordcount") << u"{{ s|wordcount }}"_s << u"{\"s\": \"The quick  brown\\nfox\"}"_s << u"4"_s << QString();
    QTest::newRow("wordcount empty") << u"{{ s|wordcount }}"_s << u"{\"s\": \"\"}"_s << u"0"_s << QString();
    QTest::newRow("wordcount missing") << u"{{ nope|wordcount }}"_s << QString() << u"0"_s << QString();
    QTest::newRow("wordcount int") << u"{{ n|wordcount }}"_s << u"{\"n\": 42}"_s << u"1"_s << QString();
    QTest::newRow("wordcount unicode spaces") << u"{{ s|wordcount }}"_s << u"{\"s\": \"a\u00A0b\u2003c\u3000d\"}"_s << u"4"_s << QString();

    // dictsort, dictsortreversed
    QTest::newRow("dictsort by key") << u"{% for p in l|dictsort:'age' %}{{ p.name }}{% endfor %}"_s << u"{\"l\": [{\"age\": 30, \"name\": \"a\"}, {\"age\": 20, \"name\": \"b\"}, {\"age\": 25, \"name\": \"c\"}]}"_s << u"bca"_s << QString();
    QTest::newRow("dictsort stable") << u"{% for p in l|dictsort:'k' %}{{ p.n }}{% endfor %}"_s << u"{\"l\": [{\"k\": 1, \"n\": \"a\"}, {\"k\": 0, \"n\": \"b\"}, {\"k\": 1, \"n\": \"c\"}, {\"k\": 0, \"n\": \"d\"}]}"_s << u"bdac"_s << QString();
    QTest::newRow("dictsortreversed stable") << u"{% for p in l|dictsortreversed:'k' %}{{ p.n }}{% endfor %}"_s << u"{\"l\": [{\"k\": 1, \"n\": \"a\"}, {\"k\": 0, \"n\": \"b\"}, {\"k\": 1, \"n\": \"c\"}, {\"k\": 0, \"n\": \"d\"}]}"_s << u"acbd"_s << QString();
    QTest::newRow("dictsort dotted path") << u"{% for p in l|dictsort:'a.b' %}{{ p.n }}{% endfor %}"_s << u"{\"l\": [{\"a\": {\"b\": \"z\"}, \"n\": 1}, {\"a\": {\"b\": \"y\"}, \"n\": 2}]}"_s << u"21"_s << QString();
    QTest::newRow("dictsort strings") << u"{% for p in l|dictsort:'s' %}{{ p.s }}{% endfor %}"_s << u"{\"l\": [{\"s\": \"b\"}, {\"s\": \"B\"}, {\"s\": \"a\"}]}"_s << u"Bab"_s << QString();
    QTest::newRow("dictsort missing key gives empty") << u"[{{ l|dictsort:'x' }}]"_s << u"{\"l\": [{\"a\": 1}]}"_s << u"[]"_s << QString();
    QTest::newRow("dictsort mixed types gives empty") << u"[{{ l|dictsort:'a' }}]"_s << u"{\"l\": [{\"a\": 1}, {\"a\": \"x\"}]}"_s << u"[]"_s << QString();
    QTest::newRow("dictsort of int gives empty") << u"[{{ n|dictsort:'a' }}]"_s << u"{\"n\": 5}"_s << u"[]"_s << QString();
    QTest::newRow("dictsort of missing") << u"[{{ nope|dictsort:'a' }}]"_s << QString() << u"[[]]"_s << QString();
    QTest::newRow("dictsort by index") << u"{{ l|dictsort:0 }}"_s << u"{\"l\": [[2, \"b\"], [1, \"a\"]]}"_s << u"[[1, &#x27;a&#x27;], [2, &#x27;b&#x27;]]"_s << QString();
    QTest::newRow("dictsort private attribute") << u"[{{ l|dictsort:'_a' }}]"_s << u"{\"l\": [{\"_a\": 1}]}"_s << u"[]"_s << QString();
    QTest::newRow("dictsort output") << u"{{ l|dictsort:'a' }}"_s << u"{\"l\": [{\"a\": 2}, {\"a\": 1}]}"_s << u"[{&#x27;a&#x27;: 1}, {&#x27;a&#x27;: 2}]"_s << QString();
    QTest::newRow("dictsortreversed") << u"{% for p in l|dictsortreversed:'a' %}{{ p.a }}{% endfor %}"_s << u"{\"l\": [{\"a\": 1}, {\"a\": 3}, {\"a\": 2}]}"_s << u"321"_s << QString();

    // stringformat
    QTest::newRow("stringformat s") << u"[{{ s|stringformat:'s' }}]"_s << u"{\"s\": \"x\"}"_s << u"[x]"_s << QString();
    QTest::newRow("stringformat width") << u"[{{ s|stringformat:'5s' }}][{{ s|stringformat:'-5s' }}]"_s << u"{\"s\": \"x\"}"_s << u"[    x][x    ]"_s << QString();
    QTest::newRow("stringformat d") << u"{{ n|stringformat:'d' }} {{ n|stringformat:'05d' }} {{ n|stringformat:'+d' }}"_s << u"{\"n\": 42}"_s << u"42 00042 +42"_s << QString();
    QTest::newRow("stringformat float d truncates") << u"{{ f|stringformat:'d' }}"_s << u"{\"f\": -3.9}"_s << u"-3"_s << QString();
    QTest::newRow("stringformat f") << u"{{ f|stringformat:'.2f' }} {{ f|stringformat:'08.3f' }} {{ n|stringformat:'f' }}"_s << u"{\"f\": 3.14159, \"n\": 2}"_s << u"3.14 0003.142 2.000000"_s << QString();
    QTest::newRow("stringformat x o") << u"{{ n|stringformat:'x' }} {{ n|stringformat:'#X' }} {{ n|stringformat:'#o' }} {{ m|stringformat:'x' }}"_s << u"{\"m\": -255, \"n\": 255}"_s << u"ff 0XFF 0o377 -ff"_s << QString();
    QTest::newRow("stringformat e g") << u"{{ f|stringformat:'e' }} {{ f|stringformat:'.3g' }} {{ f|stringformat:'E' }}"_s << u"{\"f\": 12345.678}"_s << u"1.234568e+04 1.23e+04 1.234568E+04"_s << QString();
    QTest::newRow("stringformat r") << u"{{ s|stringformat:'r' }} {{ n|stringformat:'r' }}"_s << u"{\"n\": 1, \"s\": \"it's\"}"_s << u"&quot;it&#x27;s&quot; 1"_s << QString();
    QTest::newRow("stringformat list") << u"{{ l|stringformat:'s' }}"_s << u"{\"l\": [1, \"a\"]}"_s << u"[1, &#x27;a&#x27;]"_s << QString();
    QTest::newRow("stringformat bad type") << u"[{{ s|stringformat:'d' }}]"_s << u"{\"s\": \"x\"}"_s << u"[]"_s << QString();
    QTest::newRow("stringformat bad spec") << u"[{{ n|stringformat:'z' }}]"_s << u"{\"n\": 1}"_s << u"[]"_s << QString();
    QTest::newRow("stringformat text around") << u"{{ n|stringformat:'03d%%' }}"_s << u"{\"n\": 7}"_s << u"007%"_s << QString();
    QTest::newRow("stringformat precision s") << u"{{ s|stringformat:'.2s' }}"_s << u"{\"s\": \"abcdef\"}"_s << u"ab"_s << QString();
    QTest::newRow("stringformat precision d") << u"[{{ n|stringformat:'.3d' }}][{{ n|stringformat:'5.3d' }}][{{ n|stringformat:'05.3d' }}]"_s << u"{\"n\": 7}"_s << u"[007][  007][00007]"_s << QString();
    QTest::newRow("stringformat missing") << u"[{{ nope|stringformat:'s' }}]"_s << QString() << u"[]"_s << QString();
    QTest::newRow("stringformat none") << u"[{{ n|stringformat:'s' }}]"_s << u"{\"n\": null}"_s << u"[None]"_s << QString();
    QTest::newRow("stringformat bool") << u"{{ b|stringformat:'s' }} {{ b|stringformat:'d' }}"_s << u"{\"b\": true}"_s << u"True 1"_s << QString();
    QTest::newRow("stringformat escapes") << u"{{ s|stringformat:'s' }}"_s << u"{\"s\": \"<b>\"}"_s << u"&lt;b&gt;"_s << QString();
    QTest::newRow("stringformat safe stays safe") << u"{{ s|safe|stringformat:'s' }}"_s << u"{\"s\": \"<b>\"}"_s << u"<b>"_s << QString();
    QTest::newRow("stringformat c") << u"{{ n|stringformat:'c' }}"_s << u"{\"n\": 233}"_s << u"\u00E9"_s << QString();

    // divisibleby
    // INT64_MIN % -1 overflows in C++; Python says 0.
    QTest::newRow("divisibleby -1 of the most negative integer")
        << u"{{ a|divisibleby:-1 }} {{ a|divisibleby:b }}"_s << u"{\"a\": -9223372036854775808, \"b\": -1}"_s
        << u"True True"_s << QString();
    QTest::newRow("divisibleby true false") << u"{{ a|divisibleby:3 }} {{ b|divisibleby:3 }}"_s << u"{\"a\": 9, \"b\": 10}"_s << u"True False"_s << QString();
    QTest::newRow("divisibleby strings") << u"{{ a|divisibleby:'2' }}"_s << u"{\"a\": \"8\"}"_s << u"True"_s << QString();
    QTest::newRow("divisibleby negative") << u"{{ a|divisibleby:4 }}"_s << u"{\"a\": -8}"_s << u"True"_s << QString();
    QTest::newRow("divisibleby float truncates") << u"{{ a|divisibleby:2 }}"_s << u"{\"a\": 4.9}"_s << u"True"_s << QString();
    QTest::newRow("divisibleby in if") << u"{% if a|divisibleby:2 %}even{% endif %}"_s << u"{\"a\": 4}"_s << u"even"_s << QString();
    QTest::newRow("divisibleby bad value fails") << u"{{ s|divisibleby:2 }}"_s << u"{\"s\": \"x\"}"_s << QString() << u"test.html:1:6: divisibleby needs integers, got 'x' and 2"_s;

    // make_list
    QTest::newRow("make_list string") << u"{{ s|make_list }}"_s << u"{\"s\": \"abc\"}"_s << u"[&#x27;a&#x27;, &#x27;b&#x27;, &#x27;c&#x27;]"_s << QString();
    QTest::newRow("make_list int") << u"{{ n|make_list }}"_s << u"{\"n\": 123}"_s << u"[&#x27;1&#x27;, &#x27;2&#x27;, &#x27;3&#x27;]"_s << QString();
    QTest::newRow("make_list unicode") << u"{{ s|make_list }}"_s << u"{\"s\": \"\u00E9\u00E8\"}"_s << u"[&#x27;\u00E9&#x27;, &#x27;\u00E8&#x27;]"_s << QString();
    QTest::newRow("make_list iterate") << u"{% for c in s|make_list %}[{{ c }}]{% endfor %}"_s << u"{\"s\": \"a<\"}"_s << u"[a][&lt;]"_s << QString();
    QTest::newRow("make_list missing") << u"{{ nope|make_list }}"_s << QString() << u"[]"_s << QString();

    // slugify
    QTest::newRow("slugify") << u"{{ s|slugify }}"_s << u"{\"s\": \" Hello, World! \"}"_s << u"hello-world"_s << QString();
    QTest::newRow("slugify accents") << u"{{ s|slugify }}"_s << u"{\"s\": \"\u00C9t\u00E9 \u00E0 Paris \u2014 na\u00EFve\"}"_s << u"ete-a-paris-naive"_s << QString();
    QTest::newRow("slugify dashes underscores") << u"{{ s|slugify }}"_s << u"{\"s\": \"_-a  --  b_-\"}"_s << u"a-b"_s << QString();
    QTest::newRow("slugify non latin dropped") << u"[{{ s|slugify }}]"_s << u"{\"s\": \"\u65E5\u672C\"}"_s << u"[]"_s << QString();
    QTest::newRow("slugify int") << u"{{ n|slugify }}"_s << u"{\"n\": 12.5}"_s << u"125"_s << QString();
    QTest::newRow("slugify ligature") << u"{{ s|slugify }}"_s << u"{\"s\": \"\uFB01ne \u2460\"}"_s << u"fine-1"_s << QString();

    // addslashes
    QTest::newRow("addslashes") << u"{{ s|addslashes }}"_s << u"{\"s\": \"I'm \\\"here\\\" \\\\o/\"}"_s << u"I\\&#x27;m \\&quot;here\\&quot; \\\\o/"_s << QString();
    QTest::newRow("addslashes safe") << u"{{ s|safe|addslashes }}"_s << u"{\"s\": \"it's\"}"_s << u"it\\'s"_s << QString();
    QTest::newRow("addslashes missing") << u"[{{ nope|addslashes }}]"_s << QString() << u"[]"_s << QString();

    // escapejs
    QTest::newRow("escapejs") << u"{{ s|escapejs }}"_s << u"{\"s\": \"<a href=\\\"x\\\">'b' & c</a>\"}"_s << u"\\u003Ca href\\u003D\\u0022x\\u0022\\u003E\\u0027b\\u0027 \\u0026 c\\u003C/a\\u003E"_s << QString();
    QTest::newRow("escapejs control") << u"{{ s|escapejs }}"_s << u"{\"s\": \"a\\nb\\tc\u2028d\\\\e\"}"_s << u"a\\u000Ab\\u0009c\\u2028d\\u005Ce"_s << QString();
    QTest::newRow("escapejs punctuation") << u"{{ s|escapejs }}"_s << u"{\"s\": \"x=1; y-- `t`\"}"_s << u"x\\u003D1\\u003B y\\u002D\\u002D \\u0060t\\u0060"_s << QString();
    QTest::newRow("escapejs unicode kept") << u"{{ s|escapejs }}"_s << u"{\"s\": \"\u00E9\u2603\"}"_s << u"\u00E9\u2603"_s << QString();
    QTest::newRow("escapejs int") << u"{{ n|escapejs }}"_s << u"{\"n\": -1}"_s << u"\\u002D1"_s << QString();

    // json_script
    QTest::newRow("json_script map") << u"{{ d|json_script:'data' }}"_s << u"{\"d\": {\"a\": 1, \"b\": [true, null, 1.5], \"c\": \"x\"}}"_s << u"<script id=\"data\" type=\"application/json\">{\"a\": 1, \"b\": [true, null, 1.5], \"c\": \"x\"}</script>"_s << QString();
    QTest::newRow("json_script escapes html") << u"{{ s|json_script:'x' }}"_s << u"{\"s\": \"</script><b>&'\\\"\"}"_s << u"<script id=\"x\" type=\"application/json\">\"\\u003C/script\\u003E\\u003Cb\\u003E\\u0026'\\\"\"</script>"_s << QString();
    QTest::newRow("json_script unicode") << u"{{ s|json_script:'u' }}"_s << u"{\"s\": \"\u00E9\U0001F600\\n\"}"_s << u"<script id=\"u\" type=\"application/json\">\"\\u00e9\\ud83d\\ude00\\n\"</script>"_s << QString();
    QTest::newRow("json_script id escaped") << u"{{ n|json_script:id }}"_s << u"{\"id\": \"a\\\"<\", \"n\": 1}"_s << u"<script id=\"a&quot;&lt;\" type=\"application/json\">1</script>"_s << QString();
    QTest::newRow("json_script missing") << u"{{ nope|json_script:'e' }}"_s << QString() << u"<script id=\"e\" type=\"application/json\">\"\"</script>"_s << QString();
    QTest::newRow("json_script float") << u"{{ f|json_script:'f' }}"_s << u"{\"f\": 1e+20}"_s << u"<script id=\"f\" type=\"application/json\">1e+20</script>"_s << QString();

    // escape, force_escape, safe
    QTest::newRow("escape") << u"{{ s|escape }}"_s << u"{\"s\": \"<a>&'\\\"\"}"_s << u"&lt;a&gt;&amp;&#x27;&quot;"_s << QString();
    QTest::newRow("escape twice is once") << u"{{ s|escape|escape }}"_s << u"{\"s\": \"<\"}"_s << u"&lt;"_s << QString();
    QTest::newRow("escape safe input") << u"{{ s|safe|escape }}"_s << u"{\"s\": \"<b>\"}"_s << u"<b>"_s << QString();
    QTest::newRow("force_escape twice") << u"{{ s|force_escape|force_escape }}"_s << u"{\"s\": \"<\"}"_s << u"&amp;lt;"_s << QString();
    QTest::newRow("force_escape safe input") << u"{{ s|safe|force_escape }}"_s << u"{\"s\": \"<b>\"}"_s << u"&lt;b&gt;"_s << QString();
    QTest::newRow("force_escape int") << u"{{ n|force_escape }}"_s << u"{\"n\": 3}"_s << u"3"_s << QString();
    QTest::newRow("escape autoescape off") << u"{% autoescape off %}{{ s|escape }}{% endautoescape %}"_s << u"{\"s\": \"<b>\"}"_s << u"&lt;b&gt;"_s << QString();
    QTest::newRow("safe") << u"{{ s|safe }}"_s << u"{\"s\": \"<b>&</b>\"}"_s << u"<b>&</b>"_s << QString();
    QTest::newRow("safe missing") << u"[{{ nope|safe }}]"_s << QString() << u"[]"_s << QString();
    QTest::newRow("safe list becomes string") << u"{{ l|safe }}"_s << u"{\"l\": [\"<a>\"]}"_s << u"['<a>']"_s << QString();

    // length_is, get_digit, linenumbers, wordwrap
    QTest::newRow("length_is") << u"{{ l|length_is:2 }} {{ l|length_is:'3' }}"_s << u"{\"l\": [1, 2]}"_s << u"True False"_s << QString();
    QTest::newRow("length_is bad") << u"[{{ n|length_is:2 }}][{{ l|length_is:'x' }}]"_s << u"{\"l\": [1], \"n\": 5}"_s << u"[][]"_s << QString();
    QTest::newRow("get_digit") << u"{{ n|get_digit:1 }}{{ n|get_digit:3 }}{{ n|get_digit:9 }}"_s << u"{\"n\": 1234}"_s << u"420"_s << QString();
    QTest::newRow("get_digit invalid returns value") << u"{{ s|get_digit:1 }} {{ n|get_digit:0 }} {{ n|get_digit:'x' }}"_s << u"{\"n\": 42, \"s\": \"ab\"}"_s << u"ab 42 42"_s << QString();
    QTest::newRow("get_digit string number") << u"{{ s|get_digit:2 }}"_s << u"{\"s\": \"987\"}"_s << u"8"_s << QString();
    QTest::newRow("linenumbers") << u"{{ s|linenumbers }}"_s << u"{\"s\": \"a\\n<b>\\nc\"}"_s << u"1. a\n2. &lt;b&gt;\n3. c"_s << QString();
    QTest::newRow("linenumbers width") << u"{{ s|linenumbers }}"_s << u"{\"s\": \"x\\nx\\nx\\nx\\nx\\nx\\nx\\nx\\nx\\nx\\n\"}"_s << u"01. x\n02. x\n03. x\n04. x\n05. x\n06. x\n07. x\n08. x\n09. x\n10. x\n11. "_s << QString();
    QTest::newRow("linenumbers safe") << u"{{ s|safe|linenumbers }}"_s << u"{\"s\": \"<b>\\nx\"}"_s << u"1. <b>\n2. x"_s << QString();
    QTest::newRow("linenumbers autoescape off") << u"{% autoescape off %}{{ s|linenumbers }}{% endautoescape %}"_s << u"{\"s\": \"<b>\"}"_s << u"1. <b>"_s << QString();
    QTest::newRow("wordwrap") << u"{{ s|wordwrap:10 }}"_s << u"{\"s\": \"Joel is a slug who likes long words\"}"_s << u"Joel is a\nslug who\nlikes long\nwords"_s << QString();
    QTest::newRow("wordwrap keeps long words") << u"{{ s|wordwrap:4 }}"_s << u"{\"s\": \"abcdefgh ij k\"}"_s << u"abcdefgh\nij k"_s << QString();
    QTest::newRow("wordwrap keeps line breaks") << u"{{ s|wordwrap:5 }}"_s << u"{\"s\": \"ab cd\\nef gh ij\\n\\nkl\"}"_s << u"ab cd\nef gh\nij\nkl"_s << QString();
    QTest::newRow("wordwrap spaces") << u"[{{ s|wordwrap:6 }}]"_s << u"{\"s\": \"  a   b    c  \"}"_s << u"[  a\nb    c]"_s << QString();
    QTest::newRow("wordwrap tabs") << u"[{{ s|wordwrap:20 }}]"_s << u"{\"s\": \"a\\tb\\tc\"}"_s << u"[a       b       c]"_s << QString();
    QTest::newRow("wordwrap escapes") << u"{{ s|wordwrap:3 }}"_s << u"{\"s\": \"<a> <b>\"}"_s << u"&lt;a&gt;\n&lt;b&gt;"_s << QString();
    QTest::newRow("wordwrap int") << u"{{ n|wordwrap:2 }}"_s << u"{\"n\": 12345}"_s << u"12345"_s << QString();

    // edge cases
    QTest::newRow("stringformat g of int") << u"{{ n|stringformat:'g' }} {{ n|stringformat:'10.3e' }} {{ n|stringformat:'-8d' }}|"_s << u"{\"n\": 1234567}"_s << u"1.23457e+06  1.235e+06 1234567 |"_s << QString();
    QTest::newRow("stringformat space flag") << u"[{{ n|stringformat:' d' }}][{{ m|stringformat:' d' }}]"_s << u"{\"m\": -5, \"n\": 5}"_s << u"[ 5][-5]"_s << QString();
    QTest::newRow("stringformat hash g") << u"{{ f|stringformat:'#g' }} {{ f|stringformat:'G' }}"_s << u"{\"f\": 0.0001}"_s << u"0.000100000 0.0001"_s << QString();
    QTest::newRow("stringformat two conversions") << u"[{{ n|stringformat:'d %d' }}]"_s << u"{\"n\": 5}"_s << u"[]"_s << QString();
    QTest::newRow("stringformat no conversion") << u"[{{ n|stringformat:'%' }}]"_s << u"{\"n\": 5}"_s << u"[]"_s << QString();
    QTest::newRow("stringformat map") << u"{{ m|stringformat:'s' }}"_s << u"{\"m\": {\"a\": 1}}"_s << u"{&#x27;a&#x27;: 1}"_s << QString();
    QTest::newRow("stringformat x of float") << u"[{{ f|stringformat:'x' }}]"_s << u"{\"f\": 1.5}"_s << u"[]"_s << QString();
    QTest::newRow("stringformat zero with left") << u"[{{ n|stringformat:'-05d' }}]"_s << u"{\"n\": 3}"_s << u"[3    ]"_s << QString();
    QTest::newRow("stringformat zero negative") << u"[{{ n|stringformat:'06.2f' }}]"_s << u"{\"n\": -1.5}"_s << u"[-01.50]"_s << QString();
    QTest::newRow("floatformat half up zero places") << u"{{ a|floatformat:0 }} {{ b|floatformat:0 }} {{ c|floatformat:0 }}"_s << u"{\"a\": 0.5, \"b\": -0.5, \"c\": 2.5}"_s << u"1 -1 3"_s << QString();
    QTest::newRow("floatformat tiny") << u"{{ f|floatformat }} {{ f|floatformat:-2 }}"_s << u"{\"f\": 1e-10}"_s << u"0.0 0.00"_s << QString();
    QTest::newRow("floatformat huge") << u"{{ f|floatformat }}"_s << u"{\"f\": 1e+300}"_s << u"1e+300"_s << QString();
    QTest::newRow("floatformat arg -0") << u"{{ f|floatformat:'-0' }} {{ n|floatformat:'-0' }}"_s << u"{\"f\": 1.5, \"n\": 2.0}"_s << u"2 2"_s << QString();
    QTest::newRow("floatformat negative g") << u"{{ f|floatformat:'-2g' }}"_s << u"{\"f\": 1234.5}"_s << u"1234.50"_s << QString();
    QTest::newRow("floatformat float arg") << u"{{ f|floatformat:2.7 }}"_s << u"{\"f\": 1.23456}"_s << u"1.23"_s << QString();
    QTest::newRow("floatformat big int") << u"{{ n|floatformat:2 }}"_s << u"{\"n\": 123456789012}"_s << u"123456789012.00"_s << QString();
    QTest::newRow("floatformat string int") << u"{{ s|floatformat }}"_s << u"{\"s\": \"12\"}"_s << u"12"_s << QString();
    QTest::newRow("title mixed") << u"{{ s|title }}"_s << u"{\"s\": \"o'neil MCDONALD's 2B-or-not-2b x1y\"}"_s << u"O&#x27;Neil Mcdonald&#x27;s 2b-Or-Not-2b X1y"_s << QString();
    QTest::newRow("title greek") << u"{{ s|title }}"_s << u"{\"s\": \"\u03B1\u03B2\u03B3 \u03B4\u03B5\"}"_s << u"\u0391\u03B2\u03B3 \u0394\u03B5"_s << QString();
    QTest::newRow("capfirst sharp s") << u"{{ s|capfirst }}"_s << u"{\"s\": \"\u00DFa\"}"_s << u"SSa"_s << QString();
    QTest::newRow("truncatechars ends with ellipsis") << u"{{ s|truncatechars:4 }}"_s << u"{\"s\": \"ab\u2026cdef\"}"_s << u"ab\u2026\u2026"_s << QString();
    QTest::newRow("truncatechars negative") << u"[{{ s|truncatechars:-1 }}]"_s << u"{\"s\": \"abc\"}"_s << u"[\u2026]"_s << QString();
    QTest::newRow("truncatechars nfc") << u"{{ s|truncatechars:10 }}"_s << u"{\"s\": \"e\u0301\"}"_s << u"\u00E9"_s << QString();
    QTest::newRow("truncatewords ends with ellipsis") << u"{{ s|truncatewords:1 }}"_s << u"{\"s\": \"a \u2026 b\"}"_s << u"a \u2026"_s << QString();
    QTest::newRow("striptags unclosed") << u"{{ s|striptags }}"_s << u"{\"s\": \"a <b c\"}"_s << u"a &lt;b c"_s << QString();
    QTest::newRow("striptags unclosed after tag") << u"{{ s|striptags }}"_s << u"{\"s\": \"<i>x</i> <b\"}"_s << u"x &lt;b"_s << QString();
    QTest::newRow("striptags doctype and pi") << u"{{ s|striptags }}"_s << u"{\"s\": \"<!DOCTYPE html><?xml x?>t<br/>u\"}"_s << u"tu"_s << QString();
    QTest::newRow("striptags script content kept") << u"{{ s|striptags }}"_s << u"{\"s\": \"<script>var a = 1 < 2;</script>z\"}"_s << u"var a = 1 &lt; 2;z"_s << QString();
    QTest::newRow("striptags charref") << u"{{ s|striptags }}"_s << u"{\"s\": \"&#60;b&#62; &lt;i&gt;\"}"_s << u"&amp;#60;b&amp;#62; &amp;lt;i&amp;gt;"_s << QString();
    QTest::newRow("striptags less than space") << u"{{ s|striptags }}"_s << u"{\"s\": \"< b>x</b >\"}"_s << u"&lt; b&gt;x"_s << QString();
    QTest::newRow("urlencode percent") << u"{{ s|urlencode }}"_s << u"{\"s\": \"100%\"}"_s << u"100%25"_s << QString();
    QTest::newRow("iriencode keeps reserved") << u"{{ s|iriencode }}"_s << u"{\"s\": \"a b#c[d]~\\\"{}|^\"}"_s << u"a%20b#c[d]~%22%7B%7D%7C%5E"_s << QString();
    QTest::newRow("slugify unicode digits") << u"{{ s|slugify }}"_s << u"{\"s\": \"A\u00B2 \u00BD x\"}"_s << u"a2-12-x"_s << QString();
    QTest::newRow("slugify tab newline") << u"{{ s|slugify }}"_s << u"{\"s\": \"a\\tb\\nc\"}"_s << u"a-b-c"_s << QString();
    QTest::newRow("add float and float") << u"{{ a|add:b }}"_s << u"{\"a\": 1.5, \"b\": 2.5}"_s << u"3"_s << QString();
    QTest::newRow("add list and string") << u"[{{ l|add:'x' }}]"_s << u"{\"l\": [1]}"_s << u"[]"_s << QString();
    QTest::newRow("add string float") << u"{{ s|add:1 }}"_s << u"{\"s\": \"2.5\"}"_s << u""_s << QString();
    QTest::newRow("add bool result") << u"{{ a|add:b }}"_s << u"{\"a\": true, \"b\": true}"_s << u"2"_s << QString();
    QTest::newRow("pluralize bool") << u"{{ a|pluralize }}|{{ b|pluralize }}"_s << u"{\"a\": true, \"b\": false}"_s << u"|s"_s << QString();
    QTest::newRow("pluralize map") << u"{{ m|pluralize }}"_s << u"{\"m\": {\"a\": 1}}"_s << u""_s << QString();
    QTest::newRow("pluralize int arg fails") << u"[{{ n|pluralize:5 }}]"_s << u"{\"n\": 2}"_s << QString() << u"test.html:1:7: pluralize needs text suffixes, not 5"_s;
    QTest::newRow("yesno list") << u"{{ a|yesno }} {{ b|yesno }}"_s << u"{\"a\": [], \"b\": [0]}"_s << u"no yes"_s << QString();
    QTest::newRow("yesno missing arg variable") << u"{{ b|yesno:'a,b,' }}{{ n|yesno:'a,b,' }}|"_s << u"{\"b\": 0, \"n\": null}"_s << u"b|"_s << QString();
    QTest::newRow("join nested lists") << u"{{ l|join:',' }}"_s << u"{\"l\": [[1], null, true]}"_s << u"[1],None,True"_s << QString();
    QTest::newRow("join safe string items") << u"{{ s|safe|join:'-' }}"_s << u"{\"s\": \"<>\"}"_s << u"&lt;-&gt;"_s << QString();
    QTest::newRow("first of map fails") << u"{{ m|first }}"_s << u"{\"m\": {\"a\": 1}}"_s << QString() << u"test.html:1:6: '{'a': 1}' is not subscriptable by position"_s;
    QTest::newRow("slice with spaces") << u"{{ l|slice:' 1 : 2 ' }}"_s << u"{\"l\": [1, 2, 3]}"_s << u"[2]"_s << QString();
    QTest::newRow("slice too many parts") << u"{{ l|slice:'1:2:1:1' }}"_s << u"{\"l\": [1, 2, 3]}"_s << u"[1, 2, 3]"_s << QString();
    QTest::newRow("slice negative step clamps") << u"{{ l|slice:'10::-2' }} {{ l|slice:':-10:-1' }}"_s << u"{\"l\": [1, 2, 3, 4]}"_s << u"[4, 2] [4, 3, 2, 1]"_s << QString();
    QTest::newRow("slice of map unchanged") << u"{{ m|slice:'1' }}"_s << u"{\"m\": {\"a\": 1}}"_s << u"{&#x27;a&#x27;: 1}"_s << QString();
    QTest::newRow("dictsort numeric string key") << u"{{ l|dictsort:'1' }}"_s << u"{\"l\": [{\"1\": \"b\"}, {\"1\": \"a\"}]}"_s << u"[{&#x27;1&#x27;: &#x27;a&#x27;}, {&#x27;1&#x27;: &#x27;b&#x27;}]"_s << QString();
    QTest::newRow("dictsort by index on strings") << u"{{ l|dictsort:1 }}"_s << u"{\"l\": [\"ab\", \"ba\"]}"_s << u"[&#x27;ba&#x27;, &#x27;ab&#x27;]"_s << QString();
    QTest::newRow("dictsort nested lists") << u"{% for p in l|dictsort:'k' %}{{ p.n }}{% endfor %}"_s << u"{\"l\": [{\"k\": [1, 2], \"n\": \"a\"}, {\"k\": [1], \"n\": \"b\"}, {\"k\": [0, 5], \"n\": \"c\"}]}"_s << u"cba"_s << QString();
    QTest::newRow("dictsort float int mix") << u"{% for p in l|dictsort:'k' %}{{ p.k }},{% endfor %}"_s << u"{\"l\": [{\"k\": 2}, {\"k\": 1.5}, {\"k\": true}]}"_s << u"True,1.5,2,"_s << QString();
    QTest::newRow("dictsort of string") << u"[{{ s|dictsort:'a' }}]"_s << u"{\"s\": \"ab\"}"_s << u"[]"_s << QString();
    QTest::newRow("dictsort null keys") << u"[{{ l|dictsort:'k' }}]"_s << u"{\"l\": [{\"k\": null}, {\"k\": null}]}"_s << u"[]"_s << QString();
    QTest::newRow("dictsort single item no compare") << u"{{ l|dictsort:'k' }}"_s << u"{\"l\": [{\"k\": null}]}"_s << u"[{&#x27;k&#x27;: None}]"_s << QString();
    QTest::newRow("filesizeformat bool") << u"{{ b|filesizeformat }}"_s << u"{\"b\": true}"_s << u"1\u00A0byte"_s << QString();
    QTest::newRow("filesizeformat boundary") << u"{{ a|filesizeformat }}|{{ b|filesizeformat }}"_s << u"{\"a\": 1048575, \"b\": 1073741823}"_s << u"1024.0\u00A0KB|1024.0\u00A0MB"_s << QString();
    QTest::newRow("filesizeformat half even") << u"{{ a|filesizeformat }}|{{ b|filesizeformat }}"_s << u"{\"a\": 1126, \"b\": 1177}"_s << u"1.1\u00A0KB|1.1\u00A0KB"_s << QString();
    QTest::newRow("json_script list of maps") << u"{{ l|json_script:'l' }}"_s << u"{\"l\": [{\"a\": {\"c\": []}, \"b\": 1}, -0.0, 10]}"_s << u"<script id=\"l\" type=\"application/json\">[{\"a\": {\"c\": []}, \"b\": 1}, -0.0, 10]</script>"_s << QString();
    QTest::newRow("json_script control chars") << u"{{ s|json_script:'c' }}"_s << u"{\"s\": \"\\u0001\\b\\f\\r\\t\u007F/\"}"_s << u"<script id=\"c\" type=\"application/json\">\"\\u0001\\b\\f\\r\\t\\u007f/\"</script>"_s << QString();
    QTest::newRow("escapejs all controls") << u"{{ s|escapejs }}"_s << u"{\"s\": \"\\u0000\\u001f\u007F\u2029\"}"_s << u"\\u0000\\u001F\u007F\\u2029"_s << QString();
    QTest::newRow("center unicode") << u"[{{ s|center:5 }}]"_s << u"{\"s\": \"\u00E9\"}"_s << u"[  \u00E9  ]"_s << QString();
    QTest::newRow("cut unicode") << u"{{ s|cut:'\u00E9' }}"_s << u"{\"s\": \"caf\u00E9 \u00E9t\u00E9\"}"_s << u"caf t"_s << QString();
    QTest::newRow("wordcount leading spaces") << u"{{ s|wordcount }}"_s << u"{\"s\": \"   \"}"_s << u"0"_s << QString();
    QTest::newRow("make_list list") << u"{{ l|make_list }}"_s << u"{\"l\": [1, 2]}"_s << u"[&#x27;[&#x27;, &#x27;1&#x27;, &#x27;,&#x27;, &#x27; &#x27;, &#x27;2&#x27;, &#x27;]&#x27;]"_s << QString();
    QTest::newRow("lower then upper") << u"{{ s|lower|upper }}"_s << u"{\"s\": \"\u0130\"}"_s << u"I\u0307"_s << QString();
    QTest::newRow("divisibleby zero fails") << u"{{ n|divisibleby:0 }}"_s << u"{\"n\": 4}"_s << QString() << u"test.html:1:6: divisibleby: integer division or modulo by zero"_s;
    QTest::newRow("truncatewords unicode spaces") << u"{{ s|truncatewords:2 }}"_s << u"{\"s\": \"a\u00A0b\u3000c d\"}"_s << u"a b \u2026"_s << QString();

    // errors Django does not catch (TypeError from int())
    QTest::newRow("truncatechars null arg fails") << u"{{ s|truncatechars:n }}"_s << u"{\"n\": null, \"s\": \"abc\"}"_s << QString() << u"test.html:1:6: the length must be a number, not None"_s;
    QTest::newRow("truncatewords list arg fails") << u"{{ s|truncatewords:l }}"_s << u"{\"l\": [1], \"s\": \"abc\"}"_s << QString() << u"test.html:1:6: the length must be a number, not [1]"_s;
    QTest::newRow("floatformat null arg fails") << u"{{ f|floatformat:n }}"_s << u"{\"f\": 1.5, \"n\": null}"_s << QString() << u"test.html:1:6: floatformat needs a number of places, not None"_s;
    QTest::newRow("get_digit null value fails") << u"{{ n|get_digit:1 }}"_s << u"{\"n\": null}"_s << QString() << u"test.html:1:6: get_digit needs a number, not None"_s;
    QTest::newRow("get_digit bad position wins") << u"{{ n|get_digit:'x' }}"_s << u"{\"n\": null}"_s << u"None"_s << QString();
    QTest::newRow("ljust null width fails") << u"{{ s|ljust:n }}"_s << u"{\"n\": null, \"s\": \"a\"}"_s << QString() << u"test.html:1:6: the width must be an integer, not 'None'"_s;
    QTest::newRow("add safe strings stay safe") << u"{{ s|linebreaks|slice:':2'|add:'1' }}"_s << u"{\"s\": \"\"}"_s << u"<p1"_s << QString();
    QTest::newRow("add unsafe side escapes") << u"{{ s|safe|add:t }}"_s << u"{\"s\": \"<\", \"t\": \">\"}"_s << u"&lt;&gt;"_s << QString();
    QTest::newRow("floatformat bad input wins over bad arg") << u"[{{ s|floatformat:n }}]"_s << u"{\"n\": null, \"s\": \"x\"}"_s << u"[]"_s << QString();

    // characters outside the BMP count once, as in Python
    QTest::newRow("ljust astral") << u"[{{ s|ljust:3 }}][{{ s|rjust:3 }}][{{ s|center:4 }}]"_s << u"{\"s\": \"\U0001F600\"}"_s << u"[\U0001F600  ][  \U0001F600][ \U0001F600  ]"_s << QString();
    QTest::newRow("stringformat astral") << u"[{{ s|stringformat:'3s' }}][{{ t|stringformat:'.1s' }}]"_s << u"{\"s\": \"\U0001F600\", \"t\": \"\U0001F600x\"}"_s << u"[  \U0001F600][\U0001F600]"_s << QString();
    QTest::newRow("truncatechars astral") << u"{{ s|truncatechars:2 }}"_s << u"{\"s\": \"\U0001F600\U0001F601\U0001F602\"}"_s << u"\U0001F600\u2026"_s << QString();
    QTest::newRow("wordwrap astral") << u"{{ s|wordwrap:3 }}"_s << u"{\"s\": \"\U0001F600\U0001F600 \U0001F600\"}"_s << u"\U0001F600\U0001F600\n\U0001F600"_s << QString();
    QTest::newRow("make_list astral") << u"{{ s|make_list|length }}"_s << u"{\"s\": \"\U0001F600a\"}"_s << u"2"_s << QString();
    QTest::newRow("length astral") << u"{{ s|length }} {{ s|slice:'1:' }} {{ s|first }}{{ s|last }}"_s << u"{\"s\": \"\U0001F600ab\"}"_s << u"3 ab \U0001F600b"_s << QString();

    // more edge cases
    QTest::newRow("wordcount tricky") << u"{{ s|wordcount }}"_s << u"{\"s\": \"a\\u001cb\u0085c\u200Bd\"}"_s << u"3"_s << QString();
    QTest::newRow("title tricky") << u"{{ s|title }}"_s << u"{\"s\": \"\u01C6x abc\u0301d a_b 'q' x-y\"}"_s << u"\u01C5x Abc\u0301D A_B &#x27;Q&#x27; X-Y"_s << QString();
    QTest::newRow("upper ligature") << u"{{ s|upper }} {{ s|capfirst }}"_s << u"{\"s\": \"\uFB01x\"}"_s << u"FIX FIx"_s << QString();
    QTest::newRow("striptags tricky") << u"{{ s|striptags }}"_s << u"{\"s\": \"<a title='x>y'>t</a><p data-x=a>b>c</p><3\"}"_s << u"tb&gt;c&lt;3"_s << QString();
    QTest::newRow("length_is astral") << u"{{ s|length_is:1 }}"_s << u"{\"s\": \"\U0001F600\"}"_s << u"True"_s << QString();
}

void TstFilters::render()
{
    QFETCH(QString, source);
    QFETCH(QString, context);
    QFETCH(QString, expected);
    QFETCH(QString, error);
    const auto result = renderTemplate(source, context);
    QCOMPARE(result.error, error);
    QCOMPARE(result.output, expected);
}

RILL_TEST_CLASS(TstFilters)
#include "tst_filters.moc"
