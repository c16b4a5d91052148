#pragma once

// For the window tests: is a screenshot a picture, or blank?

#include <QImage>
#include <QSet>

namespace RillTest {

//! Distinct colours in \a image, counting up to \a cap (a blank one has 1).
inline int distinctColours(const QImage &image, int cap = 64)
{
    QSet<QRgb> seen;
    const QImage img = image.convertToFormat(QImage::Format_RGB32);
    for (int y = 0; y < img.height(); ++y) {
        const auto *line = reinterpret_cast<const QRgb *>(img.constScanLine(y));
        for (int x = 0; x < img.width(); ++x) {
            seen.insert(line[x]);
            if (seen.size() >= cap)
                return cap;
        }
    }
    return int(seen.size());
}

} // namespace RillTest
