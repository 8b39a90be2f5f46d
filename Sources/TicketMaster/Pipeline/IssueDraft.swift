import Foundation
import RepositoryAnalysis

/// A suggested issue, before it is filed: what it says, the signals it rests on, and how it was written.
public struct IssueDraft: Codable, Sendable, Hashable {
    /// Who wrote the text.
    public enum Writer: Codable, Sendable, Hashable {
        /// The deterministic, evidence-only writer.
        case plain
        /// A language model, by provider and model name.
        case model(provider: String, model: String)
    }

    /// A specific title, under 80 characters.
    public var title: String
    /// Markdown: context, evidence, proposed change, acceptance criteria.
    public var body: String
    /// Labels to apply.
    public var labels: [String]
    /// The kind of issue.
    public var type: IssueType
    /// A stable identifier of the evidence, used to recognise the same suggestion on later runs and on the tracker.
    public var fingerprint: String
    /// The findings the issue rests on.
    public var signals: [Signal]
    /// Who wrote the text.
    public var writer: Writer
    /// Code the text cites and quotes, each verified against the analysed commit before the draft is kept.
    public var codeCitations: [CodeCitation] = []

    /// Creates a draft; the fingerprint is derived from the signals' fingerprints.
    public init(title: String, body: String, labels: [String], type: IssueType, signals: [Signal], writer: Writer) {
        self.title = title
        self.body = body
        self.labels = labels
        self.type = type
        self.fingerprint = Fingerprint.of(signals.map(\.fingerprint).sorted())
        self.signals = signals
        self.writer = writer
    }

    private enum CodingKeys: String, CodingKey {
        case title, body, labels, type, fingerprint, signals, writer, codeCitations
    }

    /// Decodes a draft; drafts saved before drafts could cite code have none.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        title = try container.decode(String.self, forKey: .title)
        body = try container.decode(String.self, forKey: .body)
        labels = try container.decode([String].self, forKey: .labels)
        type = try container.decode(IssueType.self, forKey: .type)
        fingerprint = try container.decode(String.self, forKey: .fingerprint)
        signals = try container.decode([Signal].self, forKey: .signals)
        writer = try container.decode(Writer.self, forKey: .writer)
        codeCitations = try container.decodeIfPresent([CodeCitation].self, forKey: .codeCitations) ?? []
    }

    /// Encodes a draft; one that cites no code has no `codeCitations` key, as before drafts could cite code.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(title, forKey: .title)
        try container.encode(body, forKey: .body)
        try container.encode(labels, forKey: .labels)
        try container.encode(type, forKey: .type)
        try container.encode(fingerprint, forKey: .fingerprint)
        try container.encode(signals, forKey: .signals)
        try container.encode(writer, forKey: .writer)
        if !codeCitations.isEmpty { try container.encode(codeCitations, forKey: .codeCitations) }
    }
}

extension IssueDraft.Writer {
    /// How previews and events name the writer: `plain writer`, or the provider and model.
    public var name: String {
        switch self {
        case .plain: "plain writer"
        case .model(let provider, let model): "\(provider) \(model)"
        }
    }
}
