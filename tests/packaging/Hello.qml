// Served by the installed rill-view in tests/packaging/test_debs.sh: proves
// `import Rill` resolves to the packaged QML module.
import Rill

LiveView {
    property string who: "packages"
    templateSource: "<p id=\"hello\">Hello from {{ who }}</p>"
}
