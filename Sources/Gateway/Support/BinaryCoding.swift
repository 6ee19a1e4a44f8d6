import Crypto

/// Big-endian fixed-width integers for the small signed tokens (state, cursor).
enum BigEndian {
    static func append(_ value: UInt64, to bytes: inout [UInt8]) {
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }

    /// Reads 8 bytes at `offset`; the caller has checked the length.
    static func readUInt64(_ bytes: ArraySlice<UInt8>, at offset: Int) -> UInt64 {
        var value: UInt64 = 0
        for index in offset..<(offset + 8) { value = value << 8 | UInt64(bytes[bytes.startIndex + index]) }
        return value
    }
}


enum StrictBase64URL {
    /// Decodes only the canonical spelling: unused trailing bits must be
    /// zero, so one token has exactly one accepted text.
    static func decode(_ text: Substring) -> [UInt8]? {
        guard let bytes = ByteEncoding.fromBase64URL(String(text)), ByteEncoding.base64URL(bytes) == text else {
            return nil
        }
        return bytes
    }
}
