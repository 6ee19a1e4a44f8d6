// libFuzzer harness for the HTTP/1.1 parsing code. Built only with
// `scripts/fuzz` (a `-sanitize=fuzzer` build in its own scratch path); a
// normal build links too, thanks to the weak driver symbol, and exits 2.
import CFuzzDriver
import Glibc
import HTTP1

@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let bytes = UnsafeBufferPointer(start: data, count: size)
    _ = URLEncoding.parseForm(Array(bytes))
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
