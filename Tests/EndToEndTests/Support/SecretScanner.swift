import Foundation

/// Finds which of many secrets occur in a file, in one pass: every secret
/// the stack knows (random hex, base64url keys, tokens) is made of
/// `[A-Za-z0-9_-]`, so only runs of those bytes can hold one; each run is
/// checked window by window against a hash set per secret length. This
/// keeps thousands of tokens against megabytes of logs and write-ahead log fast.
struct SecretScanner {
    private var byLength: [Int: [[UInt8]: String]] = [:]
    /// Secrets outside the alphabet, searched for plainly.
    private var others: [(kind: String, bytes: Data)] = []

    init(_ secrets: [(kind: String, value: String)]) {
        for (kind, value) in secrets where !value.isEmpty {
            let bytes = Array(value.utf8)
            if bytes.allSatisfy(Self.inAlphabet) {
                byLength[bytes.count, default: [:]][bytes] = kind
            } else {
                others.append((kind, Data(bytes)))
            }
        }
    }

    static func inAlphabet(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"):
            true
        default:
            false
        }
    }

    /// The kinds of secret present in `data` (each at most once).
    func kinds(foundIn data: Data) -> Set<String> {
        var found: Set<String> = []
        let bytes = [UInt8](data)
        let lengths = byLength.keys.sorted()
        var index = 0
        while index < bytes.count {
            guard Self.inAlphabet(bytes[index]) else {
                index += 1
                continue
            }
            var end = index
            while end < bytes.count && Self.inAlphabet(bytes[end]) { end += 1 }
            for length in lengths where length <= end - index {
                let table = byLength[length]!
                for start in index...(end - length) {
                    if let kind = table[Array(bytes[start..<start + length])] { found.insert(kind) }
                }
            }
            index = end
        }
        for (kind, needle) in others where data.range(of: needle) != nil { found.insert(kind) }
        return found
    }
}
