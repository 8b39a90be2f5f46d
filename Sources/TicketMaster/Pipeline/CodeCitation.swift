import Foundation

/// A passage of code a model cites: a `path:start-end` range, the code it quotes from those lines, and optionally
/// the symbol declared there. Nothing a model says about code is taken on trust: the deterministic review checks
/// each citation against the analysed commit, and a draft or discovery candidate with one that does not hold is
/// rejected.
public struct CodeCitation: Codable, Sendable, Hashable {
    /// The path relative to the repository root.
    public var path: String
    /// The first cited line, from 1.
    public var startLine: Int
    /// The last cited line, inclusive.
    public var endLine: Int
    /// The code quoted from those lines; `...` may stand for lines left out.
    public var code: String
    /// A function, type or variable the model says is declared in the file; nil when it names none.
    public var symbol: String?

    /// Creates a citation; an empty symbol is none.
    public init(path: String, startLine: Int, endLine: Int, code: String, symbol: String? = nil) {
        self.path = path
        self.startLine = startLine
        self.endLine = endLine
        self.code = code
        self.symbol = symbol.flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0 }
    }

    /// `path:12` or `path:12-18`.
    public var location: String { "\(path):\(startLine)" + (endLine > startLine ? "-\(endLine)" : "") }

    /// The most lines one citation may span: a quote is checked against the lines it names, and a citation of a
    /// whole file would let any quote pass.
    static let widest = 60

    /// The shortest quote worth checking, in characters other than spaces: `}` or `x` is found everywhere.
    static let shortestQuote = 8

    /// Why this citation does not hold at the analysed commit; nil when it does.
    func problem(_ oracle: any CitationOracle) async -> DraftProblem? {
        guard !path.hasPrefix("/"), !path.split(separator: "/").contains(".."),
            let lines = await oracle.lines(of: path)
        else {
            return DraftProblem(.missingPath, "\(path) is not a text file at the analysed commit")
        }
        guard startLine >= 1, endLine >= startLine, endLine <= lines.count else {
            return DraftProblem(.missingLine, "\(path) has \(lines.count) lines; \(location) is not among them")
        }
        guard endLine - startLine < Self.widest else {
            return DraftProblem(.unverifiedQuote, "\(location) spans more than \(Self.widest) lines")
        }
        let cited = Self.normalized(lines[(startLine - 1)..<endLine].joined(separator: "\n"))
        let parts = Self.quotedParts(code, path: path)
        guard parts.reduce(0, { $0 + $1.filter { $0 != " " }.count }) >= Self.shortestQuote else {
            return DraftProblem(.unverifiedQuote, "the code quoted for \(location) is too short to check")
        }
        // Every part, in order: `...` in a quote stands for lines the model left out.
        var rest = cited[...]
        for part in parts {
            guard let found = rest.range(of: part) else {
                return DraftProblem(
                    .unverifiedQuote, "\(location) does not contain the quoted code '\(part.prefix(60))'")
            }
            rest = rest[found.upperBound...]
        }
        if let symbol, !Self.declares(lines, symbol) {
            return DraftProblem(.missingSymbol, "\(path) declares no '\(symbol)'")
        }
        return nil
    }

    /// Text with every run of white space made one space, so that a quote matches however it was indented.
    static func normalized(_ text: String) -> String {
        text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    /// The quote's parts between `...` or `…`, normalized, without the `path:line:` prefixes of the prompt's lines
    /// (a model copies them with the code) or a Markdown fence around it.
    static func quotedParts(_ code: String, path: String) -> [String] {
        let lines = code.split(separator: "\n", omittingEmptySubsequences: false).compactMap { line -> String? in
            if line.trimmingCharacters(in: .whitespaces).hasPrefix("```") { return nil }
            var text = String(line)
            if text.hasPrefix(path + ":"),
                let prefix = text.range(of: #"^[^\s:]+:\d+: ?"#, options: .regularExpression)
            {
                text.removeSubrange(prefix)
            }
            return text
        }
        return lines.joined(separator: "\n")
            .components(separatedBy: "...").flatMap { $0.components(separatedBy: "…") }
            .map(normalized).filter { !$0.isEmpty }
    }

    /// Whether one of `lines` declares `symbol`: its last name (`Cache.evict()` is `evict`) as a whole word on a
    /// line that introduces a declaration, or at the head of a C function's definition.
    static func declares(_ lines: [String], _ symbol: String) -> Bool {
        var name = Substring(symbol.trimmingCharacters(in: .whitespaces))
        if name.hasSuffix("()") { name = name.dropLast(2) }
        if let last = name.split(whereSeparator: { $0 == "." || $0 == ":" || $0 == "#" }).last { name = last }
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "$" }) else {
            return false
        }
        let word = String(name)
        for line in lines where line.contains(word) {
            let words = line.split(whereSeparator: { !$0.isLetter && !$0.isNumber && $0 != "_" && $0 != "$" })
            guard let position = words.firstIndex(where: { $0 == word }) else { continue }
            if words[..<position].contains(where: { declarationWords.contains($0) }) { return true }
            // `int parse_args(int argc, …)` at the start of a line, not a call ending in `;`.
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if line.first.map({ !$0.isWhitespace }) == true, trimmed.contains(word + "("), !trimmed.hasSuffix(";"),
                !trimmed.hasPrefix(word + "(")
            {
                return true
            }
            // `evict = function (…)`, `const evict = (…) =>`, a Python assignment at the top of a module.
            if position == words.startIndex, trimmed.hasPrefix(word + " =") || trimmed.hasPrefix(word + "=") {
                return true
            }
        }
        return false
    }

    private static let declarationWords: Set<Substring> = [
        "func", "def", "fn", "function", "class", "struct", "enum", "impl", "interface", "protocol", "trait", "actor",
        "extension", "init", "module", "sub", "proc", "fun", "method", "let", "var", "const", "val", "type",
        "typedef", "typealias", "define", "case", "static", "async", "macro", "union", "record", "object",
    ]
}
