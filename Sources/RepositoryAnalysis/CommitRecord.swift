/// One commit as `git log` describes it: only facts that cannot change once the commit exists, so that a record
/// can be cached by hash forever.
struct CommitRecord: Sendable, Hashable {
    /// The full object name, in hexadecimal.
    var hash: String
    /// How many parents the commit has: 0 for a root, 2 or more for a merge.
    var parentCount: Int
    /// The author's name, after `.mailmap`.
    var authorName: String
    /// The author's email, after `.mailmap`.
    var authorEmail: String
    /// The author date, in seconds since 1970 (UTC).
    var authorTime: Int64
    /// The committer date, in seconds since 1970 (UTC).
    var commitTime: Int64
    /// The first line of the message, decoded lossily.
    var subject: String
    /// The files the commit changed. Merges have none unless first-parent diffs were requested, as in `git log`.
    var changes: [FileChange]

    /// Whether the commit has more than one parent.
    var isMerge: Bool { parentCount > 1 }
}

/// One file changed by a commit, with `git diff --numstat` counts.
struct FileChange: Sendable, Hashable {
    /// How the file changed, as in `git diff --raw`.
    enum Status: UInt8, Sendable {
        case added = 0x41  // A
        case copied = 0x43  // C
        case deleted = 0x44  // D
        case modified = 0x4D  // M
        case renamed = 0x52  // R
        case typeChanged = 0x54  // T
        case unknown = 0x58  // X, and anything git adds later
    }

    /// How the file changed.
    var status: Status
    /// The path after the change.
    var path: String
    /// The path before a rename or copy.
    var previousPath: String?
    /// Lines added; -1 for a binary change, which `git` does not count in lines.
    var insertions: Int
    /// Lines removed; -1 for a binary change.
    var deletions: Int

    /// Whether `git` saw the change as binary.
    var isBinary: Bool { insertions < 0 }
}
