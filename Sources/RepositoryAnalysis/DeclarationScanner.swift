#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Finds public declarations without documentation comments, with line-level heuristics that are cheap and
/// predictable rather than a parser.
///
/// - Swift: a declaration (`func`, `init`, `subscript`, `var`, `let`, `struct`, `class`, `enum`, `protocol`,
///   `actor`, `typealias`, `macro`, `associatedtype`) with an explicit `public` or `open` modifier is documented
///   when the nearest line above it that is not blank and not only attributes is a `///` comment or ends a `/**`
///   block. Members that are public only because their extension or protocol is are not counted.
/// - Python: a top-level `def`, `async def` or `class` whose name does not start with `_` is documented when the
///   first statement after its signature is a string literal.
/// - Go: a top-level `func`, method or `type` with an exported (upper-case) name is documented when the line above
///   it is a `//` comment.
enum DeclarationScanner {
    /// Public declarations found and the lines of those without documentation.
    struct Result: Sendable, Hashable {
        /// How many public declarations were found.
        var declarations = 0
        /// The lines (from 1) of the undocumented ones.
        var undocumentedLines: [Int] = []
    }

    /// Scans `bytes` written in `language` (`Swift`, `Python` or `Go`); other languages give an empty result.
    static func scan(_ bytes: UnsafeRawBufferPointer, language: String) -> Result {
        // Most files declare nothing public: a byte search avoids splitting them into lines at all.
        switch language {
        case "Swift":
            guard contains(bytes, "public ") || contains(bytes, "open ") else { return Result() }
            return swift(splitLines(bytes))
        case "Python":
            guard contains(bytes, "def ") || contains(bytes, "class ") else { return Result() }
            return python(splitLines(bytes))
        case "Go":
            guard contains(bytes, "func ") || contains(bytes, "type ") else { return Result() }
            return go(splitLines(bytes))
        default:
            return Result()
        }
    }

    /// Whether `bytes` contains `needle` (ASCII).
    static func contains(_ bytes: UnsafeRawBufferPointer, _ needle: StaticString) -> Bool {
        let count = needle.utf8CodeUnitCount
        guard count > 0, bytes.count >= count, let base = bytes.baseAddress else { return false }
        let first = Int32(needle.utf8Start.pointee)
        var start = 0
        while start <= bytes.count - count {
            guard let found = memchr(base + start, first, bytes.count - count - start + 1) else { return false }
            let offset = base.distance(to: UnsafeRawPointer(found))
            if memcmp(base + offset, needle.utf8Start, count) == 0 { return true }
            start = offset + 1
        }
        return false
    }

    /// Whether a Rust file has unit tests of its own (`#[cfg(test)]` or `#[test]`).
    static func hasInlineRustTests(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let needle = Array("#[".utf8)
        var index = 0
        while index + 8 <= bytes.count {
            if bytes[index] == needle[0], bytes[index + 1] == needle[1] {
                let rest = String(
                    decoding: UnsafeRawBufferPointer(rebasing: bytes[index..<min(index + 12, bytes.count)]),
                    as: UTF8.self)
                if rest.hasPrefix("#[cfg(test)]") || rest.hasPrefix("#[test]") { return true }
            }
            index += 1
        }
        return false
    }

    /// The headings of a Markdown, reStructuredText or AsciiDoc document, lowercased.
    static func headings(_ bytes: UnsafeRawBufferPointer) -> [String] {
        let lines = splitLines(bytes).map { $0.trimmingWhitespace() }
        var headings: [String] = []
        for (index, line) in lines.enumerated() {
            if line.hasPrefix("#") || line.hasPrefix("=") {
                headings.append(String(line.drop(while: { $0 == "#" || $0 == "=" })).trimmingWhitespace().lowercased())
            } else if index + 1 < lines.count, !line.isEmpty {
                // Setext (Markdown) and reStructuredText headings are underlined.
                let next = lines[index + 1]
                if next.count >= 3, let mark = next.first, "=-~^*+".contains(mark), next.allSatisfy({ $0 == mark }) {
                    headings.append(line.lowercased())
                }
            }
        }
        return headings
    }

    private static func splitLines(_ bytes: UnsafeRawBufferPointer) -> [String] {
        bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map {
            String(decoding: UnsafeRawBufferPointer(rebasing: $0), as: UTF8.self)
        }
    }

    private static let swiftModifiers: Set<Substring> = [
        "public", "open", "final", "static", "class", "override", "convenience", "required", "nonisolated",
        "mutating", "nonmutating", "indirect", "dynamic", "lazy", "weak", "unowned", "isolated", "consuming",
        "borrowing", "distributed", "optional", "prefix", "postfix", "infix", "package", "private", "fileprivate",
        "internal",
    ]
    private static let swiftDeclarations: Set<Substring> = [
        "func", "struct", "class", "enum", "protocol", "actor", "var", "let", "typealias", "macro", "subscript",
        "associatedtype", "init", "init?", "init!",
    ]

    private static func swift(_ lines: [String]) -> Result {
        var result = Result()
        var documented = false
        var inDocumentationBlock = false
        var inBlock = false
        for (index, raw) in lines.enumerated() {
            let line = raw.trimmingWhitespace()
            if inBlock {
                if line.contains("*/") {
                    inBlock = false
                    documented = inDocumentationBlock
                }
                continue
            }
            if line.isEmpty { continue }
            if line.hasPrefix("///") {
                documented = true
                continue
            }
            if line.hasPrefix("/*") {
                inDocumentationBlock = line.hasPrefix("/**")
                if line.contains("*/") {
                    documented = inDocumentationBlock
                } else {
                    inBlock = true
                }
                continue
            }
            // Only lines that mention `public` or `open` can declare something public; others only need to
            // know whether they are attributes, which keep the documentation state.
            guard line.hasPrefix("@") || line.contains("public") || line.contains("open") else {
                documented = false
                continue
            }
            let (isDeclaration, onlyAttributes) = swiftDeclaration(line)
            if onlyAttributes { continue }
            if isDeclaration {
                result.declarations += 1
                if !documented { result.undocumentedLines.append(index + 1) }
            }
            documented = false
        }
        return result
    }

    /// Whether `line` declares something explicitly public, and whether it holds only attributes.
    private static func swiftDeclaration(_ line: String) -> (isDeclaration: Bool, onlyAttributes: Bool) {
        var words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })[...]
        var depth = 0
        // Attributes, with arguments that may contain spaces: `@available(macOS 15, *)`.
        while let word = words.first, depth > 0 || word.hasPrefix("@") {
            depth += word.filter { $0 == "(" }.count - word.filter { $0 == ")" }.count
            words = words.dropFirst()
        }
        guard !words.isEmpty else { return (false, true) }
        var isPublic = false
        while let word = words.first {
            let bare = word.split(separator: "(").first ?? word
            if swiftModifiers.contains(bare) {
                if bare == "class", let next = words.dropFirst().first,
                    !swiftDeclarations.contains(next) || next == "class"
                {
                    break
                }
                if word == "public" || word == "open" { isPublic = true }
                words = words.dropFirst()
            } else {
                break
            }
        }
        guard isPublic, let keyword = words.first else { return (false, false) }
        let bare = keyword.prefix(while: { $0 != "(" && $0 != "<" })
        return (swiftDeclarations.contains(bare) || swiftDeclarations.contains(keyword), false)
    }

    private static func python(_ lines: [String]) -> Result {
        var result = Result()
        var index = 0
        while index < lines.count {
            let line = lines[index]
            var header = line[...]
            if header.hasPrefix("async ") { header = header.dropFirst(6) }
            let isDefinition = header.hasPrefix("def ") || header.hasPrefix("class ")
            guard isDefinition else {
                index += 1
                continue
            }
            let name = header.drop(while: { $0 != " " }).dropFirst().prefix(while: {
                $0.isLetter || $0.isNumber || $0 == "_"
            })
            guard !name.isEmpty, !name.hasPrefix("_") else {
                index += 1
                continue
            }
            result.declarations += 1
            // The signature ends at the first line that ends with `:` (signatures may span lines).
            var end = index
            while end < lines.count, end < index + 30 {
                let code = lines[end].split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
                if String(code).trimmingWhitespace().hasSuffix(":") { break }
                end += 1
            }
            var body = end + 1
            while body < lines.count, lines[body].trimmingWhitespace().isEmpty { body += 1 }
            let first = body < lines.count ? lines[body].trimmingWhitespace() : ""
            let literal = first.drop(while: { "rRuUbBfF".contains($0) })
            if !(literal.hasPrefix("\"") || literal.hasPrefix("'")) {
                result.undocumentedLines.append(index + 1)
            }
            index = end + 1
        }
        return result
    }

    private static func go(_ lines: [String]) -> Result {
        var result = Result()
        for (index, line) in lines.enumerated() {
            var rest: Substring
            if line.hasPrefix("func ") {
                rest = line.dropFirst(5)
                if rest.hasPrefix("(") {
                    guard let close = rest.firstIndex(of: ")") else { continue }
                    rest = rest[rest.index(after: close)...].drop(while: { $0 == " " })
                }
            } else if line.hasPrefix("type ") {
                rest = line.dropFirst(5)
            } else {
                continue
            }
            guard let first = rest.first, first.isUppercase else { continue }
            result.declarations += 1
            if index == 0 || !lines[index - 1].hasPrefix("//") {
                result.undocumentedLines.append(index + 1)
            }
        }
        return result
    }
}
