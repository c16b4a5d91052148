#pragma once

// Markdown documents for the streaming tests: hand-written ones shaped like
// LLM answers and the tricky cases of the block rule, plus a generator that
// joins random fragments with random separators, so fragments meet in
// orders nobody wrote by hand (a list right before a fence, a table right
// after a quote, ...).

#include <QRandomGenerator>
#include <QStringList>

using namespace Qt::StringLiterals;

namespace MarkdownDocs {

inline QStringList handWritten()
{
    return {
        u"Hello **world**.\n\nSecond paragraph with `code`.\n"_s,
        u"# Title\n\nIntro text:\n```python\ndef f():\n\n    return 1\n```\nAfter the code.\n\nEnd."_s,
        u"Steps:\n\n1. Install\n2. Run\n\n3. Profit\n\nDone.\n"_s,
        u"- a\n- b\n\n  continued b\n\n- c\n\nOutside.\n"_s,
        u"1. Install:\n   ```bash\n   pip install x\n\n   pip install y\n   ```\n2. Run it\n\nText after.\n"_s,
        u"- item\n```\ntop-level fence after a list\n\nstill code\n```\n\nafter\n"_s,
        u"> quote one\n\n> quote two\n\nplain\n"_s,
        u"> quote\n```\nfence ends the quote\n\nblank inside\n```\nafter\n"_s,
        u"| a | b |\n|---|---|\n| 1 | 2 |\n\n| c |\n|---|\n| 3 |\n"_s,
        u"    indented code\n\n    more code\n\nparagraph\n\n    code again\n"_s,
        u"Title\n=====\n\nSub\n---\n\n***\n\n* * *\n\ntext\n"_s,
        u"````md\n```\nnested fence text\n```\n````\n\n~~~\ntilde\n\n~~~\n"_s,
        u"``` a`b\nnot a fence\n```\nreal fence now\n\n```\n"_s,
        u"```js\nunclosed fence\n\nto the end"_s,
        u"para\r\n\r\n- crlf list\r\n- item\r\n\r\nend\r\n"_s,
        u"emoji \U0001F600 and \u00E9t\u00E9\n\n\U0001F680 rocket\n"_s,
        u"[link](https://e.com) and [bad](javascript:x)\n\n![img](data:x)\n"_s,
        u"- [x] task\n- [ ] open\n\n- [ ] loose\n"_s,
        u"Math $a^2 + b^2$ inline\n\n$$\n\\sum_{i=1}^n i\n$$\n\nand $$x$$ then $5 and $6\n"_s,
        u"- outer\n  - inner\n\n    inner para\n\n  - inner 2\n- outer 2\n"_s,
        u"> - list in quote\n>\n> - second\n\n>   ```\n>   code in quote\n>   ```\n"_s,
        u"text\n    not code\n\n  \n\t\nafter whitespace lines\n"_s,
        u"- ```\n  code in item\n\n  more\n  ```\n\nout\n"_s,
        u"```\n```\n```\n```\n\n"_s,
        u"\n\n\nleading blanks\n\n\n\ntrailing blanks\n\n\n"_s,
        u"2024. was a year\n\nnext\n"_s,
        u"<div>raw\n\n</div>\n\n<script>x</script>\n"_s,
        u"a | b\n--|--\n1 | 2\n```\ncode after table\n```\n"_s,
    };
}

inline QString randomDocument(QRandomGenerator &random)
{
    static const QStringList fragments = {
        u"Plain paragraph with *emphasis* and `code`."_s,
        u"Two line\nparagraph."_s,
        u"# Heading"_s,
        u"Setext\n---"_s,
        u"- a\n- b"_s,
        u"- a\n\n- b"_s,
        u"1. one\n2. two"_s,
        u"3) three"_s,
        u"- item\n  ```py\n  x = 1\n\n  y = 2\n  ```"_s,
        u"* nested\n  * deeper\n\n    para in deeper"_s,
        u"```python\nprint(1)\n\nprint(2)\n```"_s,
        u"~~~~\n~~~\nstill code\n~~~~"_s,
        u"```\n```"_s,
        u"    indented\n\n    code"_s,
        u"> quote\nlazy"_s,
        u"> ```\n> code in quote\n> ```"_s,
        u"| h | i |\n|---|---|\n| 1 | 2 |"_s,
        u"---"_s,
        u"***"_s,
        u"[a](https://e.com) [b](javascript:x) <https://f.org>"_s,
        u"- [ ] task"_s,
        u"Text **bold\nacross** lines"_s,
        u"<b>raw</b> & \U0001F600"_s,
        u"   \t  "_s,
    };
    static const QStringList separators = {u"\n"_s, u"\n\n"_s, u"\n\n\n"_s, u"\n \n"_s, u"\r\n\r\n"_s};
    QString doc;
    const int count = 2 + random.bounded(10);
    for (int i = 0; i < count; ++i) {
        if (i)
            doc += separators.at(random.bounded(separators.size()));
        doc += fragments.at(random.bounded(fragments.size()));
    }
    if (random.bounded(2))
        doc += u'\n';
    return doc;
}

//! Cuts \a text into pieces of 1 to \a maxPiece UTF-16 units (surrogate pairs may be cut).
inline QStringList randomSplit(const QString &text, QRandomGenerator &random, int maxPiece)
{
    QStringList pieces;
    for (qsizetype i = 0; i < text.size();) {
        const qsizetype n = 1 + random.bounded(maxPiece);
        pieces.append(text.mid(i, n));
        i += n;
    }
    return pieces;
}

} // namespace MarkdownDocs
