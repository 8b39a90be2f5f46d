import Foundation
import IssueTrackers
import RepositoryAnalysis

/// The evidence an issue was filed (or last updated) with, kept in the issue itself in a hidden marker:
/// `<!-- ticket-master:evidence=<base64url JSON> -->`.
///
/// A later run compares it with what it finds now: new line numbers, more or fewer places, a new fix commit make one
/// update comment; evidence that is gone closes the issue. Keeping it in the issue, not in one machine's history,
/// lets any run on any machine keep the issue current, and updating it with each comment means a run that finds
/// nothing new says nothing.
public struct EvidenceSnapshot: Sendable, Hashable, Codable {
    /// One finding's evidence.
    public struct Finding: Sendable, Hashable, Codable {
        /// The signal's fingerprint.
        public var fingerprint: String
        /// The kind of finding (`marker`, `defect-hotspot`, …).
        public var kind: String
        /// Where: `path:line` or `path`, sorted, at most ``EvidenceSnapshot/maximumPlaces``.
        public var places: [String]
        /// How many places there are, which may be more than are kept.
        public var count: Int
        /// The fix commits behind a defect hotspot, abbreviated to 12 digits, sorted; empty for other kinds.
        public var commits: [String]

        enum CodingKeys: String, CodingKey {
            case fingerprint = "f", kind = "k", places = "p", count = "n", commits = "c"
        }

        /// Creates a finding's entry.
        public init(fingerprint: String, kind: String, places: [String], count: Int, commits: [String] = []) {
            self.fingerprint = fingerprint
            self.kind = kind
            self.places = places
            self.count = count
            self.commits = commits
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            fingerprint = try container.decode(String.self, forKey: .fingerprint)
            kind = try container.decode(String.self, forKey: .kind)
            places = try container.decodeIfPresent([String].self, forKey: .places) ?? []
            count = try container.decodeIfPresent(Int.self, forKey: .count) ?? places.count
            commits = try container.decodeIfPresent([String].self, forKey: .commits) ?? []
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(fingerprint, forKey: .fingerprint)
            try container.encode(kind, forKey: .kind)
            if !places.isEmpty { try container.encode(places, forKey: .places) }
            if count != places.count { try container.encode(count, forKey: .count) }
            if !commits.isEmpty { try container.encode(commits, forKey: .commits) }
        }

        /// The entry for `signal`.
        public init(_ signal: Signal) {
            var places = signal.evidence.locations.map { location in
                location.startLine.map { "\(location.path):\($0)" } ?? location.path
            }
            places = Array(Set(places)).sorted(by: EvidenceSnapshot.placeOrder)
            let commits =
                signal.kind == .defectHotspot
                ? Array(Set(signal.evidence.commits.map { String($0.hash.prefix(12)) })).sorted() : []
            self.init(
                fingerprint: signal.fingerprint, kind: signal.kind.rawValue,
                places: Array(places.prefix(EvidenceSnapshot.maximumPlaces)), count: places.count,
                commits: Array(commits.prefix(EvidenceSnapshot.maximumCommits)))
        }
    }

    /// The analysed commit, abbreviated to 12 digits.
    public var commit: String?
    /// The findings behind the issue, by fingerprint; empty once the evidence is gone.
    public var findings: [Finding]

    enum CodingKeys: String, CodingKey {
        case commit = "at", findings = "f"
    }

    /// Places kept per finding: enough to say what moved, small enough for an issue body.
    static let maximumPlaces = 60
    /// Fix commits kept per finding.
    static let maximumCommits = 30
    /// The longest marker read back: anything longer was not written by Ticket-Master.
    static let maximumMarkerLength = 64 * 1024

    /// Creates a snapshot.
    public init(commit: String?, findings: [Finding]) {
        self.commit = commit.map { String($0.prefix(12)) }
        self.findings = findings.sorted { $0.fingerprint < $1.fingerprint }
    }

    /// The snapshot of `signals`, found at `commit`.
    public init(commit: String?, signals: [Signal]) {
        self.init(commit: commit, findings: signals.map(Finding.init))
    }

    /// The fingerprints of the findings behind the issue.
    public var fingerprints: Set<String> { Set(findings.map(\.fingerprint)) }

    /// Whether `other` holds the same evidence, whatever commit each was taken at.
    public func sameEvidence(as other: EvidenceSnapshot) -> Bool {
        findings == other.findings
    }

    /// A short, stable digest of the evidence, for checking that an issue still carries the snapshot a plan saw.
    public var digest: String {
        Fingerprint.of(
            findings.map {
                "\($0.fingerprint)|\($0.places.joined(separator: ","))|\($0.count)|\($0.commits.joined(separator: ","))"
            })
    }

    /// Paths by file first, then by line number, so that `a.c:9` comes before `a.c:10`.
    static func placeOrder(_ left: String, _ right: String) -> Bool {
        let (leftPath, leftLine) = split(left)
        let (rightPath, rightLine) = split(right)
        if leftPath != rightPath { return leftPath < rightPath }
        return (leftLine ?? 0) < (rightLine ?? 0)
    }

    /// `path:line` as its path and line; a path without a line, or whose last colon is not followed by a number, as
    /// the path alone.
    static func split(_ place: String) -> (path: String, line: Int?) {
        guard let colon = place.lastIndex(of: ":"), let line = Int(place[place.index(after: colon)...]) else {
            return (place, nil)
        }
        return (String(place[..<colon]), line)
    }
}

extension EvidenceSnapshot {
    /// The marker that carries `self` in an issue body.
    public var marker: String {
        let data = (try? Self.encoder.encode(self)) ?? Data()
        let encoded = data.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
        return "<!-- ticket-master:evidence=\(encoded) -->"
    }

    /// The snapshot in `body`'s marker; nil when there is none or it cannot be read (an issue filed before
    /// snapshots existed, or a marker somebody edited).
    public static func extract(from body: String) -> EvidenceSnapshot? {
        guard let match = body.firstMatch(of: pattern), match.1.count <= maximumMarkerLength else { return nil }
        var text = String(match.1).replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while text.count % 4 != 0 { text += "=" }
        guard let data = Data(base64Encoded: text),
            let snapshot = try? JSONDecoder().decode(EvidenceSnapshot.self, from: data),
            snapshot.findings.allSatisfy({ FingerprintMarker.isValid($0.fingerprint) })
        else { return nil }
        return snapshot
    }

    /// `body` carrying `self`'s marker in place of any snapshot marker already there, before the fingerprint
    /// marker when there is one (both are invisible; the order only keeps the body tidy).
    public func embed(in body: String) -> String {
        let fingerprint = FingerprintMarker.extract(from: body)
        var stripped = FingerprintMarker.remove(from: body.replacing(Self.pattern, with: ""))
        while stripped.last?.isWhitespace == true { stripped.removeLast() }
        var result = stripped.isEmpty ? marker : stripped + "\n\n" + marker
        if let fingerprint { result += "\n" + FingerprintMarker.marker(for: fingerprint) }
        return result
    }

    nonisolated(unsafe) private static let pattern = #/<!--\s*ticket-master:evidence=([A-Za-z0-9_\-]*)\s*-->/#

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()
}
