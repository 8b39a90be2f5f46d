import Foundation

/// What git answered about the repository at one `HEAD`, remembered with the history aggregate under the same key
/// (the window, the tracked files and the ignore patterns), so that a warm run asks git none of it again.
///
/// Before this, a warm run on a real 82,000-commit history spent three quarters of its time in five path-limited
/// `git log`s whose answers could not have changed.
struct GitAnswers: Codable, Sendable, Hashable {
    /// A question asked of git; its answer depends only on what the aggregate's key covers.
    enum Question: Sendable, Hashable {
        /// The body of a commit's message.
        case message(hash: String)
        /// The first later commit that may have made a skipped test pass (see `withLaterChanges`).
        case laterChange(since: String, path: String, test: String)
        /// The files that tests name, for one `git grep` of the tracked files, identified by its arguments' digest.
        /// Asked only of a working tree that equals its index.
        case testReferences(digest: String)
        /// The first commit after `since` whose subject names what a note waits on (see `withMetConditions`).
        case conditionMet(since: String, condition: String)
        /// The names of undocumented Python declarations some other file uses, for one `git grep` identified by its
        /// arguments' digest (see `withoutModuleInternals`). Asked only of a working tree that equals its index.
        case usedElsewhere(digest: String)
        /// Which of the names notes mention (identified by their digest) the working tree holds outside notes (see
        /// `withVanishedNames`). Asked only of a working tree that equals its index.
        case namesInTree(digest: String)
        /// Which of `names` a file other than `path` held at `commit` (see `withVanishedNames`).
        case namedCode(commit: String, path: String, names: String)

        /// The question as a key of the stored table.
        var key: String {
            switch self {
            case .message(let hash): "message \(hash)"
            case .laterChange(let since, let path, let test): "later-change \(since) \(test) \(path)"
            case .testReferences(let digest): "test-references \(digest)"
            case .conditionMet(let since, let condition): "condition-met \(since) \(condition)"
            case .namedCode(let commit, let path, let names): "named-code \(commit) \(path) \(names)"
            case .usedElsewhere(let digest): "used-elsewhere \(digest)"
            case .namesInTree(let digest): "names-in-tree \(digest)"
            }
        }
    }

    private var entries: [String: String] = [:]

    /// No answers.
    init() {}

    /// The remembered answer to `question`, or `nil` when it was not asked.
    subscript(question: Question) -> String? {
        get { entries[question.key] }
        set { entries[question.key] = newValue }
    }

    /// How many answers are remembered: more than before means the aggregate must be stored again.
    var count: Int { entries.count }

    /// A commit reference as an answer: its hash, author time and subject, separated by tabs.
    static func encode(_ commit: CommitReference) -> String {
        "\(commit.hash)\t\(Int64(commit.date.timeIntervalSince1970))\t\(commit.subject)"
    }

    /// The commit reference `encode` wrote, or `nil` for an empty answer (no such commit).
    static func decodeCommit(_ answer: String) -> CommitReference? {
        let fields = answer.split(separator: "\t", maxSplits: 2, omittingEmptySubsequences: false)
        guard fields.count == 3, let seconds = Int64(fields[1]) else { return nil }
        return CommitReference(
            hash: String(fields[0]), subject: String(fields[2]),
            date: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }
}
