import LanguageModels

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

    /// Cosine similarity of embeddings at or above which two issues are the same.
    public var embeddingThreshold: Double

    /// Embedding vectors for the drafts and the existing issues, in the order they are passed.
    public struct Embeddings: Sendable {
        /// One vector per draft.
        public var drafts: [[Float]]
        /// One vector per existing issue.
        public var existing: [[Float]]

        /// Creates the vectors of a batch.
        public init(drafts: [[Float]], existing: [[Float]]) {
            self.drafts = drafts
            self.existing = existing
        }
    }

    /// Creates a deduplicator; the defaults were chosen so that rewordings of one finding match and different
    /// findings in the same file do not.
    public init(titleThreshold: Double = 0.75, textThreshold: Double = 0.6, embeddingThreshold: Double = 0.9) {
        self.titleThreshold = titleThreshold
        self.textThreshold = textThreshold
        self.embeddingThreshold = embeddingThreshold
    }

    /// The most existing issues embedded in one run; a tracker with more is compared by fingerprint and wording.
    static let embeddedIssueLimit = 500

    /// Embeds the drafts and the existing issues with `embedder`, a few texts per request.
    public static func embed(
        _ drafts: [IssueDraft], _ existing: [ExistingIssue], with embedder: any TextEmbedding
    ) async throws -> Embeddings {
        // What an issue is about is in its title and first paragraphs; a bounded text also fits every embedding
        // model's input (llama-server's default batch is 512 tokens, and links tokenise at two bytes a token).
        func text(_ title: String, _ body: String) -> String { title + "\n\n" + body.prefix(800) }
        let texts =
            drafts.map { text($0.title, $0.body) } + existing.prefix(embeddedIssueLimit).map { text($0.title, $0.body) }
        var vectors: [[Float]] = []
        var start = 0
        while start < texts.count {
            try Task.checkCancellation()
            let batch = Array(texts[start..<min(start + 32, texts.count)])
            let embedded = try await embedder.embed(batch)
            guard embedded.count == batch.count else {
                throw LanguageModelError(
                    .badResponse, "the embedding reply has \(embedded.count) vectors for \(batch.count) texts")
            }
            vectors += embedded
            start += batch.count
        }
        return Embeddings(drafts: Array(vectors.prefix(drafts.count)), existing: Array(vectors.dropFirst(drafts.count)))
    }

    /// The drafts that are new, in order, and the ones set aside with what they duplicate.
    public func deduplicate(
        _ drafts: [IssueDraft], against existing: [ExistingIssue], embeddings: Embeddings? = nil
    ) -> (
        new: [IssueDraft], duplicates: [Duplicate]
    ) {
        var known = existing.enumerated().map { index, issue in
            Candidate(issue, vector: embeddings?.existing[safe: index])
        }
        var new: [IssueDraft] = []
        var duplicates: [Duplicate] = []
        for (index, draft) in drafts.enumerated() {
            let candidate = Candidate(
                ExistingIssue(
                    reference: "draft \(draft.fingerprint) (\(draft.title))", title: draft.title, body: draft.body,
                    fingerprint: draft.fingerprint), vector: embeddings?.drafts[safe: index], isDraft: true)
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
            // Two fingerprinted issues were both written by Ticket-Master from findings, and their fingerprints
            // differ. About no file ("no LICENSE", "no CI configuration"), they are different findings however alike
            // their plain-writer bodies. About the same file they may be one finding that grew (a marker added to a
            // file already reported), which the wording below still catches.
            if candidate.issue.fingerprint != nil && other.issue.fingerprint != nil
                && (candidate.paths.isEmpty || other.paths.isEmpty)
            {
                continue
            }
            // Two drafts of one run come from different planned findings: the planner already merged what shares a
            // cause, and plain-writer drafts of two markers in one file share most of their wording.
            if candidate.isDraft && other.isDraft { continue }
            // Issues about different files are different issues, however alike their wording.
            if !candidate.paths.isEmpty && !other.paths.isEmpty && candidate.paths.isDisjoint(with: other.paths) {
                continue
            }
            var measures = [
                (candidate.title.similarity(to: other.title), titleThreshold, "title"),
                (candidate.text.similarity(to: other.text), textThreshold, "text"),
            ]
            // Embeddings of small models put most English texts close together, so they only decide between issues
            // that are about the same file: sharing a cited path, or naming the file where one cites none.
            if let mine = candidate.vector, let theirs = other.vector, candidate.sharesSubject(with: other) {
                measures.append((Self.cosine(mine, theirs), embeddingThreshold, "embedding"))
            }
            for (score, threshold, kind) in measures where score >= threshold && score > best?.1 ?? 0 {
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
        var vector: [Float]?
        var lowercasedText: String
        /// A draft of this run, rather than an issue on the tracker or in history.
        var isDraft = false

        /// The file names without folder or extension (`Router` for `Sources/App/Router.swift`), lowercased.
        var fileStems: Set<String> {
            Set(
                paths.map {
                    let name = $0.split(separator: "/").last.map(String.init) ?? $0
                    return (name.split(separator: ".").first.map(String.init) ?? name).lowercased()
                })
        }

        /// Whether the two are about the same file: a cited path in common, or, when one cites nothing, the other's
        /// file named in its text.
        func sharesSubject(with other: Candidate) -> Bool {
            if !paths.isEmpty && !other.paths.isEmpty { return !paths.isDisjoint(with: other.paths) }
            let (citing, naming) = paths.isEmpty ? (other, self) : (self, other)
            return citing.fileStems.contains { $0.count >= 3 && naming.lowercasedText.contains($0) }
        }

        init(_ issue: ExistingIssue, vector: [Float]? = nil, isDraft: Bool = false) {
            self.issue = issue
            self.vector = vector
            self.isDraft = isDraft
            lowercasedText = (issue.title + "\n" + issue.body).lowercased()
            title = TextFingerprint(issue.title)
            text = TextFingerprint(issue.title + "\n" + issue.body)
            paths = Set(Citation.all(in: issue.body).map(\.path))
        }
    }
}

extension Deduplicator {
    /// The cosine of the angle between two vectors; 0 when they differ in length or one is zero.
    static func cosine(_ lhs: [Float], _ rhs: [Float]) -> Double {
        guard lhs.count == rhs.count, !lhs.isEmpty else { return 0 }
        var dot = 0.0
        var left = 0.0
        var right = 0.0
        for (a, b) in zip(lhs, rhs) {
            dot += Double(a) * Double(b)
            left += Double(a) * Double(a)
            right += Double(b) * Double(b)
        }
        guard left > 0, right > 0 else { return 0 }
        return dot / (left.squareRoot() * right.squareRoot())
    }
}

extension Array {
    /// The element at `index`, or nil past the end.
    subscript(safe index: Int) -> Element? {
        indices.contains(index) ? self[index] : nil
    }
}
