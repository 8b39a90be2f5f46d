/// The code a drafted issue is about, for the model to read: for each cited line, the function or type that holds
/// it; for a file a finding names as a whole, its outline (the lines that declare something); for a file bug fixes
/// keep touching, the last fixes' diffs. Every line of code comes with its `path:line` so the draft can cite it.
///
/// The block is found without a parser: the nearest declaration above the line that is indented less than it
/// (`func`, `def`, `fn`, `function`, `class`, `struct`, …, or a C function's head), down to where its braces close
/// or, without braces, to the next line indented no deeper than it. A block longer than the limit is cut to a
/// window around the cited line; a line in no declaration gets the lines around it.
struct CodeContext: Sendable {
    /// A cited line and the file it is in.
    struct Citation: Sendable {
        var path: String
        var lines: [String]
        var line: Int
    }

    /// A file a finding names as a whole (a hot, untested or bug-prone file): the model reads its outline.
    struct Outline: Sendable {
        var path: String
        var lines: [String]
    }

    /// A recent change to a file bug fixes keep touching: what was fixed, as a diff.
    struct Change: Sendable {
        var commit: String
        var subject: String
        var diff: [String]
    }

    let citations: [Citation]
    var outlines: [Outline] = []
    var changes: [Change] = []

    private static let declarationWords: Set<Substring> = [
        "func", "def", "fn", "function", "class", "struct", "enum", "impl", "interface", "protocol", "trait",
        "actor", "extension", "init", "module", "sub", "proc", "fun", "method",
    ]

    /// The lines of every citation's block, at most `limit` a citation and `total` in all, each as
    /// `path:line: text`; empty when `limit` is 0.
    func rendered(limit: Int, total: Int) -> [String] {
        guard limit > 0 else { return [] }
        var out: [String] = []
        for citation in citations {
            let block = Self.block(in: citation.lines, around: citation.line, limit: limit)
            guard out.count + block.count <= total else { break }
            out += block.map { "\(citation.path):\($0 + 1): \(citation.lines[$0])" }
        }
        for outline in outlines {
            let declarations = Self.outline(of: outline.lines).prefix(limit)
            guard !declarations.isEmpty, out.count + declarations.count + 1 <= total else { break }
            out.append("Declarations in \(outline.path):")
            out += declarations.map { "\(outline.path):\($0 + 1): \(outline.lines[$0])" }
        }
        for change in changes {
            let diff = change.diff.prefix(limit)
            guard !diff.isEmpty, out.count + diff.count + 1 <= total else { break }
            out.append("Change \(change.commit.prefix(10)) (\(change.subject.prefix(100))):")
            out += diff
        }
        return out
    }

    /// The indices (from 0) of the lines that declare something, with their signatures: what a reader of a file
    /// names when it says which function to change. Comment lines are not declarations.
    static func outline(of lines: [String]) -> [Int] {
        lines.indices.filter { index in
            let text = lines[index].trimmingCharacters(in: .whitespaces)
            guard !text.isEmpty, !["//", "#", "*", "/*", "--", ";"].contains(where: { text.hasPrefix($0) }) else {
                return false
            }
            return isDeclaration(lines[index])
        }
    }

    /// The indices (from 0) of the block holding line `line` (from 1).
    static func block(in lines: [String], around line: Int, limit: Int) -> Range<Int> {
        let cited = line - 1
        guard lines.indices.contains(cited) else { return 0..<0 }
        func indentation(_ text: String) -> Int? {
            let width = text.prefix { $0 == " " || $0 == "\t" }.reduce(0) { $0 + ($1 == "\t" ? 4 : 1) }
            return width < text.count ? width : nil
        }
        let citedIndent = indentation(lines[cited]) ?? 0
        var start: Int?
        for index in stride(from: cited, through: max(0, cited - 300), by: -1) {
            guard let indent = indentation(lines[index]), indent < citedIndent || index == cited else { continue }
            if isDeclaration(lines[index]) {
                start = index
                break
            }
        }
        guard let start else { return window(around: cited, count: lines.count, limit: limit) }
        let startIndent = indentation(lines[start]) ?? 0
        var end = start + 1
        if lines[start...].prefix(3).contains(where: { $0.contains("{") }) {
            var depth = 0
            var opened = false
            for index in start..<min(lines.count, start + 2000) {
                for character in lines[index] {
                    if character == "{" {
                        depth += 1
                        opened = true
                    } else if character == "}" {
                        depth -= 1
                    }
                }
                end = index + 1
                if opened && depth <= 0 { break }
            }
        } else {
            while end < lines.count {
                if let indent = indentation(lines[end]), indent <= startIndent { break }
                end += 1
            }
        }
        guard (start..<end).contains(cited) else { return window(around: cited, count: lines.count, limit: limit) }
        if end - start <= limit { return start..<end }
        // Too long: the lines around the cited one, from the declaration when it is near.
        let window = window(around: cited, count: lines.count, limit: limit)
        return window.lowerBound <= start + limit / 4 ? start..<(start + limit) : window
    }

    private static func window(around index: Int, count: Int, limit: Int) -> Range<Int> {
        let lower = max(0, index - limit / 2)
        return lower..<min(count, lower + limit)
    }

    private static func isDeclaration(_ line: String) -> Bool {
        let words = line.split(whereSeparator: { !$0.isLetter && !$0.isNumber && $0 != "_" })
        if words.prefix(6).contains(where: { declarationWords.contains($0) }) { return true }
        // A C function's head: a name and a parenthesis at the start of a line, the brace on it or the next.
        guard let first = line.first, first.isLetter || first == "_", line.contains("(") else { return false }
        let head = line.prefix { $0 != "(" }
        return !["if", "for", "while", "switch", "return", "else"].contains { head.hasPrefix($0) }
            && !line.hasSuffix(";")
    }
}
