import Glibc
import HTTP1
import HTTPServer
import Logging

// bench-server PORT [--threads N] [--global-pool]  — serves
//   GET /healthz  "ok"
//   GET /json     a fixed 2,185-byte JSON document (gzip when asked)
// bench-server --print-json  — writes that document, for nginx to serve.

/// A deterministic document shaped like the gateway's measures answer.
func makeDocument() -> [UInt8] {
    var text = #"{"user_id":"u-1","measures":["#
    var index = 0
    while text.utf8.count < 2_100 {
        if index > 0 { text += "," }
        text += #"{"date":"2026-12-0\#(index % 9 + 1)T07:\#(10 + index % 50):00Z","type":"weight","value":"\#(70 + index % 7).\#(index % 10)","unit":"kg"}"#
        index += 1
    }
    text += #"],"more":false}"#
    return Array(text.utf8)
}

let arguments = CommandLine.arguments
if arguments.contains("--print-json") {
    let document = makeDocument()
    _ = document.withUnsafeBytes { write(1, $0.baseAddress, $0.count) }
    exit(0)
}
guard arguments.count >= 2, let port = Int(arguments[1]) else {
    let usage = "usage: bench-server PORT [--threads N] [--global-pool] | --print-json\n"
    _ = write(2, usage, usage.utf8.count)
    exit(2)
}

var configuration = HTTPServerConfiguration()
configuration.port = port
if let flag = arguments.firstIndex(of: "--threads"), flag + 1 < arguments.count, let threads = Int(arguments[flag + 1]) {
    configuration.threads = threads
}
configuration.runsHandlersOnLoop = !arguments.contains("--global-pool")
configuration.maxConnections = 20_000

let document = makeDocument()
var router = Router()
router.add(.get, "/healthz") { _, _ in HTTPResponse(status: 200, contentType: "text/plain", body: "ok") }
router.add(.get, "/json") { _, _ in
    HTTPResponse(status: 200, headers: ["Content-Type": "application/json"], body: document)
}
var logger = Logger(label: "bench-server")
logger.logLevel = .warning
let server = HTTPServer(configuration: configuration, router: router, logger: logger)
try await server.run()
