/// Request ids: a client's own when it is safe to log and echo, otherwise
/// one from a per-loop generator (ids need to be unique, not secret, so a
/// fast PRNG seeded once from the kernel avoids a syscall per request).
struct RequestIDGenerator {
    private var state: UInt64

    init() {
        var system = SystemRandomNumberGenerator()
        state = system.next()
    }

    /// SplitMix64: full period, good enough spread for identifiers.
    private mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// 32 lowercase hex digits.
    mutating func generate() -> String {
        let high = next(), low = next()
        return String(unsafeUninitializedCapacity: 32) { buffer in
            let digits: StaticString = "0123456789abcdef"
            let table = digits.utf8Start
            for index in 0..<16 {
                buffer[index] = table[Int((high >> UInt64(60 - 4 * index)) & 0xF)]
                buffer[16 + index] = table[Int((low >> UInt64(60 - 4 * index)) & 0xF)]
            }
            return 32
        }
    }

    /// A client-sent id is kept when it has 1–128 bytes of visible ASCII
    /// (no spaces or controls that could forge a log line).
    static func isAcceptable(_ id: String) -> Bool {
        let bytes = id.utf8
        return !bytes.isEmpty && bytes.count <= 128 && bytes.allSatisfy { $0 >= 0x21 && $0 <= 0x7E }
    }
}
