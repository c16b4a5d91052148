// A LiveServer file that also declares a LiveWindow, as a desktop app would:
// rill-view --serve must serve it without making the window's browser.
import QtQml
import Rill

LiveServer {
    id: server
    port: 0
    Route {
        path: "/"
        view: Component {
            LiveView {
                property int count: 0
                templateSource: `<p id="n">{{ count }}</p><button dj-click="add">+</button>`
                function add(params) { count += 1 }
            }
        }
    }
    property LiveWindow window: LiveWindow { server: server; path: "/" }
}
