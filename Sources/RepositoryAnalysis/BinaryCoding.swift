/// A compact little-endian encoding for the caches: LEB128 variable-length integers and length-prefixed UTF-8.
///
/// The caches hold tens of thousands of records and are read on every run, so they are read without any parsing
/// library: a warm run must cost a few percent of a cold one.
struct BinaryWriter {
    /// The bytes written so far.
    private(set) var bytes: [UInt8] = []

    /// Appends an unsigned integer in LEB128.
    mutating func unsigned(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    /// Appends a non-negative count.
    mutating func count(_ value: Int) {
        unsigned(UInt64(max(value, 0)))
    }

    /// Appends a signed integer, zig-zag encoded so that small negative numbers stay small.
    mutating func signed(_ value: Int64) {
        unsigned(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    /// Appends a string as its UTF-8 length and bytes.
    mutating func string(_ value: String) {
        var value = value
        value.withUTF8 { buffer in
            count(buffer.count)
            bytes.append(contentsOf: buffer)
        }
    }

    /// Appends raw bytes.
    mutating func raw(_ value: [UInt8]) {
        bytes.append(contentsOf: value)
    }

    /// Appends an unsigned integer as eight little-endian bytes, for values a reader must find at a known place.
    mutating func fixed(_ value: UInt64) {
        for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> shift)) }
    }
}

/// Reads what `BinaryWriter` wrote; any inconsistency is an error, never a crash, because a cache file may be
/// truncated or written by another version.
struct BinaryReader {
    /// The input is not what the writer produces.
    struct Malformed: Error {}

    private let bytes: [UInt8]
    /// Where the next read starts.
    private(set) var offset: Int

    /// Reads `bytes` from `offset` on.
    init(_ bytes: [UInt8], at offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    /// Whether every byte has been read.
    var isAtEnd: Bool { offset == bytes.count }

    /// Reads an unsigned LEB128 integer.
    mutating func unsigned() throws -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while offset < bytes.count, shift < 64 {
            let byte = bytes[offset]
            offset += 1
            result |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return result }
            shift += 7
        }
        throw Malformed()
    }

    /// Reads a count, refusing values that could not describe anything in the remaining input.
    mutating func count() throws -> Int {
        let value = try unsigned()
        guard value <= UInt64(bytes.count) else { throw Malformed() }
        return Int(value)
    }

    /// Reads a zig-zag encoded signed integer.
    mutating func signed() throws -> Int64 {
        let value = try unsigned()
        return Int64(bitPattern: (value >> 1) ^ (0 &- (value & 1)))
    }

    /// Reads a length-prefixed UTF-8 string.
    mutating func string() throws -> String {
        let length = try count()
        guard offset + length <= bytes.count else { throw Malformed() }
        let value = bytes.withUnsafeBufferPointer {
            String(decoding: UnsafeBufferPointer(rebasing: $0[offset..<(offset + length)]), as: UTF8.self)
        }
        offset += length
        return value
    }

    /// Moves past a length-prefixed string without decoding it.
    mutating func skipString() throws {
        let length = try count()
        guard offset + length <= bytes.count else { throw Malformed() }
        offset += length
    }

    /// Reads what `BinaryWriter.fixed` wrote.
    mutating func fixed() throws -> UInt64 {
        guard offset >= 0, offset + 8 <= bytes.count else { throw Malformed() }
        defer { offset += 8 }
        return (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[offset + $1]) << (8 * $1) }
    }

    /// Reads `count` raw bytes.
    mutating func raw(_ count: Int) throws -> [UInt8] {
        guard offset + count <= bytes.count else { throw Malformed() }
        defer { offset += count }
        return Array(bytes[offset..<(offset + count)])
    }
}
