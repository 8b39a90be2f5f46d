import Foundation

/// Lexical similarity of issue texts, for finding duplicates without a model.
///
/// Texts are compared as sets of word bigrams and words after lower-casing and dropping stop words; the score is the
/// Jaccard index of those sets, from 0 (nothing shared) to 1 (the same wording).
public struct TextFingerprint: Sendable, Hashable {
    /// The words and word pairs of the text.
    public let features: Set<String>

    /// Computes the features of `text`.
    public init(_ text: String) {
        let words = text.lowercased()
            .split { !$0.isLetter && !$0.isNumber && $0 != "_" && $0 != "." && $0 != "/" }
            .map { $0.trimmingCharacters(in: .init(charactersIn: "./")) }
            .filter { $0.count > 1 && !Self.stopWords.contains($0) }
        var features = Set(words)
        for (first, second) in zip(words, words.dropFirst()) {
            features.insert(first + " " + second)
        }
        self.features = features
    }

    /// The Jaccard index of the two feature sets.
    public func similarity(to other: TextFingerprint) -> Double {
        guard !features.isEmpty || !other.features.isEmpty else { return 1 }
        let shared = features.intersection(other.features).count
        return Double(shared) / Double(features.union(other.features).count)
    }

    private static let stopWords: Set<String> = [
        "the", "a", "an", "and", "or", "of", "to", "in", "on", "for", "is", "are", "be", "with", "this", "that", "it",
        "as", "at", "by", "from", "was", "were", "has", "have", "not", "no", "so", "its", "into", "than", "then",
    ]
}
