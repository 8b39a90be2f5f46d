/// An issue that already exists somewhere: on the tracker, in history, or earlier in the same batch.
public struct ExistingIssue: Codable, Sendable, Hashable {
    /// How to name it to a user: `#12`, a URL, or `draft <fingerprint>`.
    public var reference: String
    /// Its title.
    public var title: String
    /// Its body.
    public var body: String
    /// The fingerprint it carries, when Ticket-Master wrote it.
    public var fingerprint: String?

    /// Creates an existing issue.
    public init(reference: String, title: String, body: String, fingerprint: String?) {
        self.reference = reference
        self.title = title
        self.body = body
        self.fingerprint = fingerprint
    }
}

/// Why a draft was set aside as a duplicate.
public struct Duplicate: Codable, Sendable, Hashable {
    /// The draft that was set aside.
    public var draft: IssueDraft
    /// The issue it duplicates.
    public var duplicateOf: String
    /// `fingerprint` for the same evidence, else the lexical similarity that matched.
    public var reason: String
}

/// Sets aside drafts that repeat an existing issue or an earlier draft of the same batch.
public struct Deduplicator: Sendable {
    /// Title similarity at or above which two issues are the same.
    public var titleThreshold: Double
    /// Whole-text similarity at or above which two issues are the same.
    public var textThreshold: Double

    /// Creates a deduplicator; the defaults were chosen so that rewordings of one finding match and different
    /// findings in the same file do not.
    public init(titleThreshold: Double = 0.75, textThreshold: Double = 0.6) {
        self.titleThreshold = titleThreshold
        self.textThreshold = textThreshold
    }

    /// The drafts that are new, in order, and the ones set aside with what they duplicate.
    public func deduplicate(
        _ drafts: [IssueDraft], against existing: [ExistingIssue]
    ) -> (
        new: [IssueDraft], duplicates: [Duplicate]
    ) {
        var known = existing.map(Candidate.init)
        var new: [IssueDraft] = []
        var duplicates: [Duplicate] = []
        for draft in drafts {
            let candidate = Candidate(
                ExistingIssue(
                    reference: "draft \(draft.fingerprint) (\(draft.title))", title: draft.title, body: draft.body,
                    fingerprint: draft.fingerprint))
            if let (match, reason) = match(candidate, in: known) {
                duplicates.append(Duplicate(draft: draft, duplicateOf: match.issue.reference, reason: reason))
            } else {
                new.append(draft)
                known.append(candidate)
            }
        }
        return (new, duplicates)
    }

    private func match(_ candidate: Candidate, in known: [Candidate]) -> (Candidate, String)? {
        for other in known {
            if let fingerprint = other.issue.fingerprint, fingerprint == candidate.issue.fingerprint {
                return (other, "same evidence (fingerprint \(fingerprint))")
            }
        }
        var best: (Candidate, Double, String)?
        for other in known {
            // Issues about different files are different issues, however alike their wording.
            if !candidate.paths.isEmpty && !other.paths.isEmpty && candidate.paths.isDisjoint(with: other.paths) {
                continue
            }
            let title = candidate.title.similarity(to: other.title)
            let text = candidate.text.similarity(to: other.text)
            let (score, kind) = title >= titleThreshold ? (title, "title") : (text, "text")
            let threshold = kind == "title" ? titleThreshold : textThreshold
            if score >= threshold, score > best?.1 ?? 0 {
                best = (other, score, "\(kind) similarity \(Int((score * 100).rounded()))%")
            }
        }
        return best.map { ($0.0, $0.2) }
    }

    private struct Candidate {
        var issue: ExistingIssue
        var title: TextFingerprint
        var text: TextFingerprint
        var paths: Set<String>

        init(_ issue: ExistingIssue) {
            self.issue = issue
            title = TextFingerprint(issue.title)
            text = TextFingerprint(issue.title + "\n" + issue.body)
            paths = Set(Citation.all(in: issue.body).map(\.path))
        }
    }
}
