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
