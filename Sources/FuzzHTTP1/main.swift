// libFuzzer harness for the HTTP/1.1 parsers. Built only with
// `scripts/fuzz` (a `-sanitize=fuzzer` build in its own scratch path); a
// normal build links too, thanks to the weak driver symbol, and exits 2.
//
// Input layout: the first byte picks a split point (scaled over the rest),
// the rest is wire bytes. Each parser must survive the bytes, and feeding
// them in two parts must give exactly what one whole append gives: a
// resumable parser that depends on how bytes arrive is a smuggling bug.
import CFuzzDriver
import Glibc
import HTTP1

/// What a parser produced from some input, compared field by field.
struct RequestTrace: Equatable {
    var requests: [String] = []
    var error: HTTP1Error?
}

func describe(_ request: HTTPRequest) -> String {
    var text = "\(request.method.name) \(request.target) \(request.version.text)\n"
    for field in request.headers { text += "\(field.name): \(field.value)\n" }
    text += "body(\(request.body.count)): \(request.body)"
    return text
}

func describe(_ response: HTTPResponse) -> String {
    var text = "\(response.status)\n"
    for field in response.headers { text += "\(field.name): \(field.value)\n" }
    text += "body(\(response.body.count)): \(response.body)"
    return text
}

func traceRequests(_ parts: [UnsafeBufferPointer<UInt8>]) -> RequestTrace {
    // Small limits so the limit paths are reachable within -max_len.
    var parser = HTTPRequestParser(
        limits: HTTP1Limits(maxRequestLineBytes: 512, maxHeaderBytes: 2048, maxHeaderCount: 16, maxBodyBytes: 4096))
    var trace = RequestTrace()
    for part in parts {
        parser.append(UnsafeRawBufferPointer(part))
        do {
            while let request = try parser.next() {
                trace.requests.append(describe(request))
                _ = request.keepAlive
            }
            if parser.expectsContinue { parser.acknowledgeContinue() }
            _ = (parser.isMidRequest, parser.isReadingBody, parser.bufferedByteCount)
        } catch {
            trace.error = error
            break
        }
    }
    return trace
}

func traceResponses(_ parts: [UnsafeBufferPointer<UInt8>], method: HTTPMethod) -> RequestTrace {
    var parser = HTTPResponseParser(maxHeaderBytes: 2048, maxBodyBytes: 4096)
    var trace = RequestTrace()
    do {
        for part in parts {
            parser.append(UnsafeRawBufferPointer(part))
            while let response = try parser.next(for: method) { trace.requests.append(describe(response)) }
        }
        while let response = try parser.finish(for: method) { trace.requests.append(describe(response)) }
    } catch {
        trace.error = error
    }
    return trace
}

func disagree(_ what: String) -> Never {
    _ = what.withCString { write(2, $0, strlen($0)) }
    abort()
}

@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data, size > 0 else { return 0 }
    let wire = UnsafeBufferPointer(start: data + 1, count: size - 1)
    let offset = Int(data[0]) * wire.count / 255
    let head = UnsafeBufferPointer(rebasing: wire[..<offset])
    let tail = UnsafeBufferPointer(rebasing: wire[offset...])

    if traceRequests([wire]) != traceRequests([head, tail]) {
        disagree("FuzzHTTP1: request parser differs when split at \(offset)\n")
    }
    let method: HTTPMethod = data[0] & 1 == 0 ? .get : .head
    if traceResponses([wire], method: method) != traceResponses([head, tail], method: method) {
        disagree("FuzzHTTP1: response parser differs when split at \(offset)\n")
    }
    return 0
}

guard cfuzz_have_libfuzzer() != 0 else {
    let message = "FuzzHTTP1: not a fuzz build; use scripts/fuzz\n"
    _ = message.withCString { write(2, $0, strlen($0)) }
    exit(2)
}
var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzzOne(data, size) })
