import Foundation
import RepositoryAnalysis

/// A reason a draft cannot be published as written.
public struct DraftProblem: Codable, Sendable, Hashable, CustomStringConvertible {
    /// Which rule the draft broke.
    public enum Rule: String, Codable, Sendable, Hashable {
        case titleLength, vagueTitle, shortBody, placeholder, secret, foreignLink, missingPath, missingLine, noCitation
        /// Code a draft quotes is not in the lines it cites.
        case unverifiedQuote
        /// A symbol a draft names is not declared in the file it cites.
        case missingSymbol
    }

    /// The rule.
    public var rule: Rule
    /// What exactly is wrong.
    public var detail: String

    /// Creates a problem.
    public init(_ rule: Rule, _ detail: String) {
        self.rule = rule
        self.detail = detail
    }

    public var description: String { "\(rule.rawValue): \(detail)" }
}

/// The facts a draft may cite: which files exist at the analysed commit, and how many lines each has.
public protocol CitationOracle: Sendable {
    /// The number of lines of `path` at the analysed commit, or nil when the path does not exist there.
    func lineCount(of path: String) async -> Int?
    /// The lines of the text file `path` at the analysed commit, or nil when it does not exist or is not text.
    func lines(of path: String) async -> [String]?
    /// What `commit` changed in `path`, as a unified diff with one line of context, without its file headers; nil
    /// when it cannot be read.
    func diff(of commit: String, path: String) async -> [String]?
}

extension CitationOracle {
    /// No text: an oracle that only counts lines gives the model no code to read.
    public func lines(of path: String) async -> [String]? { nil }

    /// No history: an oracle without a repository shows no changes.
    public func diff(of commit: String, path: String) async -> [String]? { nil }
}

/// Deterministic checks every draft must pass before it can be published, whoever wrote it.
///
/// They catch what a weak model gets wrong: invented paths and lines, vague titles, template leftovers, leaked
/// credentials, and links that point away from the repository (instructions planted in repository content may try
/// to add them).
public struct DraftChecks: Sendable {
    /// The shortest acceptable body.
    public var minDescriptionLength: Int
    /// Secrets of this run that must never appear in a draft.
    public var secrets: [String]
    /// Link prefixes a draft may use (the repository's web address); every other URL is rejected.
    public var allowedLinkPrefixes: [String]

    /// Creates the checks.
    public init(minDescriptionLength: Int, secrets: [String], allowedLinkPrefixes: [String]) {
        self.minDescriptionLength = minDescriptionLength
        self.secrets = secrets.filter { !$0.isEmpty }
        self.allowedLinkPrefixes = allowedLinkPrefixes
    }

    /// Every problem with `draft`; empty means it may be published.
    public func problems(in draft: IssueDraft, citations oracle: any CitationOracle) async -> [DraftProblem] {
        var problems: [DraftProblem] = []
        let title = draft.title.trimmingCharacters(in: .whitespacesAndNewlines)
        if title.count >= 80 || title.count < 12 {
            problems.append(DraftProblem(.titleLength, "the title has \(title.count) characters; use 12 to 79"))
        }
        if Self.isVague(title) {
            problems.append(DraftProblem(.vagueTitle, "the title '\(title)' names no file, symbol or number"))
        }
        if draft.body.count < minDescriptionLength {
            problems.append(
                DraftProblem(
                    .shortBody, "the body has \(draft.body.count) characters; at least \(minDescriptionLength)"))
        }
        let text = draft.title + "\n" + draft.body
        // The code a plain draft quotes from its evidence, as the file has it, is no placeholder, link or citation
        // of the draft's own (a template's `{{ name }}`, a path in a string); credentials are looked for in it too.
        let prose = Self.withoutQuotedCode(text, draft)
        if let placeholder = Self.placeholder(in: prose) {
            problems.append(DraftProblem(.placeholder, "it contains the placeholder '\(placeholder)'"))
        }
        if secrets.contains(where: { text.contains($0) }) || Self.looksLikeCredential(text) {
            problems.append(DraftProblem(.secret, "it contains what looks like a credential"))
        }
        for url in Self.urls(in: prose) where !allowedLinkPrefixes.contains(where: { url.hasPrefix($0) }) {
            problems.append(DraftProblem(.foreignLink, "it links to \(url), outside the repository"))
        }
        problems += await citationProblems(draft, oracle: oracle)
        for citation in draft.codeCitations {
            if let problem = await citation.problem(oracle), !problems.contains(problem) { problems.append(problem) }
        }
        return problems
    }

    private func citationProblems(_ draft: IssueDraft, oracle: any CitationOracle) async -> [DraftProblem] {
        var problems: [DraftProblem] = []
        // Repository text the draft quotes from its own evidence (a suppression such as
        // `eslint-disable-next-line @typescript-eslint/no-explicit-any`, a note) is not a claimed path.
        // It is quoted as written, or with its addresses made inert (`nodejs/node#35237`).
        let quoted = draft.signals.flatMap {
            [$0.summary] + $0.evidence.locations.flatMap { [$0.excerpt, $0.commentAbove].compactMap { $0 } }
        }.flatMap { [$0, PlainWriter.inert($0)] }
        let citations = Citation.all(in: Self.withoutQuotedCode(draft.body, draft)).filter { citation in
            // A quote that is the whole span is a path only when it reads like one, with no space in it.
            citation.line != nil
                || !quoted.contains {
                    $0.contains(citation.path) && ($0 != citation.path || citation.path.contains(" "))
                }
                || draft.signals.contains { signal in
                    // A directory is cited as `internal/`, its location is `internal`.
                    signal.evidence.locations.contains {
                        $0.path == citation.path || $0.path + "/" == citation.path
                    }
                }
        }
        let evidencePaths = Set(draft.signals.flatMap { $0.evidence.locations.map(\.path) })
        if citations.isEmpty && !evidencePaths.isEmpty {
            problems.append(DraftProblem(.noCitation, "the body cites none of the evidence's files"))
        }
        var lineCounts: [String: Int?] = [:]
        for citation in citations {
            if lineCounts[citation.path] == nil {
                lineCounts[citation.path] = .some(await oracle.lineCount(of: citation.path))
            }
            guard let count = lineCounts[citation.path] ?? nil else {
                problems.append(DraftProblem(.missingPath, "\(citation.path) does not exist at the analysed commit"))
                continue
            }
            if let line = citation.endLine ?? citation.line, line > max(count, 1) {
                problems.append(DraftProblem(.missingLine, "\(citation.path) has \(count) lines, not \(line)"))
            }
        }
        return problems
    }

    /// `text` without the blocks of code the plain writer quotes from the draft's evidence.
    static func withoutQuotedCode(_ text: String, _ draft: IssueDraft) -> String {
        var text = text
        for signal in draft.signals {
            for location in signal.evidence.locations {
                guard let code = location.codeBelow else { continue }
                text = text.replacingOccurrences(of: PlainWriter.codeBlock(code, path: location.path), with: "")
            }
        }
        return text
    }

    /// Titles made only of generic words ("Improve code quality", "Fix bugs") say nothing a maintainer can act on.
    static func isVague(_ title: String) -> Bool {
        let words = title.lowercased().split { !$0.isLetter && !$0.isNumber && !"._/-".contains($0) }
        let specific = words.contains { word in
            word.contains(where: \.isNumber) || word.contains(".") || word.contains("/") || word.contains("_")
                || !genericWords.contains(String(word))
        }
        return !specific
    }

    private static let genericWords: Set<String> = [
        "improve", "improvement", "improvements", "update", "updates", "fix", "fixes", "bug", "bugs", "code", "quality",
        "refactor", "refactoring", "add", "tests", "test", "testing", "documentation", "docs", "the", "a", "an", "and",
        "of", "for", "to", "in", "issue", "issues", "various", "general", "cleanup", "clean", "up", "enhance",
        "enhancement", "review", "codebase", "project", "repository", "some", "more", "better", "performance",
        "security", "todo", "maintenance",
    ]

    static func placeholder(in text: String) -> String? {
        let patterns = [
            #"\[(insert|your|add|todo|placeholder)[^\]]*\]"#, #"<(insert|your|placeholder)[^>]*>"#, #"\{\{[^}]*\}\}"#,
            #"(?i)lorem ipsum"#, #"(?i)\bTBD\b"#, #"(?i)as an ai\b"#, #"(?i)\bfile\.(ext|xyz)\b"#,
            #"(?i)path/to/"#,
        ]
        for pattern in patterns {
            if let range = text.range(of: pattern, options: [.regularExpression, .caseInsensitive]) {
                return String(text[range])
            }
        }
        return nil
    }

    static func looksLikeCredential(_ text: String) -> Bool {
        let patterns = [
            #"gh[pousr]_[A-Za-z0-9]{30,}"#, #"github_pat_[A-Za-z0-9_]{40,}"#, #"\bsk-[A-Za-z0-9_-]{20,}"#,
            #"\bAKIA[0-9A-Z]{16}\b"#, #"\bxox[baprs]-[A-Za-z0-9-]{10,}"#, #"-----BEGIN [A-Z ]*PRIVATE KEY-----"#,
            #"\bglpat-[A-Za-z0-9_-]{20,}"#, #"\bAIza[0-9A-Za-z_-]{35}\b"#,
        ]
        return patterns.contains { text.range(of: $0, options: .regularExpression) != nil }
    }

    static func urls(in text: String) -> [String] {
        guard let regex = try? NSRegularExpression(pattern: #"https?://[^\s)\]>"'`]+"#) else { return [] }
        let range = NSRange(text.startIndex..., in: text)
        return regex.matches(in: text, range: range).compactMap { Range($0.range, in: text).map { String(text[$0]) } }
    }
}

/// A file (and optionally lines) cited in a Markdown body as `` `path:line` `` or `` `path:start-end` ``.
struct Citation: Hashable {
    var path: String
    var line: Int?
    var endLine: Int?

    /// Citations in code spans, which is how drafts cite files; code spans that are not paths are skipped.
    static func all(in body: String) -> [Citation] {
        guard
            let regex = try? NSRegularExpression(
                pattern: #"`([^`:\n]*/[^`:\n]*|[^`:\s/]+\.[A-Za-z0-9]+)(?::(\d+)(?:-(\d+))?)?`"#)
        else { return [] }
        // A span fenced by two or more backticks is repository text quoted whole (a commit subject that has
        // backticks of its own): the spans inside it are not the draft's citations.
        let body = body.replacingOccurrences(
            of: #"(`{2,})[^\n]*?\1"#, with: "", options: .regularExpression)
        let range = NSRange(body.startIndex..., in: body)
        var seen = Set<Citation>()
        return regex.matches(in: body, range: range).compactMap { match -> Citation? in
            guard let pathRange = Range(match.range(at: 1), in: body) else { return nil }
            let line = Range(match.range(at: 2), in: body).flatMap { Int(body[$0]) }
            let end = Range(match.range(at: 3), in: body).flatMap { Int(body[$0]) }
            let path = String(body[pathRange])
            // Quoted code (`// note`, `/* … */`, the excerpt after a cited line) is not a path, nor is text between
            // escaped backticks (`\`strftime/1\``, a commit subject quoted as prose).
            if let whole = Range(match.range, in: body),
                body[..<whole.lowerBound].hasSuffix("`: ") || body[..<whole.lowerBound].hasSuffix("\\")
            {
                return nil
            }
            // A date, time or version (`2023-04-21 13:22:22.13`, `1.2.3`) has no letter: it is not a path.
            if !path.contains(where: \.isLetter) { return nil }
            // Quoted prose (a note with several words) is not a path: paths have a space or two at most.
            if path.filter({ $0 == " " }).count >= 2 { return nil }
            // A decorator or annotation (`@pytest.mark.xfail`) and an issue reference (`httpie/cli#1082`) are not
            // paths.
            if path.hasPrefix("@") || path.range(of: #"^[\w.-]+/[\w.-]+#\d+$"#, options: .regularExpression) != nil {
                return nil
            }
            // A command (`git lfs track 'assets/x.gif'`) is not a path either.
            if path.hasPrefix("/") || ["//", "/*", "*/", " /", "/ ", "'", "\""].contains(where: { path.contains($0) }) {
                return nil
            }
            // A file the text proposes to add, or says is absent, is not claimed to exist: "add `tests/test_x.py`",
            // "a new `.github/workflows/ci.yml`", "looked for `.gitlab-ci.yml`".
            if line == nil, let whole = Range(match.range, in: body) {
                let lineStart = body[..<whole.lowerBound].lastIndex(of: "\n").map { body.index(after: $0) }
                let before = body[(lineStart ?? body.startIndex)..<whole.lowerBound].lowercased()
                let words = before.split { !$0.isLetter }
                if words.contains(where: { ["add", "adds", "create", "new", "no", "absent"].contains($0) })
                    || before.contains("looked for")
                {
                    return nil
                }
            }
            let citation = Citation(path: path, line: line, endLine: end)
            return seen.insert(citation).inserted ? citation : nil
        }
    }
}
