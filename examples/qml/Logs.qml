// The seed's "Live Log Viewer" as a QML view: the same template and
// behaviour as examples/rill-examples/logview.cpp.
import Rill

LiveView {
    // Set by whoever routes here (Examples.qml: --log-file).
    property string logFile: Rill.tempPath("rill-examples.log")

    templateName: "logs_page.html"

    function start_tail(params) {
        streamStart("logs")
        // Resolves when the page is gone for good; until then every new line
        // of the file arrives here.
        return tailFile(logFile, function (line) {
            const levelClass = line.indexOf("ERROR") >= 0 ? "error" : "info"
            streamInsert("logs", '<div class="log-line ' + levelClass + '">' + Rill.escapeHtml(line) + '</div>')
        }).then(function () {
            streamDone("logs")
        })
    }
}
