import Foundation

extension StringProtocol {
    /// Whether `other` occurs in the text, compared byte for byte; an empty `other` never does, as with Foundation.
    ///
    /// `import Foundation` makes its `contains(_:)` the one a call finds, and that one goes through a CFString
    /// search: with the dozens of phrase checks the note rules make per marker, it took a fifth of a warm analysis.
    /// This overload is more specific, so every `text.contains("…")` in the module takes it. Texts are compared
    /// after `lowercased()` where case does not matter, as before.
    func contains(_ other: String) -> Bool {
        guard !other.isEmpty else { return false }
        let found = utf8.withContiguousStorageIfAvailable { text in
            other.utf8.withContiguousStorageIfAvailable { needle in
                Self.occurs(UnsafeRawBufferPointer(needle), in: UnsafeRawBufferPointer(text))
            }
        }
        if let found, let found { return found }
        return range(of: other) != nil
    }

    /// Whether `needle` (not empty) occurs in `text`: `memchr` finds each candidate first byte, `memcmp` checks
    /// the rest.
    private static func occurs(_ needle: UnsafeRawBufferPointer, in text: UnsafeRawBufferPointer) -> Bool {
        guard let base = text.baseAddress, let target = needle.baseAddress, text.count >= needle.count else {
            return false
        }
        let first = Int32(needle[0])
        var start = 0
        let last = text.count - needle.count
        while start <= last, let found = memchr(base + start, first, last - start + 1) {
            let offset = base.distance(to: UnsafeRawPointer(found))
            if memcmp(base + offset, target, needle.count) == 0 { return true }
            start = offset + 1
        }
        return false
    }
}

/// A regular expression compiled once, for the rules that test every marker or comment line against one: asking
/// `range(of:options: .regularExpression)` compiles the pattern again on every call.
struct TextPattern: @unchecked Sendable {
    // `NSRegularExpression` is immutable once made, and safe to use from several threads.
    private let expression: NSRegularExpression?

    /// The pattern, in `NSRegularExpression` syntax; one that does not compile matches nothing.
    init(_ pattern: String) {
        expression = try? NSRegularExpression(pattern: pattern)
    }

    /// Whether the pattern matches anywhere in `text`.
    func matches(_ text: some StringProtocol) -> Bool {
        guard let expression else { return false }
        let text = String(text)
        return expression.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }

    /// The capture groups of the first match in `text` (an empty string for a group that took part in nothing);
    /// nil when nothing matches.
    func captures(in text: String) -> [String]? {
        guard let expression,
            let match = expression.firstMatch(in: text, range: NSRange(text.startIndex..., in: text))
        else { return nil }
        return (1..<match.numberOfRanges).map { group in
            Range(match.range(at: group), in: text).map { String(text[$0]) } ?? ""
        }
    }

    /// `text` with every match removed.
    func removingMatches(in text: String) -> String {
        guard let expression else { return text }
        return expression.stringByReplacingMatches(
            in: text, range: NSRange(text.startIndex..., in: text), withTemplate: "")
    }
}
