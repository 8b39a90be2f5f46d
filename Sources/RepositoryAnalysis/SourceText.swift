#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A TODO-style marker found in a file.
struct MarkerHit: Sendable, Hashable {
    /// The line, from 1.
    var line: Int
    /// `TODO`, `FIXME`, `HACK`, `XXX` or `BUG`.
    var kind: String
    /// The text after the marker, trimmed and shortened.
    var text: String
    /// The whole line, trimmed and shortened.
    var excerpt: String
}

/// Cheap, byte-level facts about a text file: its lines and its markers, in one pass.
enum SourceText {
    private static let keywords: [[UInt8]] = ["TODO", "FIXME", "HACK", "XXX", "BUG"].map { Array($0.utf8) }

    /// Whether the first 8,000 bytes contain a NUL, the test `git` itself uses for binary content.
    static func isBinary(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let base = bytes.baseAddress else { return false }
        return memchr(base, 0, min(bytes.count, 8000)) != nil
    }

    /// Counts lines (a last line without a newline counts) and finds markers.
    ///
    /// A marker is one of the keywords as a whole, upper-case word inside a comment: after `//`, `/*`, `#`, `--`
    /// or `<!--` on the same line, or on a line whose first non-blank character is `*`, `;` or `%`. Text in
    /// string literals and prose is thus mostly left alone, unlike a plain `git grep`.
    static func scan(_ bytes: UnsafeRawBufferPointer) -> (lines: Int, markers: [MarkerHit]) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return (0, []) }
        let count = bytes.count
        // Candidates are found with memchr on each keyword's first letter (vectorised in the C library), then
        // checked; lines are counted with memchr too. Most files have no marker at all, so this is mostly two or
        // three fast passes over the bytes.
        var candidates: [Int] = []
        for first in [UInt8(ascii: "T"), UInt8(ascii: "F"), UInt8(ascii: "H"), UInt8(ascii: "X"), UInt8(ascii: "B")] {
            var start = 0
            while start < count, let found = memchr(base + start, Int32(first), count - start) {
                let position = base.distance(to: UnsafeRawPointer(found))
                if keyword(at: position, in: bytes) != nil { candidates.append(position) }
                start = position + 1
            }
        }
        candidates.sort()
        var markers: [MarkerHit] = []
        var lines = 0
        var lineStart = 0
        var position = 0
        for candidate in candidates + [count] {
            // Count the newlines up to the candidate, remembering where its line starts.
            while position < candidate,
                let found = memchr(base + position, Int32(UInt8(ascii: "\n")), candidate - position)
            {
                lines += 1
                position = base.distance(to: UnsafeRawPointer(found)) + 1
                lineStart = position
            }
            position = candidate
            guard candidate < count, let (keyword, end) = keyword(at: candidate, in: bytes),
                isInComment(bytes, from: lineStart, to: candidate)
            else { continue }
            markers.append(marker(keyword, line: lines + 1, lineStart: lineStart, keywordEnd: end, in: bytes))
        }
        // A last line without a newline still counts.
        return (bytes[count - 1] == UInt8(ascii: "\n") ? lines : lines + 1, markers)
    }

    private static func isWordByte(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) || byte == 0x5F
    }

    private static func keyword(at index: Int, in bytes: UnsafeRawBufferPointer) -> (String, Int)? {
        if index > 0, isWordByte(bytes[index - 1]) { return nil }
        for keyword in keywords where index + keyword.count <= bytes.count {
            var matches = true
            for offset in 0..<keyword.count where bytes[index + offset] != keyword[offset] {
                matches = false
                break
            }
            guard matches else { continue }
            let end = index + keyword.count
            if end < bytes.count, isWordByte(bytes[end]) { return nil }
            return (String(decoding: keyword, as: UTF8.self), end)
        }
        return nil
    }

    /// Whether a comment opens between `start` (the line's start) and `end` (the marker), outside string literals:
    /// `"// TODO"` in code, or `"#" + TODO_COUNT`, is not a marker. Strings are those in double quotes or
    /// backticks; a single quote is too often an apostrophe or a lifetime to count.
    private static func isInComment(_ bytes: UnsafeRawBufferPointer, from start: Int, to end: Int) -> Bool {
        var first: UInt8?
        var quote: UInt8?
        var position = start
        while position < end {
            let byte = bytes[position]
            if let open = quote {
                if byte == UInt8(ascii: "\\") {
                    position += 2
                    continue
                }
                if byte == open { quote = nil }
                position += 1
                continue
            }
            if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "`") {
                quote = byte
                first = first ?? byte
                position += 1
                continue
            }
            if first == nil, byte != 0x20, byte != 0x09 {
                first = byte
                if byte == UInt8(ascii: "*") || byte == UInt8(ascii: ";") || byte == UInt8(ascii: "%") { return true }
            }
            if byte == UInt8(ascii: "#") { return true }
            if position + 1 < end {
                let next = bytes[position + 1]
                if byte == UInt8(ascii: "/"), next == UInt8(ascii: "/") || next == UInt8(ascii: "*") { return true }
                if byte == UInt8(ascii: "-"), next == UInt8(ascii: "-") { return true }
                if byte == UInt8(ascii: "<"), next == UInt8(ascii: "!") { return true }
            }
            position += 1
        }
        return false
    }

    private static func marker(
        _ kind: String, line: Int, lineStart: Int, keywordEnd: Int, in bytes: UnsafeRawBufferPointer
    ) -> MarkerHit {
        var lineEnd = keywordEnd
        while lineEnd < bytes.count, bytes[lineEnd] != UInt8(ascii: "\n") { lineEnd += 1 }
        var textStart = keywordEnd
        // An owner or ticket in parentheses right after the marker, `TODO(alice):`, is not part of the text.
        if textStart < lineEnd, bytes[textStart] == UInt8(ascii: "(") {
            var close = textStart
            while close < lineEnd, bytes[close] != UInt8(ascii: ")") { close += 1 }
            if close < lineEnd { textStart = close + 1 }
        }
        while textStart < lineEnd, [0x20, 0x09, UInt8(ascii: ":"), UInt8(ascii: "-")].contains(bytes[textStart]) {
            textStart += 1
        }
        var text = decode(bytes, textStart, lineEnd)
        for closer in ["*/", "-->"] where text.hasSuffix(closer) {
            text = String(text.dropLast(closer.count)).trimmingWhitespace()
        }
        return MarkerHit(
            line: line, kind: kind, text: shorten(text), excerpt: shorten(decode(bytes, lineStart, lineEnd)))
    }

    private static func decode(_ bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> String {
        String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self).trimmingWhitespace()
    }

    /// At most 200 characters, so one odd line cannot bloat a report.
    static func shorten(_ text: String) -> String {
        text.count <= 200 ? text : String(text.prefix(199)) + "…"
    }
}

extension String {
    /// The string without leading and trailing spaces, tabs and line breaks.
    func trimmingWhitespace() -> String {
        // Byte-wise: the characters trimmed are ASCII, so UTF-8 positions next to them are character boundaries.
        let isSpace: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D || $0 == 0x0A }
        guard let first = utf8.firstIndex(where: { !isSpace($0) }), let last = utf8.lastIndex(where: { !isSpace($0) })
        else {
            return ""
        }
        let end = utf8.index(after: last)
        if first == utf8.startIndex, end == utf8.endIndex { return self }
        return String(self[first..<end])
    }
}
