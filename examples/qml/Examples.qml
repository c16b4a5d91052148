// The seed's two examples on one server, in QML:
//   rill-view --serve examples/qml/Examples.qml --port 8000 --tokens 300 --tokens-per-second 40
//   /chat  the LLM chat with error handling (an offline token source)
//   /logs  the live log viewer, tailing --log-file
import QtQml
import Rill

LiveServer {
    id: server

    // The same flags as rill-examples (arguments after the file name).
    readonly property int tokens: parseInt(Rill.argument("tokens", "200"))
    readonly property real tokensPerSecond: parseFloat(Rill.argument("tokens-per-second", "50"))
    readonly property int failAfter: parseInt(Rill.argument("fail-after", "-1"))
    readonly property string logFile: Rill.argument("log-file", Rill.tempPath("rill-examples.log"))

    port: parseInt(Rill.argument("port", "8000"))
    batchInterval: parseInt(Rill.argument("batch-interval", "16"))
    pageTitle: "Rill examples"
    templatePaths: ["../templates"]

    Route {
        path: "/chat"
        view: Component {
            Chat {
                tokens: server.tokens
                tokensPerSecond: server.tokensPerSecond
                failAfter: server.failAfter
            }
        }
    }
    Route {
        path: "/logs"
        view: Component { Logs { logFile: server.logFile } }
    }

    Component.onCompleted: {
        if (!Rill.touch(logFile))
            console.error("rill-view: cannot create " + logFile)
    }
}
