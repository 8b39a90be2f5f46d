import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Something found on one line of a file: a TODO-style marker, and also a known-broken test, a crash stub, a
/// suppression or a reference (see `FindingScanner`).
struct MarkerHit: Sendable, Hashable {
    /// The line, from 1.
    var line: Int
    /// What was found: the marker word (`TODO`, `FIXME`, `HACK`, `XXX`, `BUG`, or one of the repository's own);
    /// `xfail`, `skip` or `disabled` for a test; the stopping call for a crash stub; the suppression for a
    /// clean-up; `import`, `from` or `include` for a reference.
    var kind: String
    /// The text after the marker; the test's name, the stub's message, the suppression as written, or the module or
    /// file referred to. Trimmed and shortened.
    var text: String
    /// The whole line, trimmed and shortened.
    var excerpt: String
    /// For a marker: the function or type it sits in, when a declaration above it says so.
    var symbol: String? = nil
    /// For a marker: whether the code line right after the note carries a suppression (`# type: ignore`,
    /// `eslint-disable`, …), which the note explains.
    var explainsSuppression = false
    /// For a marker that opens its own comment line: the comment lines right above it, in the same syntax, which
    /// often say what the note is about ("As of mapstructure v2.0.0 StringToSliceHookFunc checks …").
    var commentAbove: String? = nil
    /// For a marker that opens its own comment line: the code right under the note, dedented.
    var codeBelow: String? = nil
    /// Lines after the first that repeated the marker word and went on with the note.
    var continuationLines = 0
}

/// The marker words a scan looks for.
struct MarkerVocabulary: Sendable, Hashable {
    /// The words every repository uses.
    static let standard = ["TODO", "FIXME", "HACK", "XXX", "BUG"]

    /// The words, as bytes.
    let words: [[UInt8]]
    /// The distinct first bytes of the words, for the candidate search.
    let firstBytes: [UInt8]

    /// The standard words and `extra` ones (upper-case words such as a project's `NEEDSWORK`).
    init(extra: [String] = []) {
        var words: [[UInt8]] = []
        for word in Self.standard + extra where !word.isEmpty && !words.contains(Array(word.utf8)) {
            words.append(Array(word.utf8))
        }
        // Longer words first, so that a word that starts another is not matched in its place.
        self.words = words.sorted { $0.count > $1.count }
        var firstBytes: [UInt8] = []
        for word in self.words where !firstBytes.contains(word[0]) { firstBytes.append(word[0]) }
        self.firstBytes = firstBytes
    }

    /// Whether `word` is one of the words.
    func contains(_ word: String) -> Bool { words.contains(Array(word.utf8)) }
}

/// The comment syntax of a language, so that `#` in C or `//` in Python opens no comment.
struct CommentStyle: OptionSet, Sendable, Hashable {
    let rawValue: UInt8

    /// `//` and `/* */`, and continuation lines starting with `*`.
    static let slashes = CommentStyle(rawValue: 1 << 0)
    /// `#`.
    static let hash = CommentStyle(rawValue: 1 << 1)
    /// `--`.
    static let dashes = CommentStyle(rawValue: 1 << 2)
    /// `<!--`.
    static let angle = CommentStyle(rawValue: 1 << 3)
    /// Lines starting with `;`.
    static let semicolon = CommentStyle(rawValue: 1 << 4)
    /// Lines starting with `%`.
    static let percent = CommentStyle(rawValue: 1 << 5)
    /// Every opener, for files whose language is not known.
    static let any: CommentStyle = [.slashes, .hash, .dashes, .angle, .semicolon, .percent]
    /// Not an opener: string literals in triple quotes (`"""`, `'''`) span lines, and no comment opens inside them.
    static let tripleQuotes = CommentStyle(rawValue: 1 << 6)
    /// Not an opener: string literals in backticks span lines (template literals, Go raw strings).
    static let backticks = CommentStyle(rawValue: 1 << 7)

    /// The comment syntax of `language` (a `FileKinds.language` name).
    static func of(language: String) -> CommentStyle {
        switch language {
        case "Swift", "Kotlin", "Scala", "Groovy", "Dart": [.slashes, .tripleQuotes]
        case "Go", "JavaScript", "TypeScript": [.slashes, .backticks]
        case "Rust", "Java", "C", "C++", "Objective-C", "Objective-C++", "C#", "F#", "Zig", "CSS", "SCSS", "Less",
            "Protocol Buffers", "GraphQL":
            .slashes
        case "Vue", "Svelte": [.slashes, .angle]
        case "PHP": [.slashes, .hash]
        case "Python": [.hash, .tripleQuotes]
        case "Ruby", "Shell", "Perl", "R", "YAML", "TOML", "Makefile", "Dockerfile", "CMake", "Elixir",
            "Nim", "Julia", "PowerShell", "HCL":
            .hash
        case "SQL", "Lua", "Haskell": .dashes
        case "HTML", "XML": .angle
        case "Erlang": .percent
        case "Clojure", "Assembly", "INI": [.semicolon, .hash]
        case "OCaml": []
        default: .any
        }
    }
}

/// Cheap, byte-level facts about a text file: its lines, its markers and its comment tags, in one pass.
enum SourceText {
    /// How a file's markers are found.
    enum Mode: Sendable, Hashable {
        /// Source code: markers are marker words in comments, in marker syntax.
        case code(CommentStyle)
        /// A prose document (Markdown, plain text, release notes): only unchecked checklist items (`- [ ] text`)
        /// are markers; a word like BUG in prose is not.
        case checklist
        /// A document whose text is never a marker (changelogs, issue and pull-request templates).
        case none
    }

    /// What a scan found.
    struct Result: Sendable, Hashable {
        /// Lines; a last line without a newline counts.
        var lines = 0
        /// Markers of the vocabulary.
        var markers: [MarkerHit] = []
        /// Other upper-case words used like a marker (`NEEDSWORK: text` at the start of a comment), which become
        /// markers when the repository uses the word often enough.
        var tags: [MarkerHit] = []
    }

    /// Whether the first 8,000 bytes contain a NUL, the test `git` itself uses for binary content.
    static func isBinary(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let base = bytes.baseAddress else { return false }
        return memchr(base, 0, min(bytes.count, 8000)) != nil
    }

    /// Counts lines and finds markers and comment tags.
    ///
    /// In code, a marker is a vocabulary word as a whole, upper-case word inside a comment, in marker syntax:
    /// followed by `:` (`TODO:`, `FIXME(alice):`) or by ` - ` (`XXX - text`), or as the comment's first word
    /// (`// TODO check the bounds`). A word followed by `(` without the `):` of an owner is a call (`BUG()`,
    /// `BUG_ON(x)`), and a word in the middle of a sentence is prose: neither is a marker.
    static func scan(
        _ bytes: UnsafeRawBufferPointer, vocabulary: MarkerVocabulary = MarkerVocabulary(),
        mode: Mode = .code(.any)
    ) -> Result {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return Result() }
        let count = bytes.count
        var result = Result()
        switch mode {
        case .code(let style) where !style.subtracting([.tripleQuotes, .backticks]).isEmpty:
            let strings = multilineStrings(in: bytes, style: style)
            result.markers = markers(in: bytes, vocabulary: vocabulary, style: style, strings: strings)
            result.tags = tags(in: bytes, vocabulary: vocabulary, style: style, strings: strings)
        case .checklist:
            result.markers = checklistItems(in: bytes)
        default:
            break
        }
        var lines = 0
        var position = 0
        while position < count, let found = memchr(base + position, Int32(UInt8(ascii: "\n")), count - position) {
            lines += 1
            position = base.distance(to: UnsafeRawPointer(found)) + 1
        }
        result.lines = bytes[count - 1] == UInt8(ascii: "\n") ? lines : lines + 1
        return result
    }

    // Candidates are found with memchr on each word's first letter (vectorised in the C library), then checked.
    // Most files have no marker at all, so this is mostly a few fast passes over the bytes.
    private static func markers(
        in bytes: UnsafeRawBufferPointer, vocabulary: MarkerVocabulary, style: CommentStyle, strings: [Range<Int>]
    ) -> [MarkerHit] {
        guard let base = bytes.baseAddress else { return [] }
        let count = bytes.count
        var candidates: [(position: Int, end: Int, word: String)] = []
        for first in vocabulary.firstBytes {
            var start = 0
            while start < count, let found = memchr(base + start, Int32(first), count - start) {
                let position = base.distance(to: UnsafeRawPointer(found))
                if let (word, end) = keyword(at: position, in: bytes, vocabulary: vocabulary) {
                    candidates.append((position, end, word))
                }
                start = position + 1
            }
        }
        guard !candidates.isEmpty else { return [] }
        candidates.sort { $0.position < $1.position }
        var markers: [MarkerHit] = []
        var lines = 0
        var lineStart = 0
        var position = 0
        for candidate in candidates {
            while position < candidate.position,
                let found = memchr(base + position, Int32(UInt8(ascii: "\n")), candidate.position - position)
            {
                lines += 1
                position = base.distance(to: UnsafeRawPointer(found)) + 1
                lineStart = position
            }
            position = candidate.position
            guard !isInside(candidate.position, strings),
                let content = commentContent(bytes, from: lineStart, to: candidate.position, style: style),
                content == candidate.position
                    || !followsDeterminer(candidate.position, from: content, in: bytes)
                        && !isQuoted(candidate.position, from: content, in: bytes),
                let textStart = markerSyntax(
                    bytes, word: candidate.position, end: candidate.end, isFirstWord: content == candidate.position)
            else { continue }
            let hit = marker(
                candidate.word, line: lines + 1, lineStart: lineStart, textStart: textStart, in: bytes,
                braces: style.contains(.slashes))
            // A note that repeats its marker word on every line (`XXX: This can be confused by …` / `XXX: a
            // non-attrs class …`) is one note, at its first line.
            if let previous = markers.last, previous.kind == hit.kind,
                previous.line + previous.continuationLines + 1 == hit.line,
                MarkerNote.continues(previous.text, with: hit.text)
            {
                markers[markers.count - 1].text = shorten(previous.text + " " + hit.text, to: 600)
                markers[markers.count - 1].continuationLines += 1
                markers[markers.count - 1].codeBelow = hit.codeBelow
                continue
            }
            markers.append(hit)
        }
        return markers
    }

    /// Upper-case words of three or more letters followed by `:` as the first word of a comment, that are not in
    /// the vocabulary: `NEEDSWORK: text`, and also `NOTE: text` (the analysis decides which words count).
    private static func tags(
        in bytes: UnsafeRawBufferPointer, vocabulary: MarkerVocabulary, style: CommentStyle, strings: [Range<Int>]
    ) -> [MarkerHit] {
        guard let base = bytes.baseAddress else { return [] }
        let count = bytes.count
        var tags: [MarkerHit] = []
        var start = 0
        var lines = 0
        var counted = 0
        while start < count, let found = memchr(base + start, Int32(UInt8(ascii: ":")), count - start) {
            let colon = base.distance(to: UnsafeRawPointer(found))
            start = colon + 1
            var wordStart = colon
            while wordStart > 0, isUpperOrDigit(bytes[wordStart - 1]) { wordStart -= 1 }
            guard colon - wordStart >= 3, (0x41...0x5A).contains(bytes[wordStart]),
                wordStart == 0 || !isWordByte(bytes[wordStart - 1])
            else { continue }
            var lineStart = wordStart
            while lineStart > 0, bytes[lineStart - 1] != UInt8(ascii: "\n") { lineStart -= 1 }
            guard commentContent(bytes, from: lineStart, to: wordStart, style: style) == wordStart,
                !isInside(wordStart, strings)
            else { continue }
            let word = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[wordStart..<colon]), as: UTF8.self)
            guard !vocabulary.contains(word) else { continue }
            // Lines are counted only up to tags, which are rare.
            while counted < lineStart,
                let newline = memchr(base + counted, Int32(UInt8(ascii: "\n")), lineStart - counted)
            {
                lines += 1
                counted = base.distance(to: UnsafeRawPointer(newline)) + 1
            }
            counted = lineStart
            tags.append(
                marker(
                    word, line: lines + 1, lineStart: lineStart, textStart: colon + 1, in: bytes,
                    braces: style.contains(.slashes)))
        }
        return tags
    }

    /// Words that make the marker after them a noun in a sentence: `/// The parser with one FIXME: …` describes a
    /// note, it is not one.
    private static let determiners: Set<String> = [
        "a", "an", "the", "one", "this", "that", "these", "those", "each", "every", "any", "no", "some", "with", "of",
        "per", "its", "our", "their", "his", "her", "my", "your", "same", "another", "first", "second", "last",
    ]

    /// Whether the word before `position`, inside the comment text starting at `content`, is a determiner.
    private static func followsDeterminer(_ position: Int, from content: Int, in bytes: UnsafeRawBufferPointer) -> Bool
    {
        var end = position
        while end > content, bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 { end -= 1 }
        var start = end
        while start > content, isWordByte(bytes[start - 1]) { start -= 1 }
        guard start < end else { return false }
        return determiners.contains(decode(bytes, start, end).lowercased())
    }

    /// Whether `position` is inside a code span or a quotation of the comment text starting at `content`: the
    /// comment quotes the word (`` `TODO:` ``, `"FIXME"`), it does not use it.
    private static func isQuoted(_ position: Int, from content: Int, in bytes: UnsafeRawBufferPointer) -> Bool {
        var backticks = 0
        var quotes = 0
        for index in content..<position {
            if bytes[index] == UInt8(ascii: "`") { backticks += 1 }
            if bytes[index] == UInt8(ascii: "\"") { quotes += 1 }
        }
        return backticks % 2 == 1 || quotes % 2 == 1
    }

    /// The string literals that span lines, for languages whose style has `tripleQuotes` or `backticks`: a
    /// generator's template of a source file (`"""…// TODO: …"""` in Python) holds no marker of its own. Comments
    /// and one-line strings are skipped over, so that a quote in them opens nothing.
    static func multilineStrings(in bytes: UnsafeRawBufferPointer, style: CommentStyle) -> [Range<Int>] {
        guard style.contains(.tripleQuotes) || style.contains(.backticks) else { return [] }
        let tripleQuotes = [UInt8(ascii: "\""), UInt8(ascii: "'")].map { [UInt8](repeating: $0, count: 3) }
        guard
            style.contains(.backticks) && FindingScanner.contains(bytes, [UInt8(ascii: "`")])
                || style.contains(.tripleQuotes) && tripleQuotes.contains(where: { FindingScanner.contains(bytes, $0) })
        else { return [] }
        return lexicalSegments(in: bytes, style: style).filter { $0.kind == .multilineString }.map(\.range)
    }

    /// What a stretch of source text is, beside code.
    enum LexicalKind: Sendable, Hashable {
        /// A comment, in the style's syntax.
        case comment
        /// A string literal on one line (or an apostrophe, which ends by the line's end).
        case string
        /// A string literal that may span lines: triple quotes (`tripleQuotes`), backticks (`backticks`).
        case multilineString
    }

    /// The comments and string literals of `bytes`, in order, in the syntax of `style`: one pass, so that a quote
    /// inside a comment opens nothing and a comment opener inside a string is text.
    static func lexicalSegments(
        in bytes: UnsafeRawBufferPointer, style: CommentStyle
    ) -> [(kind: LexicalKind, range: Range<Int>)] {
        let count = bytes.count
        let newline = UInt8(ascii: "\n")
        var segments: [(kind: LexicalKind, range: Range<Int>)] = []
        var position = 0
        func skipLine() { while position < count, bytes[position] != newline { position += 1 } }
        while position < count {
            let byte = bytes[position]
            let next = position + 1 < count ? bytes[position + 1] : 0
            let start = position
            if style.contains(.slashes) && byte == UInt8(ascii: "/") && next == UInt8(ascii: "/")
                || style.contains(.hash) && byte == UInt8(ascii: "#")
                || style.contains(.dashes) && byte == UInt8(ascii: "-") && next == UInt8(ascii: "-")
            {
                skipLine()
                segments.append((.comment, start..<position))
            } else if style.contains(.slashes), byte == UInt8(ascii: "/"), next == UInt8(ascii: "*") {
                position += 2
                while position + 1 < count,
                    !(bytes[position] == UInt8(ascii: "*") && bytes[position + 1] == UInt8(ascii: "/"))
                {
                    position += 1
                }
                position = min(count, position + 2)
                segments.append((.comment, start..<position))
            } else if style.contains(.tripleQuotes), byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'"),
                position + 2 < count, next == byte, bytes[position + 2] == byte
            {
                // A Swift raw string (`#"""`) ends only at a closing delimiter with as many `#` (`"""#`), and its
                // backslashes escape nothing.
                var hashes = 0
                while position - hashes > 0, bytes[position - hashes - 1] == UInt8(ascii: "#") { hashes += 1 }
                func closes(at index: Int) -> Bool {
                    guard index + 2 + hashes < count, bytes[index] == byte, bytes[index + 1] == byte,
                        bytes[index + 2] == byte
                    else { return false }
                    for offset in 0..<hashes where bytes[index + 3 + offset] != UInt8(ascii: "#") { return false }
                    return true
                }
                position += 3
                while position < count, !closes(at: position) {
                    position += hashes == 0 && bytes[position] == UInt8(ascii: "\\") ? 2 : 1
                }
                position = min(count, position + 3 + hashes)
                segments.append((.multilineString, start..<position))
            } else if style.contains(.backticks), byte == UInt8(ascii: "`") {
                position += 1
                while position < count, bytes[position] != UInt8(ascii: "`") {
                    position += bytes[position] == UInt8(ascii: "\\") ? 2 : 1
                }
                position = min(count, position + 1)
                segments.append((.multilineString, start..<position))
            } else if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") {
                position += 1
                while position < count, bytes[position] != byte, bytes[position] != newline {
                    position += bytes[position] == UInt8(ascii: "\\") ? 2 : 1
                }
                position = min(count, position + 1)
                segments.append((.string, start..<position))
            } else {
                position += 1
            }
        }
        return segments
    }

    /// Whether `position` is inside one of the sorted, disjoint `ranges`.
    private static func isInside(_ position: Int, _ ranges: [Range<Int>]) -> Bool {
        var low = 0
        var high = ranges.count
        while low < high {
            let middle = (low + high) / 2
            if ranges[middle].upperBound <= position {
                low = middle + 1
            } else if ranges[middle].lowerBound > position {
                high = middle
            } else {
                return true
            }
        }
        return false
    }

    /// Unchecked task-list items of a Markdown document: `- [ ] text`, `* [ ] text`, `1. [ ] text`.
    private static func checklistItems(in bytes: UnsafeRawBufferPointer) -> [MarkerHit] {
        var items: [MarkerHit] = []
        var lineStart = 0
        var line = 0
        let count = bytes.count
        var inFence = false
        while lineStart < count {
            line += 1
            var lineEnd = lineStart
            while lineEnd < count, bytes[lineEnd] != UInt8(ascii: "\n") { lineEnd += 1 }
            var position = lineStart
            while position < lineEnd, bytes[position] == 0x20 || bytes[position] == 0x09 { position += 1 }
            // Items inside fenced code blocks are examples, not tasks.
            if position + 3 <= lineEnd,
                (bytes[position] == UInt8(ascii: "`") && bytes[position + 1] == UInt8(ascii: "`")
                    && bytes[position + 2] == UInt8(ascii: "`"))
                    || (bytes[position] == UInt8(ascii: "~") && bytes[position + 1] == UInt8(ascii: "~")
                        && bytes[position + 2] == UInt8(ascii: "~"))
            {
                inFence.toggle()
            } else if !inFence, position < lineEnd {
                var bullet = position
                if [UInt8(ascii: "-"), UInt8(ascii: "*"), UInt8(ascii: "+")].contains(bytes[bullet]) {
                    bullet += 1
                } else {
                    while bullet < lineEnd, (0x30...0x39).contains(bytes[bullet]) { bullet += 1 }
                    if bullet > position, bullet < lineEnd, bytes[bullet] == UInt8(ascii: ".") {
                        bullet += 1
                    } else {
                        bullet = position
                    }
                }
                if bullet > position, bullet + 4 < lineEnd, bytes[bullet] == 0x20, bytes[bullet + 1] == 0x5B,
                    bytes[bullet + 2] == 0x20, bytes[bullet + 3] == 0x5D, bytes[bullet + 4] == 0x20
                {
                    let text = decode(bytes, bullet + 5, lineEnd)
                    if !text.isEmpty {
                        items.append(
                            MarkerHit(
                                line: line, kind: "TODO", text: shorten(text),
                                excerpt: shorten(decode(bytes, lineStart, lineEnd))))
                    }
                }
            }
            lineStart = lineEnd + 1
        }
        return items
    }

    private static func isWordByte(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) || byte == 0x5F
    }

    private static func isUpperOrDigit(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte)
    }

    private static func keyword(
        at index: Int, in bytes: UnsafeRawBufferPointer, vocabulary: MarkerVocabulary
    ) -> (String, Int)? {
        if index > 0, isWordByte(bytes[index - 1]) { return nil }
        for keyword in vocabulary.words where index + keyword.count <= bytes.count {
            var matches = true
            for offset in 0..<keyword.count where bytes[index + offset] != keyword[offset] {
                matches = false
                break
            }
            guard matches else { continue }
            let end = index + keyword.count
            if end < bytes.count, isWordByte(bytes[end]) { continue }
            return (String(decoding: keyword, as: UTF8.self), end)
        }
        return nil
    }

    /// Where the marker's text starts when the word at `word..<end` is written as a marker, else `nil`.
    private static func markerSyntax(_ bytes: UnsafeRawBufferPointer, word: Int, end: Int, isFirstWord: Bool) -> Int? {
        let count = bytes.count
        func isBlank(_ index: Int) -> Bool { index < count && (bytes[index] == 0x20 || bytes[index] == 0x09) }
        func isLineEnd(_ index: Int) -> Bool {
            index >= count || bytes[index] == UInt8(ascii: "\n") || bytes[index] == UInt8(ascii: "\r")
        }
        var position = end
        if position < count, bytes[position] == UInt8(ascii: "(") {
            // `TODO(alice):` names an owner; `BUG()` or `BUG(cond)` without the colon is a call.
            var close = position
            while close < count, bytes[close] != UInt8(ascii: ")"), !isLineEnd(close) { close += 1 }
            guard close < count, bytes[close] == UInt8(ascii: ")") else { return nil }
            position = close + 1
            while isBlank(position) { position += 1 }
            guard position < count, bytes[position] == UInt8(ascii: ":") else { return nil }
            return position + 1
        }
        if position < count, bytes[position] == UInt8(ascii: ":") {
            // `TODO::` is a C++ scope, and `TODO:x` without a space is code or a URL scheme.
            guard isLineEnd(position + 1) || isBlank(position + 1) else { return nil }
            return position + 1
        }
        var afterBlank = position
        while isBlank(afterBlank) { afterBlank += 1 }
        if afterBlank > position, afterBlank < count, bytes[afterBlank] == UInt8(ascii: "-"), isBlank(afterBlank + 1) {
            return afterBlank + 1
        }
        guard isFirstWord else { return nil }
        if isLineEnd(position) { return position }
        if afterBlank > position {
            // `// TODO check`: the first word of the comment, followed by text that is not an operator or a pattern.
            if isLineEnd(afterBlank) { return afterBlank }
            let next = bytes[afterBlank]
            if isWordByte(next) || next >= 0x80 || next == UInt8(ascii: "*") || next == UInt8(ascii: "-") {
                return afterBlank
            }
        }
        return nil
    }

    /// Where the text of a comment opened between `start` (the line's start) and `end` starts, when one opens
    /// there outside string literals: `"// TODO"` in code, or `"#" + TODO_COUNT`, is not a comment. Strings are
    /// those in double quotes or backticks; a single quote is too often an apostrophe or a lifetime to count.
    /// The text starts after the opener, repeated opener characters (`///`, `##`, `/**`) and blanks.
    private static func commentContent(
        _ bytes: UnsafeRawBufferPointer, from start: Int, to end: Int, style: CommentStyle
    ) -> Int? {
        var first: UInt8?
        var quote: UInt8?
        var position = start
        func content(after opener: Int) -> Int {
            var index = opener
            while index < end {
                let byte = bytes[index]
                guard
                    byte == 0x20 || byte == 0x09 || byte == UInt8(ascii: "/") || byte == UInt8(ascii: "*")
                        || byte == UInt8(ascii: "#") || byte == UInt8(ascii: "!") || byte == UInt8(ascii: "-")
                        || byte == UInt8(ascii: ";") || byte == UInt8(ascii: "%") || byte == UInt8(ascii: "<")
                else { break }
                index += 1
            }
            return index
        }
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
                if (byte == UInt8(ascii: "*") && style.contains(.slashes))
                    || (byte == UInt8(ascii: ";") && style.contains(.semicolon))
                    || (byte == UInt8(ascii: "%") && style.contains(.percent))
                {
                    return content(after: position)
                }
            }
            if byte == UInt8(ascii: "#"), style.contains(.hash) { return content(after: position) }
            if position + 1 < end {
                let next = bytes[position + 1]
                if byte == UInt8(ascii: "/"), next == UInt8(ascii: "/") || next == UInt8(ascii: "*"),
                    style.contains(.slashes)
                {
                    return content(after: position)
                }
                if byte == UInt8(ascii: "-"), next == UInt8(ascii: "-"), style.contains(.dashes) {
                    return content(after: position)
                }
                if byte == UInt8(ascii: "<"), next == UInt8(ascii: "!"), style.contains(.angle) {
                    return content(after: position)
                }
            }
            position += 1
        }
        return nil
    }

    private static func marker(
        _ kind: String, line: Int, lineStart: Int, textStart: Int, in bytes: UnsafeRawBufferPointer,
        braces: Bool = true
    ) -> MarkerHit {
        var lineEnd = textStart
        while lineEnd < bytes.count, bytes[lineEnd] != UInt8(ascii: "\n") { lineEnd += 1 }
        var start = textStart
        while start < lineEnd, [0x20, 0x09, UInt8(ascii: ":"), UInt8(ascii: "-")].contains(bytes[start]) {
            start += 1
        }
        var text = decode(bytes, start, lineEnd)
        for closer in ["*/", "-->"] where text.hasSuffix(closer) {
            text = String(text.dropLast(closer.count)).trimmingWhitespace()
        }
        // A note often goes on over the next comment lines: `// TODO: split this into a helper that takes` /
        // `// a callback`. Up to twelve such lines are part of its text, until a blank comment line or another
        // marker.
        // It goes on in the comment syntax it opened with: under a `//` note, `#[test]` is a Rust attribute and
        // `#include` a directive, not more of the note.
        let head = decode(bytes, lineStart, textStart)
        let openers = ["//", "#", "*", "--", ";"]
        let own =
            openers.compactMap { opener in head.range(of: opener, options: .backwards).map { (opener, $0.lowerBound) } }
            .max { $0.1 < $1.1 }?.0
        let continuing = own == "*" ? ["*", "//"] : own.map { [$0] } ?? openers
        // A marker inside parentheses (`# (... TODO: a single fallback is OK)`) is an aside: its note ends where
        // they close, and the lines below are the comment's, not the note's.
        let aside = aside(text, after: head)
        text = aside ?? text
        var next = lineEnd + 1
        for _ in 0..<12 where aside == nil && !text.isEmpty && !text.hasSuffix("*/") && text.count < 600 {
            guard next < bytes.count else { break }
            var end = next
            while end < bytes.count, bytes[end] != UInt8(ascii: "\n") { end += 1 }
            let continuation = decode(bytes, next, end)
            // A sentence cut at `one of` goes on, whatever its next line looks like (`these:`, a link).
            let midSentence = MarkerNote.endsMidSentence(text)
            guard !continuation.hasPrefix("*/"), !continuation.hasPrefix("/*"),
                let words = noteWords(continuation, openers: continuing, midSentence: midSentence)
            else { break }
            text += " " + words
            next = end + 1
        }
        // The lines above belong to the note only when the note opens its own comment line (`x = 1  # TODO: …`
        // follows code, not a comment).
        let opensLine = own.map { head.trimmingWhitespace().hasPrefix($0) } ?? false
        return MarkerHit(
            line: line, kind: kind, text: shorten(text, to: 600), excerpt: shorten(decode(bytes, lineStart, lineEnd)),
            symbol: declaredSymbol(after: lineEnd, in: bytes)
                ?? enclosingSymbol(before: lineStart, in: bytes, braces: braces),
            explainsSuppression: suppressionFollows(after: lineEnd, in: bytes)
                || suppressionPrecedes(lineStart, in: bytes),
            commentAbove: opensLine ? commentAbove(lineStart, openers: continuing, in: bytes) : nil,
            codeBelow: opensLine ? codeBelow(from: next, under: lineStart, in: bytes) : nil)
    }

    /// The text of a note up to the parenthesis that closes one `head` (the line before the marker) left open; nil
    /// when `head` leaves none open or `text` does not close it.
    static func aside(_ text: String, after head: String) -> String? {
        var open = 0
        for character in head {
            if character == "(" { open += 1 } else if character == ")", open > 0 { open -= 1 }
        }
        guard open > 0 else { return nil }
        var depth = 0
        for index in text.indices {
            if text[index] == "(" {
                depth += 1
            } else if text[index] == ")" {
                if depth == 0 { return String(text[..<index]).trimmingWhitespace() }
                depth -= 1
            }
        }
        return nil
    }

    /// The code right under a note, as the file has it, so that an issue can show what the note is about: up to
    /// six lines from the first line after the note's own, ending at a blank line or at a line indented less than
    /// the note (the end of its block), cut at 160 characters each and dedented. Nil when no code follows, and
    /// when the lines hold what looks like a credential.
    static func codeBelow(from start: Int, under noteStart: Int, in bytes: UnsafeRawBufferPointer) -> String? {
        var noteIndentation = 0
        while noteStart + noteIndentation < bytes.count,
            [0x20, 0x09].contains(bytes[noteStart + noteIndentation])
        {
            noteIndentation += 1
        }
        // In a block comment, ` * FIXME:` sits one column right of the `/*` that opened it.
        if noteStart + noteIndentation < bytes.count, bytes[noteStart + noteIndentation] == UInt8(ascii: "*") {
            noteIndentation = max(0, noteIndentation - 1)
        }
        var lines: [Substring] = []
        var indentations: [Int] = []
        var start = start
        while lines.count < 6, start < bytes.count {
            var end = start
            while end < bytes.count, bytes[end] != UInt8(ascii: "\n") { end += 1 }
            var line = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)[...]
            start = end + 1
            if line.hasSuffix("\r") { line = line.dropLast() }
            let indentation = line.prefix { $0 == " " || $0 == "\t" }.count
            guard indentation < line.count else { break }
            // The end of the block comment the note is in is not code.
            if lines.isEmpty, line.dropFirst(indentation).hasPrefix("*/") { continue }
            if indentation < noteIndentation { break }
            lines.append(line.count > 160 ? line.prefix(159) + "…" : line)
            indentations.append(indentation)
        }
        let code = lines.map { $0.dropFirst(indentations.min() ?? 0) }
        // Comments alone (another note, a commented-out block) are not the code the note is about.
        let openers = ["//", "#", "/*", "*", "--", ";"]
        guard
            code.contains(where: { line in
                let trimmed = line.drop { $0 == " " || $0 == "\t" }
                return !openers.contains { trimmed.hasPrefix($0) }
            })
        else { return nil }
        let text = code.joined(separator: "\n")
        let hasSecret = Array(text.utf8).withUnsafeBytes { !FindingScanner.secrets(in: $0, isTest: false).isEmpty }
        return hasSecret ? nil : text
    }

    /// The comment lines right above the line starting at `lineStart`, in one of `openers`, oldest first: at most
    /// four, up to a blank line or blank comment line, code, another note (`NOTE:`, `TODO:`) or a block's start.
    private static func commentAbove(
        _ lineStart: Int, openers: [String], in bytes: UnsafeRawBufferPointer
    ) -> String? {
        var lines: [String] = []
        var end = lineStart - 1
        while lines.count < 4, end > 0 {
            var start = end
            while start > 0, bytes[start - 1] != UInt8(ascii: "\n") { start -= 1 }
            let line = decode(bytes, start, end).trimmingWhitespace()
            end = start - 1
            guard !line.hasPrefix("*/"), !line.hasSuffix("*/"), let words = noteWords(line, openers: openers),
                !words.hasPrefix("@")
            else { break }
            // A formatter's or linter's directive (`swift-format-ignore: NeverForceUnwrap`) says nothing about it.
            if FindingScanner.lintDirectives.contains(where: { words.hasPrefix($0) }) { continue }
            lines.insert(words, at: 0)
        }
        guard !lines.isEmpty else { return nil }
        return shorten(lines.joined(separator: " "), to: 300)
    }

    /// The words of a comment line in one of `openers`, without its opener, decoration and closer, when they can
    /// belong to a note: nil for another syntax, a blank comment line, another marker or tag (`TODO:`, `NOTE:`),
    /// which starts a note of its own, and commented-out code.
    private static func noteWords(_ line: String, openers: [String], midSentence: Bool = false) -> String? {
        guard let opener = openers.first(where: { line.hasPrefix($0) }) else { return nil }
        var words = String(line.dropFirst(opener.count).drop { "/#*!".contains($0) }).trimmingWhitespace()
        for closer in ["*/", "-->"] where words.hasSuffix(closer) {
            words = String(words.dropLast(closer.count)).trimmingWhitespace()
        }
        let word = (words.split(separator: " ").first.map(String.init) ?? "").trimmingCharacters(
            in: .punctuationCharacters)
        guard !words.isEmpty, !(word.count >= 3 && word.uppercased() == word && word.first?.isLetter == true),
            midSentence || !looksLikeCode(words)
        else { return nil }
        return words
    }

    /// Whether a comment line is commented-out code (`attributes["url.scheme"] = request.uri.scheme?.rawValue`,
    /// `return nil;`, `}`), which ends a note rather than continuing it.
    static func looksLikeCode(_ line: String) -> Bool {
        if let last = line.last, ";{}".contains(last) { return true }
        if line.contains(" = ") || line.contains(" == ") || line.contains(" != ") || line.contains("->") { return true }
        let first = line.split(separator: " ").first.map(String.init) ?? ""
        let keywords: Set<String> = [
            "return", "if", "let", "var", "const", "import", "#include", "def", "func", "else", "for", "while",
        ]
        if keywords.contains(first), line.contains("(") || line.contains("=") || line.hasSuffix(":") { return true }
        // A C preprocessor line under a `//` note, whose `#` read as a comment opener: `#ifndef WIN32`.
        let directives: Set<String> = ["ifdef", "ifndef", "endif", "elif", "include", "define", "undef", "pragma"]
        if directives.contains(first) { return true }
        // An attribute under a note, whose `#` read as a comment opener: `#[test]`, `#[cfg(unix)]`.
        if line.hasPrefix("["), line.hasSuffix("]") { return true }
        // A configuration key (`push:`, `branches: [main]`): a commented-out block of YAML or TOML.
        if Self.configurationKey.matches(line) { return true }
        // A call or subscript that starts the line with no space before its bracket: `foo.bar(x)`, `attrs["k"]`.
        if !line.contains(" ") && Self.leadingCall.matches(line) { return true }
        // A whole call, whatever its arguments hold: `NSLog("URLSession: \(session), reason: \(reason ?? Data())")`.
        return Self.wholeCall.matches(line)
    }

    /// A line that is one call: a name, dotted or not, its `(` right after, and the line ending at a `)`.
    private static let wholeCall = TextPattern(#"^[A-Za-z_][A-Za-z0-9_.]*\(.*\)$"#)

    /// Whether the line right above a note is a comment that suppresses a lint or type check: the note is the
    /// suppression's justification, however it is worded (swift-argument-parser's
    /// `// FIXME: I dont actually know why this is safe` under `// swift-format-ignore: NeverForceUnwrap`, both
    /// written by the commit that enabled the formatter). A suppression at the end of a line of code (`int loads(int salt);  // NOLINT`) is that line's.
    private static func suppressionPrecedes(_ lineStart: Int, in bytes: UnsafeRawBufferPointer) -> Bool {
        guard lineStart > 0 else { return false }
        var start = lineStart - 1
        while start > 0, bytes[start - 1] != UInt8(ascii: "\n") { start -= 1 }
        let line = decode(bytes, start, lineStart - 1)
        return ["//", "#", "/*", "--"].contains { line.hasPrefix($0) }
            && FindingScanner.suppressionPatterns.contains { line.contains($0) }
    }

    /// Whether the first code line after the one ending at `lineEnd` (past blank and comment lines, within six,
    /// but not past another note) carries a suppression of `FindingScanner.suppressionPatterns`.
    private static func suppressionFollows(after lineEnd: Int, in bytes: UnsafeRawBufferPointer) -> Bool {
        var start = lineEnd + 1
        for _ in 0..<6 where start < bytes.count {
            var end = start
            while end < bytes.count, bytes[end] != UInt8(ascii: "\n") { end += 1 }
            let line = decode(bytes, start, end)
            start = end + 1
            if line.isEmpty { continue }
            if let opener = ["//", "#", "*", "/*", "--"].first(where: { line.hasPrefix($0) }) {
                // Another note (`TODO:`, `NOTE:`) is about what follows it, not this one.
                let first = line.dropFirst(opener.count).drop { $0 == " " || $0 == "/" || $0 == "*" }
                    .prefix { $0.isLetter }
                if first.count >= 3, first.uppercased() == first { return false }
                continue
            }
            return FindingScanner.suppressionPatterns.contains { line.contains($0) }
        }
        return false
    }

    /// Declarations a marker can sit in: `func name`, `def name`, `function name`, `fn name`, `class Name` and the
    /// like after any modifiers, `const name = (…) =>` in JavaScript, and a C function's head at the line's start.
    /// A configuration key opening a line: `push:`, `branches: [main]`.
    private static let configurationKey = TextPattern(#"^[a-z_][a-z0-9_-]*:( [\[{"']|$)"#)
    /// A call or subscript opening a line: `foo.bar(x)`, `attrs["k"]`.
    private static let leadingCall = TextPattern(#"^[A-Za-z_][A-Za-z0-9_.]*[\(\[][^ ]"#)

    private static let declarationPatterns: [NSRegularExpression] = [
        #"^\s*(?:(?:export|public|private|protected|internal|fileprivate|open|static|async|override|final|default|pub(?:\([a-z]+\))?|mutating|nonisolated|abstract|@\w+(?:\([^)]*\))?)\s+)*(?:func|def|function|fn|class|struct|enum|interface|protocol|trait|actor|extension|impl)\s+([A-Za-z_$][A-Za-z0-9_$]*)"#,
        #"^\s*(?:export\s+)?(?:const|let|var)\s+([A-Za-z_$][A-Za-z0-9_$]*)\s*=\s*(?:async\s*)?(?:<[^>]*>\s*)?(?:\(|function\b|[A-Za-z_$][A-Za-z0-9_$]*\s*=>)"#,
        #"^(?!(?:if|for|while|switch|return|else|do|case)\b)[A-Za-z_][A-Za-z0-9_ \t\*]*?\b([A-Za-z_][A-Za-z0-9_]*)\s*\([^;=]*$"#,
        // A shell function, whose name may have hyphens and nothing before it: `__fzf_exec_awk() {`,
        // `fzf-history-widget() {`.
        #"^\s*(?:function\s+)?([A-Za-z_][A-Za-z0-9_]*(?:-[A-Za-z0-9_]+)*)\s*\(\)\s*(?:\{\s*)?$"#,
    ].compactMap { try? NSRegularExpression(pattern: $0) }

    /// A property a note above it is about: `private var _dummy: Bool`, `static let cache = …`; a modifier is
    /// required, since a local `let value = …` inside a function names no member.
    private static let propertyPattern = try? NSRegularExpression(
        pattern:
            #"^\s*(?:(?:public|private|protected|internal|fileprivate|open|static|lazy|weak|final|override|nonisolated|@\w+(?:\([^)]*\))?)\s+)+(?:var|let|val)\s+([A-Za-z_][A-Za-z0-9_]*)"#
    )

    /// The name a declaration gives, when `line` is one; with `properties`, a property's too.
    private static func declaration(in line: String, properties: Bool = false) -> String? {
        let range = NSRange(line.startIndex..., in: line)
        for pattern in declarationPatterns + (properties ? [propertyPattern].compactMap { $0 } : []) {
            if let match = pattern.firstMatch(in: line, range: range), let name = Range(match.range(at: 1), in: line) {
                return String(line[name])
            }
        }
        return nil
    }

    /// The declaration right after the comment a marker is in (`// TODO: make this typed` above `func merge`): the
    /// note is about it. Nil when code that declares nothing comes first.
    private static func declaredSymbol(after lineEnd: Int, in bytes: UnsafeRawBufferPointer) -> String? {
        var start = lineEnd + 1
        for _ in 0..<15 where start < bytes.count {
            var end = start
            while end < bytes.count, bytes[end] != UInt8(ascii: "\n") { end += 1 }
            let line = decode(bytes, start, end)
            start = end + 1
            if line.isEmpty || ["//", "#", "*", "/*", "--", "\"\"\""].contains(where: { line.hasPrefix($0) }) {
                continue
            }
            return line.count < 400 ? declaration(in: line, properties: true) : nil
        }
        return nil
    }

    /// The function or type line `line` (1-based) of `text` declares or sits in: where a change was made.
    /// `braces` as for a note's (the file's comments include `//`).
    static func symbol(atLine line: Int, in text: [UInt8], braces: Bool) -> String? {
        text.withUnsafeBytes { bytes in
            var lineStart = 0
            for _ in 1..<max(line, 1) {
                guard let newline = bytes[lineStart...].firstIndex(of: UInt8(ascii: "\n")) else { return nil }
                lineStart = newline + 1
            }
            var lineEnd = lineStart
            while lineEnd < bytes.count, bytes[lineEnd] != UInt8(ascii: "\n") { lineEnd += 1 }
            let own = decode(bytes, lineStart, lineEnd)
            if own.count < 400, let name = declaration(in: own) { return name }
            return enclosingSymbol(before: lineStart, in: bytes, braces: braces)
        }
    }

    /// The declaration whose block holds the line at `lineStart`, within 300 lines above it. With braces, the
    /// blocks are matched (a helper declared and closed above the marker does not hold it); without them, the
    /// nearest declaration indented less than the marker does.
    private static func enclosingSymbol(
        before lineStart: Int, in bytes: UnsafeRawBufferPointer, braces: Bool
    ) -> String? {
        func indentation(_ start: Int, _ end: Int) -> Int? {
            var index = start
            while index < end, bytes[index] == 0x20 || bytes[index] == 0x09 { index += 1 }
            return index < end ? index - start : nil
        }
        var markerEnd = lineStart
        while markerEnd < bytes.count, bytes[markerEnd] != UInt8(ascii: "\n") { markerEnd += 1 }
        var limit = indentation(lineStart, markerEnd) ?? Int.max
        var depth = 0
        var lowest = 0
        var end = lineStart - 1
        var signatureLines = 0
        // Closing minus opening parentheses met since the block's opening line, while in a signature.
        var parentheses = 0
        for _ in 0..<300 where end > 0 {
            var start = end
            while start > 0, bytes[start - 1] != UInt8(ascii: "\n") { start -= 1 }
            defer { end = start - 1 }
            guard end - start < 400, let indent = indentation(start, end) else { continue }
            let line = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
            guard braces else {
                // Without braces (Python), a declaration indented less than everything below it holds the marker;
                // the closing line of a signature that spans lines (`) -> int:`) opens nothing.
                let first = bytes[start + indent]
                if indent < limit, first != UInt8(ascii: ")"), first != UInt8(ascii: "]"), first != UInt8(ascii: "}") {
                    limit = indent
                    if let name = declaration(in: line) { return name }
                }
                continue
            }
            var opens = false
            for byte in line.utf8.reversed() {
                if byte == UInt8(ascii: "}") { depth += 1 }
                if byte == UInt8(ascii: "{") {
                    depth -= 1
                    if depth < lowest {
                        lowest = depth
                        opens = true
                    }
                }
            }
            if opens {
                // A block that holds the marker opens here: on a declaration, or on the last line of a signature
                // that spans lines (`) throws {`, a `{` alone), whose first line is the declaration.
                if let name = declaration(in: line) { return name }
                let trimmed = line.trimmingWhitespace()
                if ["{", ")", "->", "where"].contains(where: { trimmed.hasPrefix($0) }) {
                    signatureLines = 8
                    parentheses = Self.parenthesisBalance(line)
                }
                continue
            }
            if signatureLines > 0 {
                signatureLines -= 1
                parentheses += Self.parenthesisBalance(line)
                // A parameter of a signature over several lines (`struct repository *repository UNUSED)`) names
                // no declaration: the one whose `(` opens the parameter list does.
                if parentheses > 0 { continue }
                if let name = declaration(in: line) { return name }
            }
        }
        return nil
    }

    /// Closing minus opening parentheses on `line`.
    private static func parenthesisBalance(_ line: String) -> Int {
        line.utf8.reduce(0) { $0 + ($1 == UInt8(ascii: ")") ? 1 : $1 == UInt8(ascii: "(") ? -1 : 0) }
    }

    private static func decode(_ bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> String {
        String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self).trimmingWhitespace()
    }

    /// At most `limit` characters (200 by default), so one odd line cannot bloat a report.
    static func shorten(_ text: String, to limit: Int = 200) -> String {
        text.count <= limit ? text : String(text.prefix(limit - 1)) + "…"
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
