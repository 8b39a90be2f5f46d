import Foundation

/// A finding about a repository, with the evidence that backs it.
///
/// Signals are the only thing the rest of the pipeline learns from analysis: every issue the tool suggests
/// starts from one or more signals, and every claim in it must be traceable to a signal's evidence.
public struct Signal: Codable, Sendable, Hashable {
    /// What kind of finding this is.
    public var kind: SignalKind
    /// How much the finding matters.
    public var severity: Severity
    /// A stable identifier of the finding: the same facts give the same fingerprint on every run.
    public var fingerprint: String
    /// A one-line, factual description (paths and numbers, no opinion).
    public var summary: String
    /// The facts behind the finding.
    public var evidence: Evidence

    /// Creates a signal; the fingerprint is derived from the kind and `identity` (for example the path and line).
    public init(kind: SignalKind, severity: Severity, identity: [String], summary: String, evidence: Evidence) {
        self.kind = kind
        self.severity = severity
        self.fingerprint = Fingerprint.of([kind.rawValue] + identity)
        self.summary = summary
        self.evidence = evidence
    }
}

/// The kinds of finding that analysis produces. Each is documented in the README with what triggers it.
public enum SignalKind: String, Codable, Sendable, CaseIterable, Hashable {
    /// Many code changes while the documentation stayed the same.
    case documentationDrift = "documentation-drift"
    /// A file changed often, recently: worth a review or a refactor.
    case hotFile = "hot-file"
    /// Source files, newly added or changed often, that no test covers by name.
    case untestedCode = "untested-code"
    /// A TODO, FIXME, HACK, XXX or BUG comment, with its age.
    case marker
    /// Files that almost always change together.
    case changeCoupling = "change-coupling"
    /// Code that only one person has ever changed.
    case busFactor = "bus-factor"
    /// A tracked file over the size limit.
    case largeFile = "large-file"
    /// A project file users expect is missing (LICENSE, CONTRIBUTING, CI configuration, README sections).
    case missingProjectFile = "missing-project-file"
    /// Public declarations without documentation comments.
    case undocumentedCode = "undocumented-code"
    /// A file that bug-fix commits keep touching.
    case defectHotspot = "defect-hotspot"
    /// Tests the project marks as expected to fail, skipped or disabled.
    case brokenTest = "broken-test"
    /// Shipped code that stops the program on purpose because something is not implemented.
    case crashStub = "crash-stub"
    /// The same suppression, opt-out or workaround line repeated across many files.
    case unfinishedCleanup = "unfinished-cleanup"
    /// Two folders kept as near-identical copies, where recent commits changed only one.
    case driftingCopy = "drifting-copy"
    /// An import or include of a project file or module that does not exist.
    case brokenReference = "broken-reference"
    /// A credential in a tracked file.
    case leakedSecret = "leaked-secret"
    /// A defect a language model reported after reading the code, kept only because every line it cited and
    /// every piece of code it quoted were found at the analysed commit (the pipeline's discovery stage).
    case codeReading = "code-reading"
}

/// How much a signal matters, from `low` to `critical`.
public enum Severity: String, Codable, Sendable, CaseIterable, Comparable, Hashable {
    case low, medium, high, critical

    /// A number for ranking: `low` is 1, `critical` is 4.
    public var weight: Int {
        switch self {
        case .low: 1
        case .medium: 2
        case .high: 3
        case .critical: 4
        }
    }

    public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.weight < rhs.weight }
}

/// The facts behind a signal: where, when, and how much.
public struct Evidence: Codable, Sendable, Hashable {
    /// Places in the working tree at the analysed commit.
    public var locations: [SourceLocation]
    /// Commits that show the finding.
    public var commits: [CommitReference]
    /// Numbers that quantify the finding, in a stable order (for example `commits: 42`, `insertions: 1200`).
    public var metrics: [Metric]
    /// What a model said about the code, for a finding found by reading it; nil for every finding of analysis.
    public var reading: CodeReading?

    /// Creates evidence.
    public init(
        locations: [SourceLocation] = [], commits: [CommitReference] = [], metrics: [Metric] = [],
        reading: CodeReading? = nil
    ) {
        self.locations = locations
        self.commits = commits
        self.metrics = metrics
        self.reading = reading
    }
}

/// A model's account of a defect it found by reading the code. Its words are the model's, not facts of the
/// analysis: only the locations beside it were verified, so issues show it as the model's and never as evidence.
public struct CodeReading: Codable, Sendable, Hashable {
    /// The model that read the code, as `provider model`.
    public var model: String
    /// The issue title the model proposed.
    public var title: String
    /// What kind of defect: `bug-risk`, `error-handling`, `resource-handling`, `concurrency`, `security`,
    /// `dead-code` or `test-cannot-fail`.
    public var category: String
    /// Why the cited code is wrong, in the model's words.
    public var explanation: String
    /// The change the model proposes.
    public var fix: String

    /// Creates a reading.
    public init(model: String, title: String, category: String, explanation: String, fix: String) {
        self.model = model
        self.title = title
        self.category = category
        self.explanation = explanation
        self.fix = fix
    }
}

/// A path, optionally narrowed to lines, with an optional excerpt of those lines.
public struct SourceLocation: Codable, Sendable, Hashable {
    /// The path relative to the repository root, with `/` separators.
    public var path: String
    /// The first line (1-based), when the location is narrower than the whole file.
    public var startLine: Int?
    /// The last line (1-based, inclusive).
    public var endLine: Int?
    /// The text of those lines, trimmed, when it helps a reader.
    public var excerpt: String?
    /// The function or type the lines are in, when known.
    public var symbol: String?
    /// The comment right above the lines, for a note: what its author wrote before it.
    public var commentAbove: String?
    /// The code right under the lines, for a note: what it is about, dedented.
    public var codeBelow: String?
    /// The full hash of the commit whose change the lines carry, when the location cites one: where an untested
    /// fix's change reads today.
    public var commit: String?

    /// Creates a location.
    public init(
        path: String, startLine: Int? = nil, endLine: Int? = nil, excerpt: String? = nil, symbol: String? = nil,
        commentAbove: String? = nil, codeBelow: String? = nil, commit: String? = nil
    ) {
        self.path = path
        self.startLine = startLine
        self.endLine = endLine ?? startLine
        self.excerpt = excerpt
        self.symbol = symbol
        self.commentAbove = commentAbove
        self.codeBelow = codeBelow
        self.commit = commit
    }
}

/// A commit cited as evidence.
public struct CommitReference: Codable, Sendable, Hashable {
    /// The full hash.
    public var hash: String
    /// The first line of the message.
    public var subject: String
    /// The author date, UTC.
    public var date: Date
    /// The message after the subject, when analysis read it: what the commit that marked known breakages says
    /// about them.
    public var body: String?

    /// Creates a commit reference.
    public init(hash: String, subject: String, date: Date, body: String? = nil) {
        self.hash = hash
        self.subject = subject
        self.date = date
        self.body = body
    }
}

/// A named number, such as `commits` or `days-since-change`.
public struct Metric: Codable, Sendable, Hashable {
    /// A kebab-case name.
    public var name: String
    /// The value.
    public var value: Double

    /// Creates a metric.
    public init(_ name: String, _ value: Double) {
        self.name = name
        self.value = value
    }
}

/// Stable, short fingerprints for findings (64-bit FNV-1a, hex): not for security, for identity across runs.
public enum Fingerprint {
    /// The fingerprint of the given parts, joined by a separator that cannot occur in them.
    public static func of(_ parts: [String]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for (index, part) in parts.enumerated() {
            if index > 0 {
                hash = (hash ^ 0x1f) &* 0x0000_0100_0000_01b3
            }
            for byte in part.utf8 {
                hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
            }
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
